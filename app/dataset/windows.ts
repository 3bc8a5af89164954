import { z } from 'zod';
import { UserError } from '../ipc/errors';
import type { DatasetMeta, TaskSpec } from './schema';
import { RunningStats } from '../math/running-stats';

/**
 * Time series as supervised learning: a table sorted by its time column becomes windows of
 * `lookback` consecutive rows (the inputs) and one value `horizon` rows after the window's last
 * row (the target). This file is the pure arithmetic (no files, no Node): main/data/prepare-windows
 * feeds it the stored columns and writes what it returns.
 *
 * Splits are in time order — training rows first, then validation, then test — and a window never
 * crosses a boundary, so a validation target is never an input of a training window and no
 * statistic of a later split reaches the scaling (it is fitted on the training rows only).
 */

export const MAX_LOOKBACK = 1000;
export const MAX_HORIZON = 1000;

/**
 * none: the values as they are. diff: the change from the previous row (v[t] − v[t−1]).
 * pct: the relative change ((v[t] − v[t−1]) / v[t−1]). Differencing makes a trending series
 * (a price) look the same at every level, which a model trained on the past needs to forecast
 * a future outside the range it saw.
 */
export const Differencing = z.enum(['none', 'diff', 'pct']);
export type Differencing = z.infer<typeof Differencing>;

/** The user's time-series choice, stored with the task spec. */
export const WindowSpec = z.object({
  /** The column rows are sorted by (dates or numbers); never a model input. */
  timeColumn: z.string().min(1, 'pick the time column'),
  lookback: z
    .number()
    .int()
    .min(1, 'lookback must be at least 1 row')
    .max(MAX_LOOKBACK, `lookback must be at most ${MAX_LOOKBACK} rows`),
  horizon: z
    .number()
    .int()
    .min(1, 'horizon must be at least 1 row')
    .max(MAX_HORIZON, `horizon must be at most ${MAX_HORIZON} rows`),
  differencing: Differencing,
});
export type WindowSpec = z.infer<typeof WindowSpec>;

/**
 * Differencing 'diff' by default: the model predicts the change from the window's last value, so
 * a model that learns nothing is the naive "last value" forecast rather than far worse (a series
 * that trends out of its training range cannot be predicted in levels).
 */
export const DEFAULT_WINDOW_SPEC: Omit<WindowSpec, 'timeColumn'> = { lookback: 10, horizon: 1, differencing: 'diff' };

/**
 * How the model's target relates to the target column, written into preprocessing.json so that a
 * prediction can be turned back into the column's units outside the app:
 *   none: value = prediction; diff: value = last + prediction; pct: value = last × (1 + prediction),
 * where `last` is the target column's value on the window's last row.
 */
export const WindowEncoding = z.object({
  timeColumn: z.string(),
  lookback: z.number().int().positive(),
  horizon: z.number().int().positive(),
  differencing: Differencing,
  /** Input columns in feature order (the target column first: its own past is known). */
  inputs: z.array(z.string()),
});
export type WindowEncoding = z.infer<typeof WindowEncoding>;

/**
 * A trained forecaster scored on every validation window beside the naive last value, both in
 * the target column's own units (differencing undone): what a user reads to judge a forecast.
 */
export const ForecastReport = z.object({
  time_column: z.string(),
  lookback: z.number().int().positive(),
  horizon: z.number().int().positive(),
  differencing: Differencing,
  val_windows: z.number().int().nonnegative(),
  /** The model's forecasts, differencing undone (last + change, last × (1 + change)). */
  model_val_mae: z.number(),
  /** Predicting y[t+h] = y[t], the window's last value. */
  baseline_val_mae: z.number(),
});
export type ForecastReport = z.infer<typeof ForecastReport>;

/** A table already sorted by time, numeric columns only, no missing values. */
export interface Series {
  /** The time column's text (or number) per row, for messages. */
  times: readonly string[];
  /** Input columns, in feature order. */
  inputs: readonly { name: string; values: Float64Array }[];
  target: { name: string; values: Float64Array };
}

/** One split's windows, before scaling. */
export interface WindowSet {
  /** windows × lookback × features, row-major, differenced as asked. */
  x: Float64Array;
  /** The model's target per window (the value, its change, or its relative change). */
  y: Float64Array;
  /** The target column on each window's last row: what the naive forecast predicts, and what undoes differencing. */
  last: Float64Array;
  /** The target column horizon rows later: the true value in the column's own units. */
  actual: Float64Array;
  /** Series position of each window's target row. */
  targetRow: Int32Array;
  count: number;
}

