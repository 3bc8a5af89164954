import { z } from 'zod';
import { CsvDelimiter, CsvDialect, CsvEncoding } from './csv-options';
import { WindowEncoding, WindowSpec } from './windows';

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
export const ColumnType = z.enum([
  'numeric',
  'integer',
  'boolean',
  'categorical',
  'datetime',
  'text',
  'id',
  'constant',
]);
export type ColumnType = z.infer<typeof ColumnType>;

/**
 * A small picture of a column: equal-width bins over [min, max] for numbers, the most frequent
 * values (most first, the rest summed as `other`) for everything else.
 */
export const Histogram = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('bins'),
    min: z.number(),
    max: z.number(),
    counts: z.array(z.number().int().nonnegative()),
  }),
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

/**
 * What to do with a missing value, fitted on the training split only: drop the row (in every
 * split), or fill with the column's mean, median or most frequent value, or a constant.
 */
export const MissingStrategy = z.enum(['drop', 'mean', 'median', 'mostFrequent', 'constant']);
export type MissingStrategy = z.infer<typeof MissingStrategy>;
export const Scaling = z.enum(['standardize', 'minmax', 'none']);
export type Scaling = z.infer<typeof Scaling>;
export const CategoryEncoding = z.enum(['onehot', 'ordinal']);
export type CategoryEncoding = z.infer<typeof CategoryEncoding>;
/** The most categories a capped column keeps (plus "other"). */
export const MAX_CATEGORY_CAP = 1000;

/**
 * A user's choices for one feature column; every field absent means today's default: numbers
 * standardized with missing values filled by the training mean, text one-hot with a missing
 * value as all zeros. Which fields apply depends on the column (app/dataset/column-plan.ts
 * refuses the ones that do not, naming the column).
 */
export const ColumnChoice = z
  .object({
    missing: MissingStrategy.optional(),
    /** The fill for missing: 'constant': a number for a numeric column, a category otherwise. */
    constant: z.string().max(200).optional(),
    scaling: Scaling.optional(),
    encoding: CategoryEncoding.optional(),
    /** Keep the most frequent categories (in the training split); the rest fold into "other". */
    maxCategories: z
      .number()
      .int()
      .min(1, 'the category cap must be at least 1')
      .max(MAX_CATEGORY_CAP, `the category cap must be at most ${MAX_CATEGORY_CAP}`)
      .optional(),
  })
  .strict();
export type ColumnChoice = z.infer<typeof ColumnChoice>;

/**
 * How rows are split into train / validation / test. random: a seeded shuffle; stratified: each
 * class keeps its share in every split (classification); time: ordered by `column` (dates or
 * numbers), training first, then validation, then test. The test share is held out of training,
 * early stopping and the learning curve; the validation share is the run's validationSplit.
 */
