import { UserError } from '../ipc/errors';
import { headFor } from '../training/config';
import type { ColumnProfile, DatasetMeta, Task, TaskSpec } from './schema';
import { featureColumns, planFeatures } from './column-plan';
import { windowInputShape } from './windows';

/**
 * Classification when the target is text, or whole numbers with few distinct values (0/1,
 * 1..5 ratings); regression otherwise. The user can override it.
 */
export function suggestTask(column: ColumnProfile): Task {
  if (column.kind === 'categorical') return 'classification';
  if (column.kind === 'numeric' && column.integer && column.unique <= 10) return 'classification';
  return column.kind === 'ignored' && column.categories !== undefined ? 'classification' : 'regression';
}

// The feature columns and their encodings live in column-plan.ts (per-column choices).
export { featureColumns } from './column-plan';

export interface TaskShape {
  /** Width of the encoded input vector: 1 per numeric feature, 1 per category of a categorical one. */
  inputWidth: number;
  /**
   * The per-sample input shape when a sample is not a flat row: [height, width, channels] for
   * images, [steps, features] for time-series windows. Absent for tables: [inputWidth].
   */
  inputShape?: number[];
  /** Class labels in output order (classification only). */
  labels: string[] | null;
  head: ReturnType<typeof headFor>;
}

/**
 * The model's input and output sizes for a dataset and task, shared by the editor (to size the
 * Input and Output nodes) and the main side (to encode the data): they must always agree.
 * Throws a UserError naming the column when the choice cannot work.
 */
export function taskShape(meta: DatasetMeta, spec: TaskSpec): TaskShape {
  if (spec.timeSeries) {
    // A window of lookback rows × its input columns per sample (app/dataset/windows.ts).
    const inputShape = windowInputShape(meta, spec, spec.timeSeries);
    return { inputWidth: inputShape[0] * inputShape[1], inputShape, labels: null, head: headFor('regression', 1) };
  }
  const target = meta.columns.find((c) => c.name === spec.target);
  if (!target) throw new UserError(`The target column "${spec.target}" is not in ${meta.sourceFile}.`);
  const features = featureColumns(meta, spec);
  if (features.length === 0)
    throw new UserError(`No usable feature columns in ${meta.sourceFile} besides the target "${spec.target}".`);
  for (const name of spec.features ?? []) {
    if (!meta.columns.some((c) => c.name === name))
      throw new UserError(`The feature column "${name}" is not in ${meta.sourceFile}.`);
  }
  // The same plan prepare.ts encodes with, so the widths agree by construction.
  const inputWidth = planFeatures(meta, spec).reduce((n, f) => n + f.width, 0);
  if (spec.task === 'regression') {
    if (target.kind !== 'numeric') {
      throw new UserError(
        `Column "${target.name}" holds text, so it cannot be a regression target; choose classification or another column.`,
      );
    }
    return { inputWidth, labels: null, head: headFor('regression', 1) };
  }
  const labels = target.categories;
  if (!labels) {
    throw new UserError(
      `Column "${target.name}" has ${target.unique} distinct values, too many to be classes (at most 50); choose regression or another column.`,
    );
  }
  if (labels.length < 2) {
    throw new UserError(
      `Column "${target.name}" has a single class ("${labels[0] ?? ''}"): a classifier needs at least two. Choose another target.`,
    );
  }
  return { inputWidth, labels, head: headFor('classification', labels.length) };
}