export interface Segment {
  name: 'training' | 'validation' | 'test';
  /** Series rows [start, end). */
  start: number;
  end: number;
}

/** The smallest segment that holds one window: lookback rows, horizon more, one before when differenced. */
export function rowsPerWindow(spec: Pick<WindowSpec, 'lookback' | 'horizon' | 'differencing'>): number {
  return spec.lookback + spec.horizon + (spec.differencing === 'none' ? 0 : 1);
}

/**
 * Time-ordered segments of `rows` series rows: the last `testShare` for test, the `validationShare`
 * before it for validation, the rest for training. Each must hold at least one window.
 */
export function timeSegments(rows: number, spec: WindowSpec, validationShare: number, testShare = 0): Segment[] {
  if (!(validationShare > 0 && validationShare < 1))
    throw new UserError(`The validation share must be between 0 and 1 (got ${validationShare}).`);
  if (!(testShare >= 0 && validationShare + testShare < 1))
    throw new UserError(
      `The test share must be at least 0 and leave rows for training (validation ${validationShare} + test ${testShare} must be below 1).`,
    );
  const testRows = testShare > 0 ? Math.round(rows * testShare) : 0;
  const valRows = Math.round(rows * validationShare);
  const segments: Segment[] = [{ name: 'training', start: 0, end: rows - valRows - testRows }];
  segments.push({ name: 'validation', start: rows - valRows - testRows, end: rows - testRows });
  if (testShare > 0) segments.push({ name: 'test', start: rows - testRows, end: rows });
  const need = rowsPerWindow(spec);
  for (const s of segments) {
    if (s.end - s.start < need) {
      throw new UserError(
        `The ${s.name} part of the series has ${s.end - s.start} rows, but one window of lookback ${spec.lookback} and horizon ${spec.horizon}${spec.differencing === 'none' ? '' : ' with differencing'} needs ${need}. ` +
          `Use a shorter lookback or horizon, a larger ${s.name} share, or a longer series (it has ${rows} rows).`,
      );
    }
  }
  return segments;
}

/** The differenced value of row `r` (r > start), naming the row when a relative change divides by zero. */
export function change(
  values: Float64Array,
  r: number,
  differencing: Differencing,
  column: string,
  times: readonly string[],
): number {
  const v = values[r]!;
  if (differencing === 'none') return v;
  const before = values[r - 1]!;
  if (differencing === 'diff') return v - before;
  if (before === 0) {
    throw new UserError(
      `Percent change of "${column}" at ${times[r] ?? `row ${r + 1}`} divides by zero: the row before holds 0. Use plain differencing (diff) instead.`,
    );
  }
  return (v - before) / before;
}

/**
 * Every window whose rows all lie in [segment.start, segment.end). The window ending at row t
 * reads rows t−lookback+1 … t (each differenced against its previous row, which must also be
 * in the segment) and predicts row t+horizon.
 */
export function windowsOf(series: Series, spec: WindowSpec, segment: Pick<Segment, 'start' | 'end'>): WindowSet {
  const { lookback, horizon, differencing } = spec;
  const features = series.inputs.length;
  const first = segment.start + (differencing === 'none' ? 0 : 1) + lookback - 1;
  const lastEnd = segment.end - 1 - horizon;
  const count = Math.max(0, lastEnd - first + 1);
  const set: WindowSet = {
    x: new Float64Array(count * lookback * features),
    y: new Float64Array(count),
    last: new Float64Array(count),
    actual: new Float64Array(count),
    targetRow: new Int32Array(count),
    count,
  };
  // Each row's differenced inputs once, not once per window that reads them.
  const rows = segment.end - segment.start;
  const changed = new Float64Array(rows * features);
  const from = segment.start + (differencing === 'none' ? 0 : 1);
  for (let r = from; r < segment.end; r++) {
    series.inputs.forEach(
      (input, f) =>
        void (changed[(r - segment.start) * features + f] = change(
          input.values,
          r,
          differencing,
          input.name,
          series.times,
        )),
    );
  }
  const target = series.target.values;
  for (let w = 0; w < count; w++) {
    const t = first + w;
    set.x.set(
      changed.subarray((t - lookback + 1 - segment.start) * features, (t + 1 - segment.start) * features),
      w * lookback * features,
    );
    const last = target[t]!;
    const actual = target[t + horizon]!;
    if (differencing === 'pct' && last === 0) {
      throw new UserError(
        `Percent change of the target "${series.target.name}" from ${series.times[t] ?? `row ${t + 1}`} divides by zero: it holds 0. Use plain differencing (diff) instead.`,
      );
    }
    set.y[w] = differencing === 'none' ? actual : differencing === 'diff' ? actual - last : (actual - last) / last;
    set.last[w] = last;
    set.actual[w] = actual;
    set.targetRow[w] = t + horizon;
  }
  return set;
}

