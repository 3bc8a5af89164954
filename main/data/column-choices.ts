import type { PlannedFeature } from '../../app/dataset/column-plan';
import type { DatasetMeta, FeatureEncoding, Scaling } from '../../app/dataset/schema';
import { UserError } from '../../app/ipc/errors';
import { RunningStats } from '../../app/math/running-stats';
import { cellText, type StoredColumn } from './column-store';
import { dateOrder, parseDate, type DateOrder, type DateParts } from './dates';
import { categoryCode, datePartValues, encodeNumber, ordinalValue, writeCategory, writeDate } from './encode';

/**
 * Fit one planned feature (app/dataset/column-plan.ts) on the training rows of a stored column:
 * the statistics behind its missing-value fill and its scaling. The rows come a chunk at a time
 * (featureFit: add each chunk's training rows, then finish), so a column is never held whole.
 * What comes out is the FeatureEncoding written to preprocessing.json and a writer that encodes a
 * stored row exactly as encodeRawRows encodes the same raw text.
 */
export interface FittedFeature {
  encoding: FeatureEncoding;
  width: number;
  /**
   * The encoder of a chunk of the column (rows indexed within the chunk; a text column's chunks
   * share its dictionary, whose lookups are resolved once).
   */
  writer: (column: StoredColumn) => (row: number, out: Float32Array, offset: number) => void;
  /** A numeric feature: prepare.ts encodes it in one loop (encodeNumber's arithmetic) without a call per cell. */
  numeric?: Extract<FeatureEncoding, { kind: 'numeric' }>;
}

/** Statistics accumulated over chunks of a column. */
export interface FeatureFit {
  /** The training rows of a chunk (indices into the chunk's column, `count` of them); call once per chunk, in row order. */
  add: (column: StoredColumn, rows: ArrayLike<number>, count: number) => void;
  /** Every row of the chunk: a capped categorical column ranks the values training never saw by the whole column. */
  addAll: (column: StoredColumn) => void;
  finish: () => FittedFeature;
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

/** Each dictionary's texts parsed as dates once (a column's chunks share its dictionary). */
const parsedDates = new WeakMap<readonly string[], (DateParts | null)[]>();

function dateReader(column: StoredColumn): (row: number) => DateParts | null {
  if (column instanceof Float64Array) return () => null;
  let parsed = parsedDates.get(column.dict);
  if (!parsed) {
    const order: DateOrder = dateOrder(column.dict);
    parsed = column.dict.map((text) => parseDate(text, order));
    parsedDates.set(column.dict, parsed);
  }
  const dates = parsed;
  return (row) => {
    const code = column.codes[row] ?? -1;
    return code < 0 ? null : (dates[code] ?? null);
  };
}

/**
 * The statistics of the present values pushed, in one pass (mean and std by RunningStats, min,
 * max). Median and most frequent need the values sorted, so they are kept (one column's training
 * values at most) only when the plan's fill asks for one of those.
 */
class ValueStats {
  private readonly running = new RunningStats();
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  /** Allocated at the first value and let go by stats(), so fits that keep values hold memory only while fitted. */
  private values: Float64Array | null = null;
  private n = 0;

  constructor(
    private readonly capacity: number,
    private readonly needOrder: boolean,
  ) {}

  push(v: number): void {
    if (Number.isNaN(v)) return;
    this.running.push(v);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (this.needOrder) {
      this.values ??= new Float64Array(this.capacity);
      if (this.n === this.values.length) throw new Error('ValueStats: more values than its capacity');
      this.values[this.n] = v;
    }
    this.n += 1;
  }

