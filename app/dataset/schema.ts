import { z } from 'zod';

/**
 * What an imported table looks like to the rest of the app. The rows themselves live on disk
 * (main/data); this is the schema and profile the renderer shows and the engine reads.
 */
/** More distinct values than this and a text column is not one-hot encoded (it is ignored). */
export const MAX_CATEGORIES = 50;

export const ColumnKind = z.enum(['numeric', 'categorical', 'ignored']);
export type ColumnKind = z.infer<typeof ColumnKind>;

export const ColumnProfile = z.object({
  name: z.string(),
  kind: ColumnKind,
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
