import type { PlannedFeature } from '../../app/dataset/column-plan';
import type { DatasetMeta, DatePart, FeatureEncoding, Scaling } from '../../app/dataset/schema';
import { UserError } from '../../app/ipc/errors';
import { RunningStats } from '../../app/math/running-stats';
import { cellText, type StoredColumn } from './column-store';
import { dateOrder, parseDate, type DateOrder, type DateParts } from './dates';
import { categoryCode, datePartValues, encodeNumber, ordinalValue, writeCategory, writeDate } from './encode';

/**
 * Fit one planned feature (app/dataset/column-plan.ts) on the training rows of a stored column:
 * the statistics behind its missing-value fill and its scaling. What comes out is the
 * FeatureEncoding written to preprocessing.json and a writer that encodes a stored row exactly as
 * encodeRawRows encodes the same raw text.
 */
export interface FittedFeature {
  encoding: FeatureEncoding;
  width: number;
  write: (row: number, out: Float32Array, offset: number) => void;
  /**
   * A numeric feature's column: prepare.ts then encodes it in one loop over the rows, the same
   * arithmetic as write (encodeNumber) without a call per cell.
   */
  numbers?: Float64Array;
}

function damaged(meta: DatasetMeta, what: string): UserError {
  return new UserError(`The stored data of ${meta.sourceFile} is damaged: ${what}. Import the data again.`);
}

/** Whether a row has no usable value in this feature ('drop' removes such rows before fitting). */
export function missingTest(plan: PlannedFeature, column: StoredColumn): (row: number) => boolean {
  if (plan.kind === 'datetime') {
    const read = dateReader(column);
    return (row) => read(row) === null;
  }
  if (column instanceof Float64Array) return (row) => Number.isNaN(column[row] ?? Number.NaN);
  return (row) => (column.codes[row] ?? -1) < 0;
}

function dateReader(column: StoredColumn): (row: number) => DateParts | null {
  if (column instanceof Float64Array) return () => null;
  const order: DateOrder = dateOrder(column.dict);
  // Parse each distinct text once, not each cell.
  const parsed = column.dict.map((text) => parseDate(text, order));
  return (row) => {
    const code = column.codes[row] ?? -1;
    return code < 0 ? null : (parsed[code] ?? null);
  };
}

/**
 * The statistics of the present values at `rows`. Median and most frequent need them sorted, so
 * they are sorted only when the plan's fill asks for one of those (sorting 20 columns of 8M
 * training rows was most of preparing a 10M-row table); mean, std, min and max come from one pass
 * in row order either way.
 */
function statsAt(valueOf: (row: number) => number, rows: readonly number[], needOrder: boolean): Stats {
  // Straight into a typed array: a JS array of 8M numbers and Float64Array.from (the iterator
  // protocol) cost seconds a column.
  const all = new Float64Array(rows.length);
  let n = 0;
  for (const r of rows) {
    const v = valueOf(r);
    if (!Number.isNaN(v)) all[n++] = v;
  }
  return statsOf(all.subarray(0, n), needOrder);
}

interface Stats {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  median: number;
  mode: number;
}

/**
 * Population std (divide by n), like the profile; mode: the most frequent value, the smallest on
 * ties. Without needOrder, median and mode are left 0 (no fill uses them). Sorts `values`.
 */
function statsOf(values: Float64Array, needOrder: boolean): Stats {
  const n = values.length;
  if (n === 0) return { n, mean: 0, std: 0, min: 0, max: 0, median: 0, mode: 0 };
  const running = new RunningStats();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    running.push(v);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const { mean, std } = running;
  if (!needOrder) return { n, mean, std, min, max, median: 0, mode: 0 };
  const sorted = values.sort();
  const mid = n >> 1;
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  let mode = sorted[0]!;
  let best = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && sorted[j] === sorted[i]) j += 1;
    if (j - i > best) {
      best = j - i;
      mode = sorted[i]!;
    }
    i = j;
  }
  return { n, mean, std, min, max, median, mode };
}

/** Whether the plan's fill for missing values is the median or the most frequent value. */
const needsOrder = (plan: PlannedFeature): boolean => plan.missing === 'median' || plan.missing === 'mostFrequent';

/** (x − mean) / std for each scaling; a column with no spread gets std 1 so nothing divides by zero. */
function scaleOf(scaling: Scaling, stats: Stats): { mean: number; std: number } {
  if (scaling === 'none') return { mean: 0, std: 1 };
  if (scaling === 'minmax') return { mean: stats.min, std: stats.max - stats.min > 0 ? stats.max - stats.min : 1 };
  return { mean: stats.mean, std: stats.std > 0 ? stats.std : 1 };
}

function fillOf(plan: PlannedFeature, stats: Stats): number {
  switch (plan.missing) {
    case 'median':
      return stats.median;
    case 'mostFrequent':
      return stats.mode;
    case 'constant':
      return Number(plan.constant);
    default:
      return stats.mean;
  }
}

/** The fields a default choice leaves out, so a default encoding is byte-for-byte version 1. */
function optionalFields(plan: PlannedFeature): { scaling?: Scaling; missing?: NonNullable<PlannedFeature['missing']> } {
  return {
    ...(plan.scaling !== 'standardize' && plan.kind !== 'categorical' ? { scaling: plan.scaling } : {}),
    ...(plan.missing ? { missing: plan.missing } : {}),
  };
}

