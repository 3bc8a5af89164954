import { z } from 'zod';
import { CsvDialect } from './csv-options';

/**
 * What an imported table looks like to the rest of the app. The rows themselves live on disk
 * (main/data); this is the schema and profile the renderer shows and the engine reads.
 */
/** More distinct values than this and a text column is not one-hot encoded (it is ignored). */
export const MAX_CATEGORIES = 50;

export const ColumnKind = z.enum(['numeric', 'categorical', 'ignored']);
export type ColumnKind = z.infer<typeof ColumnKind>;

/**
 * What a column holds, finer than its kind (how a model can use it): shown as a badge. id and
 * constant columns are useless as features; datetime can be expanded into parts.
 */
export const ColumnType = z.enum(['numeric', 'integer', 'boolean', 'categorical', 'datetime', 'text', 'id', 'constant']);
export type ColumnType = z.infer<typeof ColumnType>;

/**
 * A small picture of a column: equal-width bins over [min, max] for numbers, the most frequent
 * values (most first, the rest summed as `other`) for everything else.
 */
export const Histogram = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bins'), min: z.number(), max: z.number(), counts: z.array(z.number().int().nonnegative()) }),
  z.object({
    kind: z.literal('top'),
    values: z.array(z.object({ value: z.string(), count: z.number().int().nonnegative() })),
    other: z.number().int().nonnegative(),
  }),
]);
export type Histogram = z.infer<typeof Histogram>;

export const ColumnProfile = z.object({
  name: z.string(),
  kind: ColumnKind,
  /** Absent in datasets imported before types existed. */
  type: ColumnType.optional(),
  /** id-like, constant or empty: worthless as a feature (the reason says why). */
  useless: z.boolean().optional(),
  histogram: Histogram.optional(),
  /** Why a column is ignored, in words ("looks like an id: every value is unique"). */
  reason: z.string().optional(),
  missing: z.number().int().nonnegative(),
  unique: z.number().int().nonnegative(),
  min: z.number().optional(),
  max: z.number().optional(),
  mean: z.number().optional(),
  std: z.number().optional(),
  /**
   * The distinct non-missing values, in sorted order (numbers numerically), whenever there are
   * at most MAX_CATEGORIES of them, whatever the kind: a categorical column always has them,
   * and a numeric target with few values can become class labels.
   */
  categories: z.array(z.string()).optional(),
  /** Numeric columns: whether every value is a whole number. */
  integer: z.boolean().optional(),
});
export type ColumnProfile = z.infer<typeof ColumnProfile>;

export const DatasetMeta = z.object({
  id: z.string(),
  name: z.string(),
  sourceFile: z.string(),
  rows: z.number().int().nonnegative(),
  columns: z.array(ColumnProfile),
  /** The first rows as raw text, for the preview table. */
  preview: z.array(z.array(z.string())),
  importedAt: z.string(),
  /** How the file was read (absent in datasets imported before import options existed). */
  csv: CsvDialect.optional(),
});
export type DatasetMeta = z.infer<typeof DatasetMeta>;

export const Task = z.enum(['classification', 'regression']);
export type Task = z.infer<typeof Task>;

/** The user's choice of what to predict from what. */
export const TaskSpec = z.object({
  target: z.string().min(1, 'pick a target column'),
  task: Task,
  /** Feature columns; when absent, every non-ignored column except the target. */
  features: z.array(z.string()).optional(),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

/**
 * How raw rows become model inputs: written beside every export as preprocessing.json so the
 * model works on raw data outside the app. Statistics come from the training split only.
 */
export const FeatureEncoding = z.discriminatedUnion('kind', [
  z.object({ name: z.string(), kind: z.literal('numeric'), mean: z.number(), std: z.number(), fill: z.number() }),
  z.object({ name: z.string(), kind: z.literal('categorical'), categories: z.array(z.string()) }),
]);
export type FeatureEncoding = z.infer<typeof FeatureEncoding>;

export const Preprocessing = z.object({
  format: z.literal('layerlab-preprocessing'),
  version: z.literal(1),
  task: Task,
  target: z.string(),
  features: z.array(FeatureEncoding),
  /** The model's input vector, in order: "age", "color=red", "color=blue", ... */
  inputOrder: z.array(z.string()),
  /** Classification: label names in output order. */
  labels: z.array(z.string()).optional(),
  /** Regression: the model predicts (y - mean) / std; multiply back. */
  targetScaling: z.object({ mean: z.number(), std: z.number() }).optional(),
});
export type Preprocessing = z.infer<typeof Preprocessing>;

export function encodedWidth(features: readonly FeatureEncoding[]): number {
  return features.reduce((n, f) => n + (f.kind === 'numeric' ? 1 : f.categories.length), 0);
}