export const SplitMethod = z.enum(['random', 'stratified', 'time']);
export type SplitMethod = z.infer<typeof SplitMethod>;
export const SplitSpec = z
  .object({
    method: SplitMethod,
    testShare: z.number().min(0, 'the test share must be at least 0').max(0.5, 'the test share must be at most 0.5'),
    /** time: the column rows are ordered by. */
    column: z.string().min(1).optional(),
    /** Its own seed, so that changing the training seed never moves rows into or out of the test split. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
  })
  .strict();
export type SplitSpec = z.infer<typeof SplitSpec>;

/** The user's choice of what to predict from what. */
export const TaskSpec = z.object({
  target: z.string().min(1, 'pick a target column'),
  task: Task,
  /** Feature columns; when absent, every non-ignored column except the target. */
  features: z.array(z.string()).optional(),
  /** Per-column choices by column name; absent columns take the defaults. */
  columns: z.record(z.string(), ColumnChoice).optional(),
  /** Absent: a random split of the validation share only (no test split), seeded by the run's seed. */
  split: SplitSpec.optional(),
  /** Forecast from windows of past rows sorted by a time column (regression only). */
  timeSeries: WindowSpec.optional(),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

/**
 * How raw rows become model inputs: written beside every export as preprocessing.json so the
 * model works on raw data outside the app. Statistics come from the training split only.
 */
export const DATE_PARTS = ['year', 'month', 'day', 'weekday', 'hour'] as const;
export const DatePart = z.enum(DATE_PARTS);
export type DatePart = z.infer<typeof DatePart>;

/**
 * Every field added after version 1 is optional and absent in the default encoding, so an old
 * preprocessing.json reads as before. Input = (value − mean) / std for numbers: min-max stores
 * mean = min and std = max − min, "none" stores 0 and 1, so one formula covers all three.
 */
export const FeatureEncoding = z.discriminatedUnion('kind', [
  z.object({
    name: z.string(),
    kind: z.literal('numeric'),
    mean: z.number(),
    std: z.number(),
    /** The value a missing cell takes (training mean, median, most frequent, or the constant). */
    fill: z.number(),
    scaling: Scaling.optional(),
    /** 'drop': training dropped rows missing this value, so a missing value is an error. */
    missing: MissingStrategy.optional(),
  }),
  z.object({
    name: z.string(),
    kind: z.literal('categorical'),
    categories: z.array(z.string()),
    /** Absent: one-hot. ordinal: one input, the category's index ((index − mean) / std). */
    encoding: CategoryEncoding.optional(),
    /** Values not among `categories` (rare ones folded by the cap, or unseen) share one "other" input. */
    other: z.boolean().optional(),
    /** A missing value counts as this category (most frequent, or the constant); absent: no evidence (zeros). */
    fill: z.string().optional(),
    missing: MissingStrategy.optional(),
    scaling: Scaling.optional(),
    mean: z.number().optional(),
    std: z.number().optional(),
  }),
  /** A date/time column expanded into numeric parts, each scaled like a number. */
  z.object({
    name: z.string(),
    kind: z.literal('datetime'),
    /** How ambiguous dates like 03/04/2024 read (month first or day first), fixed at import. */
    order: z.enum(['mdy', 'dmy']),
    parts: z.array(DatePart).min(1),
    mean: z.array(z.number()),
    std: z.array(z.number()),
    fill: z.array(z.number()),
    scaling: Scaling.optional(),
    missing: MissingStrategy.optional(),
  }),
]);
export type FeatureEncoding = z.infer<typeof FeatureEncoding>;

/** Inputs one encoded feature takes in the model's input vector. */
export function featureWidth(f: FeatureEncoding): number {
  if (f.kind === 'numeric') return 1;
  if (f.kind === 'datetime') return f.parts.length;
  if (f.encoding === 'ordinal') return 1;
  return f.categories.length + (f.other ? 1 : 0);
}

/** The CSV dialect a run's dataset was imported with, as preprocessing.json records it. */
export const PreprocessingCsv = z.object({
  delimiter: CsvDelimiter,
  decimal: z.enum(['.', ',']),
  /** Absent: UTF-8 (a BOM is skipped). */
  encoding: CsvEncoding.optional(),
  /** Absent: '"'; "" reads quotes as ordinary text. */
  quoteChar: z.enum(['"', "'", '']).optional(),
  /** false: the file has no header line and its columns are column_1..column_n. Absent: a header line. */
  header: z.boolean().optional(),
});
export type PreprocessingCsv = z.infer<typeof PreprocessingCsv>;

/** The recorded dialect of a dataset's import, or undefined when the import did not record one. */
export function preprocessingCsvOf(dialect: CsvDialect | undefined): PreprocessingCsv | undefined {
  if (!dialect) return undefined;
  return {
    delimiter: dialect.delimiter,
    decimal: dialect.decimalComma ? ',' : '.',
    encoding: dialect.encoding,
    quoteChar: dialect.quoteChar,
    header: dialect.header,
  };
}

export const Preprocessing = z.object({
  format: z.literal('layerlab-preprocessing'),
  /** 2 when an encoding uses a field added after version 1 (an older reader must refuse it, not misread it). */
  version: z.union([z.literal(1), z.literal(2)]),
  task: Task,
  target: z.string(),
  features: z.array(FeatureEncoding),
  /** The model's input vector, in order: "age", "color=red", "color=blue", ... */
  inputOrder: z.array(z.string()),
  /** Classification: label names in output order. */
  labels: z.array(z.string()).optional(),
  /** Regression: the model predicts (y - mean) / std; multiply back. */
  targetScaling: z.object({ mean: z.number(), std: z.number() }).optional(),
  /**
   * Image models: how a picture becomes the input tensor. Resize it to width × height (fit:
   * pad with black keeping the aspect ratio, crop the centre, or stretch), convert it to
   * grayscale or RGB, and multiply each 0..255 pixel by `scale` (1/255: pixels in [0, 1]);
   * the input is height × width × channels (NHWC). `features` and `inputOrder` are empty.
   */
  image: z
    .object({
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      channels: z.union([z.literal(1), z.literal(3)]),
      color: z.enum(['grayscale', 'rgb']),
      fit: z.enum(['pad', 'crop', 'stretch']),
      scale: z.number().positive(),
    })
    .optional(),
  /** Time series: each sample is `lookback` rows of the inputs (inputOrder), differenced as stated. */
  windows: WindowEncoding.optional(),
  /**
   * How the training CSV was written, so new rows in the same file format read alike (predict.mjs,
   * predict.py, the playground): cells split on `delimiter`, numbers with `decimal` as the decimal
   * mark ("14,23" is 14.23 when it is ","; thousands separators are never guessed). Absent in runs
   * prepared before it was recorded and in data not read from a CSV: then "." and a sniffed delimiter.
   */
  csv: PreprocessingCsv.optional(),
});
export type Preprocessing = z.infer<typeof Preprocessing>;

export function encodedWidth(features: readonly FeatureEncoding[]): number {
  return features.reduce((n, f) => n + featureWidth(f), 0);
}
