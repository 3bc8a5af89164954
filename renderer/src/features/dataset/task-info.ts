import { suggestTask, taskShape, type TaskShape } from '../../../../app/dataset/task';
import type { ColumnProfile, DatasetMeta, TaskSpec } from '../../../../app/dataset/schema';
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
