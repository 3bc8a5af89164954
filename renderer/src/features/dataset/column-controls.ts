import { featureColumns } from '../../../../app/dataset/column-plan';
import type { ColumnChoice, DatasetMeta, TaskSpec } from '../../../../app/dataset/schema';

export type ColumnRole = 'feature' | 'target' | 'ignore';

export function roleOf(dataset: DatasetMeta, spec: TaskSpec | null, name: string): ColumnRole {
  if (spec?.target === name) return 'target';
  return spec && featureColumns(dataset, spec).some((c) => c.name === name) ? 'feature' : 'ignore';
}

/**
 * The spec with a column made an input or ignored. The features list becomes explicit (the
 * current inputs ± this one) so the choice survives; choosing "target" is TaskPanel's job.
 */
export function withRole(dataset: DatasetMeta, spec: TaskSpec, name: string, role: 'feature' | 'ignore'): TaskSpec {
  const current = featureColumns(dataset, spec).map((c) => c.name);
  const next = role === 'feature' ? [...current, name] : current.filter((n) => n !== name);
  // File order, as featureColumns reads them.
  const features = dataset.columns.map((c) => c.name).filter((n) => next.includes(n));
  return { ...spec, features };
}

/** The spec with one column's choice changed; fields set to undefined go back to the default, and an empty choice is removed. */
export function withChoice(
  spec: TaskSpec,
  name: string,
  patch: Partial<Record<keyof ColumnChoice, ColumnChoice[keyof ColumnChoice] | undefined>>,
): TaskSpec {
  const columns = { ...(spec.columns ?? {}) };
  const merged: Record<string, unknown> = { ...(Object.hasOwn(columns, name) ? columns[name] : {}), ...patch };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  if (merged['missing'] !== 'constant') delete merged['constant'];
  if (Object.keys(merged).length === 0) delete columns[name];
  else columns[name] = merged as ColumnChoice;
  const { columns: _drop, ...rest } = spec;
  return Object.keys(columns).length > 0 ? { ...rest, columns } : rest;
}

/**
 * The choices that do not depend on the target (features, per-column choices, split), kept when
 * the target changes; those naming a column this dataset lacks (after a re-import) are dropped.
 */
export function choicesOf(
  dataset: DatasetMeta,
  spec: TaskSpec | null,
): Pick<TaskSpec, 'features' | 'columns' | 'split'> {
  if (!spec) return {};
  const names = new Set(dataset.columns.map((c) => c.name));
  const columns = Object.fromEntries(Object.entries(spec.columns ?? {}).filter(([name]) => names.has(name)));
  const split =
    spec.split && (spec.split.column === undefined || names.has(spec.split.column)) ? spec.split : undefined;
  return {
    ...(spec.features ? { features: spec.features.filter((n) => names.has(n)) } : {}),
    ...(Object.keys(columns).length > 0 ? { columns } : {}),
    ...(split ? { split } : {}),
  };
}
