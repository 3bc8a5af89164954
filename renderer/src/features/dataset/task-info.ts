import { suggestTask, taskShape, type TaskShape } from '../../../../app/dataset/task';
import type { ColumnProfile, DatasetMeta, TaskSpec } from '../../../../app/dataset/schema';
import { IMAGE_TASK_SPEC, imageTaskShape } from '../../../../app/dataset/image-task';
import type { ImageDatasetMeta } from '../../../../app/dataset/images';
import { messageOf } from '../../lib/errors';

export interface TaskInfo {
  spec: TaskSpec | null;
  shape: TaskShape | null;
  /** taskShape's own message when the choice cannot work; it blocks the later steps. */
  error: string | null;
}

const cache = new WeakMap<object, Map<TaskSpec | null, TaskInfo>>();

/** The model's input and output sizes for the saved choice; memoised per dataset and spec object. */
export function deriveTask(dataset: DatasetMeta | null, spec: TaskSpec | null): TaskInfo {
  if (!dataset) return { spec, shape: null, error: null };
  let bySpec = cache.get(dataset);
  if (!bySpec) cache.set(dataset, (bySpec = new Map()));
  const hit = bySpec.get(spec);
  if (hit) return hit;
  let info: TaskInfo;
  if (!spec) info = { spec, shape: null, error: null };
  else {
    try {
      info = { spec, shape: taskShape(dataset, spec), error: null };
    } catch (error) {
      info = { spec, shape: null, error: messageOf(error) };
    }
  }
  bySpec.set(spec, info);
  return info;
}

const imageCache = new WeakMap<object, TaskInfo>();

/** An image dataset's one task, classifying by class folder; memoised per dataset object. */
export function deriveImageTask(meta: ImageDatasetMeta): TaskInfo {
  let info = imageCache.get(meta);
  if (!info) imageCache.set(meta, (info = { spec: IMAGE_TASK_SPEC, shape: imageTaskShape(meta), error: null }));
  return info;
}

/** The task of whichever dataset the project has: a table's chosen target, or an image dataset's classes. */
export function deriveProjectTask(
  state: { dataset: DatasetMeta | null; imageDataset?: ImageDatasetMeta | null | undefined },
  spec: TaskSpec | null,
): TaskInfo {
  return state.imageDataset ? deriveImageTask(state.imageDataset) : deriveTask(state.dataset, spec);
}

export function targetCandidates(dataset: DatasetMeta): ColumnProfile[] {
  return dataset.columns.filter((c) => c.kind !== 'ignored');
}

/** The usual convention: the label is the last usable column (species in iris, price in housing). */
export function defaultTaskSpec(dataset: DatasetMeta): TaskSpec | null {
  const column = targetCandidates(dataset).at(-1);
  return column ? { target: column.name, task: suggestTask(column) } : null;
}

export function describeHead(shape: TaskShape, task: TaskSpec['task']): string {
  if (task === 'regression') return 'predicts a number → linear output';
  const labels = shape.labels ?? [];
  const shown = labels.length > 6 ? `${labels.slice(0, 6).join(', ')}, …` : labels.join(', ');
  if (shape.head.activation === 'sigmoid') return `2 classes: ${shown} → sigmoid output (1 unit)`;
  return `${labels.length} classes: ${shown} → ${shape.head.activation} output`;
}