  stats(): Stats {
    const n = this.n;
    const values = this.values;
    this.values = null;
    if (n === 0) return { n, mean: 0, std: 0, min: 0, max: 0, median: 0, mode: 0 };
    const { mean, std } = this.running;
    const base = { n, mean, std, min: this.min, max: this.max };
    return values ? { ...base, ...orderStats(values.subarray(0, n)) } : { ...base, median: 0, mode: 0 };
  }
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

/** Median and mode (the most frequent value, the smallest on ties) of non-empty values; sorts them. */
function orderStats(values: Float64Array): { median: number; mode: number } {
  const n = values.length;
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
  return { median, mode };
}

/** Whether the plan's fill for missing values is the median or the most frequent value. */
const needsOrder = (plan: PlannedFeature): boolean => plan.missing === 'median' || plan.missing === 'mostFrequent';

/**
 * Whether fitting the feature keeps every training value (8 bytes a row, a date's parts each):
 * a median or most frequent fill of numbers or dates. prepare.ts fits such a feature in a pass of
 * its own, so only one holds its values at a time (a categorical one counts its texts instead).
 */
export const keepsValues = (plan: PlannedFeature): boolean => plan.kind !== 'categorical' && needsOrder(plan);

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

function numericFit(
  meta: DatasetMeta,
  plan: Extract<PlannedFeature, { kind: 'numeric' }>,
  capacity: number,
): FeatureFit {
  const name = plan.profile.name;
  const numbersOf = (column: StoredColumn): Float64Array => {
    if (!(column instanceof Float64Array)) throw damaged(meta, `column "${name}" is numeric but stored as text`);
    return column;
  };
  const values = new ValueStats(capacity, needsOrder(plan));
  return {
    add: (column, rows, count) => {
      const numbers = numbersOf(column);
      for (let i = 0; i < count; i++) values.push(numbers[rows[i]!] ?? Number.NaN);
    },
    addAll: () => undefined,
    finish: () => {
      const stats = values.stats();
      const encoding = {
        name,
        kind: 'numeric' as const,
        ...scaleOf(plan.scaling, stats),
        fill: fillOf(plan, stats),
        ...optionalFields(plan),
      };
      return {
        encoding,
        width: 1,
        numeric: encoding,
        writer: (column) => {
          const numbers = numbersOf(column);
          return (row, out, offset) => void (out[offset] = encodeNumber(encoding, numbers[row] ?? Number.NaN));
        },
      };
    },
  };
}

function datetimeFit(
  meta: DatasetMeta,
  plan: Extract<PlannedFeature, { kind: 'datetime' }>,
  capacity: number,
): FeatureFit {
  const name = plan.profile.name;
  const dictOf = (column: StoredColumn): string[] => {
    if (column instanceof Float64Array) throw damaged(meta, `column "${name}" holds dates but is stored as numbers`);
    return column.dict;
  };
  const parts = plan.parts.map(() => new ValueStats(capacity, needsOrder(plan)));
  let dict: string[] | null = null;
  return {
    add: (column, rows, count) => {
      dict ??= dictOf(column);
      const read = dateReader(column);
      for (let i = 0; i < count; i++) {
        const date = read(rows[i]!);
        const values = date ? datePartValues(date, plan.parts) : null;
        parts.forEach((stats, k) => stats.push(values ? (values[k] ?? Number.NaN) : Number.NaN));
      }
    },
    addAll: () => undefined,
    finish: () => {
      const all = parts.map((p) => p.stats());
      const scales = all.map((stats) => scaleOf(plan.scaling, stats));
      const encoding: Extract<FeatureEncoding, { kind: 'datetime' }> = {
        name,
        kind: 'datetime',
        order: dateOrder(dict ?? []),
        parts: plan.parts,
        mean: scales.map((s) => s.mean),
        std: scales.map((s) => s.std),
        fill: all.map((stats) => fillOf(plan, stats)),
        ...optionalFields(plan),
      };
      return {
        encoding,
        width: plan.width,
        writer: (column) => {
          dictOf(column);
          const read = dateReader(column);
          return (row, out, offset) => writeDate(encoding, read(row), out, offset);
        },
      };
    },
  };
}

/** Cells per distinct text: by dictionary code for a text column, by the number's text for a numeric one. */
class TextCounts {
  private byCode: Float64Array | null = null;
  private dict: string[] | null = null;
  private readonly byText = new Map<string, number>();
  /** Cells counted that were missing. */
  missing = 0;