/** Mean and population std per feature over the segment's differenced rows (std 1 when flat). */
export function inputStats(
  series: Series,
  spec: WindowSpec,
  segment: Pick<Segment, 'start' | 'end'>,
): { mean: number; std: number }[] {
  const from = segment.start + (spec.differencing === 'none' ? 0 : 1);
  return series.inputs.map((input) => {
    const stats = new RunningStats();
    for (let r = from; r < segment.end; r++)
      stats.push(change(input.values, r, spec.differencing, input.name, series.times));
    return stats.scaling();
  });
}

/** Mean and population std of values (std 1 when flat): the target's scaling on the training windows. */
export function valueStats(values: Float64Array): { mean: number; std: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length || 1;
  let m2 = 0;
  for (const v of values) m2 += (v - mean) * (v - mean);
  const std = values.length ? Math.sqrt(m2 / values.length) : 0;
  return { mean, std: std > 0 ? std : 1 };
}

/** Standardized float32 copy of windows × lookback × features, feature by feature. */
export function scaleInputs(x: Float64Array, stats: readonly { mean: number; std: number }[]): Float32Array {
  const features = stats.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const s = stats[i % features]!;
    out[i] = (x[i]! - s.mean) / s.std;
  }
  return out;
}

/** A model output (in the model's target units) back to the target column's units. */
export function undoDifferencing(prediction: number, last: number, differencing: Differencing): number {
  if (differencing === 'diff') return last + prediction;
  if (differencing === 'pct') return last * (1 + prediction);
  return prediction;
}

/**
 * The naive forecast "the value stays where it is" (y[t+h] = y[t]) in the model's target units:
 * the last value itself, or no change (0) when differenced.
 */
export function naiveForecast(set: WindowSet, differencing: Differencing): Float64Array {
  return differencing === 'none' ? Float64Array.from(set.last) : new Float64Array(set.count);
}

/** Mean absolute error of the naive last-value forecast in the target column's own units. */
export function naiveMae(set: WindowSet): number {
  let sum = 0;
  for (let w = 0; w < set.count; w++) sum += Math.abs(set.actual[w]! - set.last[w]!);
  return set.count ? sum / set.count : Number.NaN;
}

/**
 * The columns each window row holds: the target first (its own past is known when forecasting),
 * then the chosen features, or every numeric column but the time column. Throws a UserError
 * naming the column when the choice cannot work.
 */
export function windowInputColumns(meta: DatasetMeta, spec: TaskSpec, windows: WindowSpec): string[] {
  const byName = new Map(meta.columns.map((c) => [c.name, c]));
  const time = byName.get(windows.timeColumn);
  if (!time) throw new UserError(`The time column "${windows.timeColumn}" is not in ${meta.sourceFile}.`);
  if (windows.timeColumn === spec.target)
    throw new UserError(`"${spec.target}" cannot be both the time column and the target; choose another target.`);
  if (time.kind !== 'numeric' && time.type !== 'datetime') {
    throw new UserError(
      `The time column "${time.name}" holds neither dates nor numbers, so rows cannot be put in time order; choose a date or number column.`,
    );
  }
  if (spec.task !== 'regression')
    throw new UserError('Time-series windows forecast a number: set the task to regression.');
  const target = byName.get(spec.target);
  if (!target) throw new UserError(`The target column "${spec.target}" is not in ${meta.sourceFile}.`);
  if (target.kind !== 'numeric')
    throw new UserError(
      `The target "${target.name}" is not numeric, so it cannot be forecast; choose a number column.`,
    );
  const others = spec.features
    ? spec.features.filter((name) => name !== spec.target && name !== windows.timeColumn)
    : meta.columns
        .filter((c) => c.kind === 'numeric' && c.name !== spec.target && c.name !== windows.timeColumn)
        .map((c) => c.name);
  for (const name of others) {
    const column = byName.get(name);
    if (!column) throw new UserError(`The feature column "${name}" is not in ${meta.sourceFile}.`);
    if (column.kind !== 'numeric')
      throw new UserError(
        `The feature "${name}" is not numeric; time-series windows read number columns only. Leave it out of the features.`,
      );
  }
  return [target.name, ...others];
}

/** [lookback, features]: one sample of the windowed dataset. */
export function windowInputShape(meta: DatasetMeta, spec: TaskSpec, windows: WindowSpec): [number, number] {
  return [windows.lookback, windowInputColumns(meta, spec, windows).length];
}