function fitNumeric(
  meta: DatasetMeta,
  plan: Extract<PlannedFeature, { kind: 'numeric' }>,
  column: StoredColumn,
  trainRows: readonly number[],
): FittedFeature {
  if (!(column instanceof Float64Array))
    throw damaged(meta, `column "${plan.profile.name}" is numeric but stored as text`);
  const stats = statsAt((r) => column[r] ?? Number.NaN, trainRows, needsOrder(plan));
  const encoding = {
    name: plan.profile.name,
    kind: 'numeric' as const,
    ...scaleOf(plan.scaling, stats),
    fill: fillOf(plan, stats),
    ...optionalFields(plan),
  };
  return {
    encoding,
    width: 1,
    write: (row, out, offset) => void (out[offset] = encodeNumber(encoding, column[row] ?? Number.NaN)),
    numbers: column,
  };
}

function fitDatetime(
  meta: DatasetMeta,
  plan: Extract<PlannedFeature, { kind: 'datetime' }>,
  column: StoredColumn,
  trainRows: readonly number[],
): FittedFeature {
  if (column instanceof Float64Array)
    throw damaged(meta, `column "${plan.profile.name}" holds dates but is stored as numbers`);
  const read = dateReader(column);
  const scales: { mean: number; std: number }[] = [];
  const fills: number[] = [];
  plan.parts.forEach((part: DatePart) => {
    const stats = statsAt(
      (r) => {
        const parts = read(r);
        return parts ? (datePartValues(parts, [part])[0] ?? Number.NaN) : Number.NaN;
      },
      trainRows,
      needsOrder(plan),
    );
    scales.push(scaleOf(plan.scaling, stats));
    fills.push(fillOf(plan, stats));
  });
  const encoding: Extract<FeatureEncoding, { kind: 'datetime' }> = {
    name: plan.profile.name,
    kind: 'datetime',
    order: dateOrder(column.dict),
    parts: plan.parts,
    mean: scales.map((s) => s.mean),
    std: scales.map((s) => s.std),
    fill: fills,
    ...optionalFields(plan),
  };
  return { encoding, width: plan.width, write: (row, out, offset) => writeDate(encoding, read(row), out, offset) };
}

function fitCategorical(
  meta: DatasetMeta,
  plan: Extract<PlannedFeature, { kind: 'categorical' }>,
  column: StoredColumn,
  trainRows: readonly number[],
): FittedFeature {
  const name = plan.profile.name;
  // Per distinct text: its count in the training rows and in the whole column.
  const trainCount = new Map<string, number>();
  const tally = (map: Map<string, number>, row: number) => {
    const t = cellText(column, row);
    if (t !== null) map.set(t, (map.get(t) ?? 0) + 1);
  };
  for (const r of trainRows) tally(trainCount, r);
  let categories: string[];
  if (plan.cap === null) {
    categories = plan.profile.categories ?? [];
  } else {
    const allCount = new Map<string, number>();
    for (let r = 0; r < meta.rows; r += 1) tally(allCount, r);
    // Most frequent in training first; a category training never saw can only fill a slot training left empty.
    categories = [...allCount.keys()]
      .sort(
        (a, b) =>
          (trainCount.get(b) ?? 0) - (trainCount.get(a) ?? 0) ||
          (allCount.get(b) ?? 0) - (allCount.get(a) ?? 0) ||
          (a < b ? -1 : a > b ? 1 : 0),
      )
      .slice(0, plan.cap);
    // Pad when the whole column has fewer values than the cap allows: the width is fixed by the plan.
    for (let k = 1; categories.length < plan.cap; k += 1) categories.push(`(unused ${k})`);
  }
  let fill: string | undefined;
  if (plan.missing === 'mostFrequent') {
    let best = -1;
    for (const [text, n] of trainCount)
      if (n > best || (n === best && fill !== undefined && text < fill)) [fill, best] = [text, n];
  } else if (plan.missing === 'constant') fill = plan.constant ?? undefined;
  const encoding: Extract<FeatureEncoding, { kind: 'categorical' }> = {
    name,
    kind: 'categorical',
    categories,
    ...(plan.encoding === 'ordinal' ? { encoding: 'ordinal' as const } : {}),
    ...(plan.cap !== null ? { other: true } : {}),
    ...(fill !== undefined ? { fill } : {}),
    ...(plan.missing ? { missing: plan.missing } : {}),
  };
  const lookup = new Map(categories.map((c, i) => [c, i]));
  const codeOfText = (text: string | null) => categoryCode(encoding, text, lookup);
  // Resolve each dictionary entry once instead of each cell.
  const codeOf: (row: number) => number =
    column instanceof Float64Array
      ? (row) => codeOfText(cellText(column, row))
      : (() => {
          const byCode = Int32Array.from(column.dict, (text) => codeOfText(text));
          const missingCode = codeOfText(null);
          return (row: number) => {
            const code = column.codes[row] ?? -1;
            return code < 0 ? missingCode : (byCode[code] ?? -1);
          };
        })();
  if (plan.encoding === 'ordinal') {
    const stats = statsAt((r) => ordinalValue(encoding, codeOf(r)), trainRows, needsOrder(plan));
    const scale = scaleOf(plan.scaling, stats);
    encoding.mean = scale.mean;
    encoding.std = scale.std;
    if (plan.scaling !== 'standardize') encoding.scaling = plan.scaling;
  }
  return {
    encoding,
    width: plan.width,
    write: (row, out, offset) => writeCategory(encoding, codeOf(row), out, offset),
  };
}

export function fitFeature(
  meta: DatasetMeta,
  plan: PlannedFeature,
  column: StoredColumn,
  trainRows: readonly number[],
): FittedFeature {
  if (plan.kind === 'numeric') return fitNumeric(meta, plan, column, trainRows);
  if (plan.kind === 'datetime') return fitDatetime(meta, plan, column, trainRows);
  return fitCategorical(meta, plan, column, trainRows);
}