  add(column: StoredColumn, row: number): void {
    if (column instanceof Float64Array) {
      const text = cellText(column, row);
      if (text === null) this.missing += 1;
      else this.byText.set(text, (this.byText.get(text) ?? 0) + 1);
      return;
    }
    if (this.dict !== column.dict) {
      this.flush();
      this.dict = column.dict;
      this.byCode = new Float64Array(column.dict.length);
    }
    const code = column.codes[row] ?? -1;
    if (code < 0) this.missing += 1;
    else this.byCode![code] = (this.byCode![code] ?? 0) + 1;
  }

  private flush(): void {
    if (!this.dict || !this.byCode) return;
    this.dict.forEach((text, code) => {
      const n = this.byCode![code] ?? 0;
      if (n > 0) this.byText.set(text, (this.byText.get(text) ?? 0) + n);
    });
    this.dict = null;
    this.byCode = null;
  }

  /** Count per text, in the order texts were first counted (dictionary order for a text column). */
  counts(): Map<string, number> {
    this.flush();
    return this.byText;
  }
}

function categoricalFit(plan: Extract<PlannedFeature, { kind: 'categorical' }>, capacity: number): FeatureFit {
  const name = plan.profile.name;
  // Per distinct text: its count in the training rows and (for a cap) in the whole column.
  const train = new TextCounts();
  const everywhere = plan.cap === null ? null : new TextCounts();
  return {
    add: (column, rows, count) => {
      for (let i = 0; i < count; i++) train.add(column, rows[i]!);
    },
    addAll: (column) => {
      if (!everywhere) return;
      const rows = column instanceof Float64Array ? column.length : column.codes.length;
      for (let r = 0; r < rows; r++) everywhere.add(column, r);
    },
    finish: () => {
      const trainCount = train.counts();
      let categories: string[];
      if (plan.cap === null || !everywhere) {
        categories = plan.profile.categories ?? [];
      } else {
        const allCount = everywhere.counts();
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
      if (plan.encoding === 'ordinal') {
        // The ordinal value of each training cell, from the counts: a value per text, repeated.
        const stats = new ValueStats(capacity, needsOrder(plan));
        const repeat = (value: number, n: number) => {
          for (let k = 0; k < n; k++) stats.push(value);
        };
        for (const [text, n] of trainCount) repeat(ordinalValue(encoding, codeOfText(text)), n);
        repeat(ordinalValue(encoding, codeOfText(null)), train.missing);
        const scale = scaleOf(plan.scaling, stats.stats());
        encoding.mean = scale.mean;
        encoding.std = scale.std;
        if (plan.scaling !== 'standardize') encoding.scaling = plan.scaling;
      }
      // A text column's dictionary entries resolved once, not each cell (its chunks share the dictionary).
      let resolved: { dict: string[]; byCode: Int32Array } | null = null;
      const missingCode = codeOfText(null);
      return {
        encoding,
        width: plan.width,
        writer: (column) => {
          if (column instanceof Float64Array)
            return (row, out, offset) => writeCategory(encoding, codeOfText(cellText(column, row)), out, offset);
          if (resolved?.dict !== column.dict)
            resolved = { dict: column.dict, byCode: Int32Array.from(column.dict, (text) => codeOfText(text)) };
          const { byCode } = resolved;
          const codes = column.codes;
          return (row, out, offset) => {
            const code = codes[row] ?? -1;
            writeCategory(encoding, code < 0 ? missingCode : (byCode[code] ?? -1), out, offset);
          };
        },
      };
    },
  };
}

/** The fit of one planned feature over chunks of its column; `capacity`: the training rows there will be. */
export function featureFit(meta: DatasetMeta, plan: PlannedFeature, capacity: number): FeatureFit {
  if (plan.kind === 'numeric') return numericFit(meta, plan, capacity);
  if (plan.kind === 'datetime') return datetimeFit(meta, plan, capacity);
  return categoricalFit(plan, capacity);
}
