import { appendFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetMeta } from '../../app/dataset/schema';
import { UserError } from '../../app/ipc/errors';
import { littleEndianBytes, readFloat64 } from './binary';
import { BUCKET_BYTES, BucketOrder, FLOAT64_RECORDS } from './bucket-order';
import { columnChunks } from './column-chunks';
import { loadRowCells, type StoredColumn } from './column-store';
import { dateOrder, parseDate, type DateOrder } from './dates';
import { readError } from './fs-errors';

/**
 * A time-ordered table read a chunk of rows at a time (issue 19): what windowed preparation
 * (prepare-windows.ts) walks instead of whole columns. Rows without a time are left out, the
 * rest taken in time order (two rows at the same time are refused), each input's missing value
 * takes the value of the row before, and the series starts at the first row where every input
 * has had a value.
 *
 * A file already in time order (the usual case) is streamed from its columns as they are stored,
 * so memory is a chunk of rows whatever the row count. A file out of order is put in order once:
 * its times are sorted (16 bytes a timed row while sorting, 4 after: each row's place), and its
 * input values go to their places through bucket files (bucket-order.ts, as prepare.ts's
 * ScatterMatrix, in float64 so that no digit is lost) into one ordered scratch file, read a chunk
 * at a time.
 */

/** Rows of the series, a chunk at a time, in time order. */
export interface SeriesChunk {
  /** Series position of the first row (0: the first row where every input has had a value). */
  start: number;
  count: number;
  /** The dataset row (0-based) of each. */
  rows: Int32Array;
  /** Per input (in input order), its values, missing ones carried forward. */
  values: Float64Array[];
}

export interface OrderedSeries {
  /** Rows in the series. */
  readonly length: number;
  /** The series from its start, `chunkRows` rows at a time at most; may be walked more than once. */
  chunks(): AsyncGenerator<SeriesChunk>;
  /** The time column's text in a dataset row (for messages). */
  timeText(row: number): Promise<string>;
}

export interface OrderSeriesInput {
  datasetDir: string;
  meta: DatasetMeta;
  timeColumn: string;
  /** Numeric columns, in feature order. */
  inputNames: readonly string[];
  chunkRows: number;
  /** A folder for the ordered scratch file of a table out of time order (removed by the caller). */
  scratchDir: string;
  /** Rows put in order in memory at a time (default: 32 MiB of them); tests make it small. */
  bucketRows?: number;
  /**
   * Called after each chunk of each pass over the table with the rows it read: one pass for a
   * table in time order, three for one out of order (its times, then its rows put in order). A
   * throw (a cancel) stops the ordering there.
   */
  onRows?: (rows: number) => void;
}

const CLOCK = /(?:[T ])(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/;

/** A sortable number for a date-and-time text (ms since 1970, UTC), or null when it is not one. */
export function timeKey(text: string, order: DateOrder): number | null {
  const parts = parseDate(text, order);
  if (!parts) return null;
  const clock = CLOCK.exec(text.trim());
  const minutes = clock ? Number(clock[2]) : 0;
  const seconds = clock?.[3] ? Number(clock[3]) : 0;
  const millis = clock?.[4] ? Number(`0.${clock[4]}`) * 1000 : 0;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour ?? 0, minutes, seconds, millis);
}

function damaged(meta: DatasetMeta, what: string): UserError {
  return new UserError(`The stored data of ${meta.sourceFile} is damaged: ${what}. Import the data again.`);
}

/**
 * Each chunk's time keys: a number (NaN: no time), from a numeric column as it is or from a
 * date column's dictionary, each entry parsed once; a cell that is not a date is refused by row.
 */
function timeKeys(meta: DatasetMeta, timeColumn: string): (column: StoredColumn, start: number) => Float64Array {
  let cached: { dict: string[]; keys: (number | null)[] } | null = null;
  return (column, start) => {
    if (column instanceof Float64Array) return column;
    if (cached?.dict !== column.dict) {
      const order = dateOrder(column.dict);
      cached = { dict: column.dict, keys: column.dict.map((text) => timeKey(text, order)) };
    }
    const { dict, keys } = cached;
    const out = new Float64Array(column.codes.length);
    column.codes.forEach((code, i) => {
      if (code < 0) return void (out[i] = Number.NaN);
      const key = keys[code] ?? null;
      if (key === null)
        throw new UserError(
          `Row ${start + i + 1} of ${meta.sourceFile} has "${dict[code] ?? ''}" in the time column "${timeColumn}", which is not a date or time. Fix the row or choose another time column.`,
        );
      out[i] = key;
    });
    return out;
  };
}

/**
 * Indices 0..n-1 ordered by keys, ties in index order: a bottom-up merge sort on typed arrays
 * (two Uint32Arrays beside the keys), stable, instead of a comparator sort's copy into JS arrays.
 */
function sortedOrder(keys: Float64Array): Uint32Array {
  const n = keys.length;
  let from = new Uint32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  let to = new Uint32Array(n);
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) to[k++] = keys[from[b]!]! < keys[from[a]!]! ? from[b++]! : from[a++]!;
      while (a < mid) to[k++] = from[a++]!;
      while (b < hi) to[k++] = from[b++]!;
    }
    [from, to] = [to, from];
  }
  return from;
}

/** Forward-fills inputs in time order and cuts the stream into chunks from the series' start. */
class Filler {
  private readonly carried: Float64Array;
  private position = 0;

  constructor(
    private readonly inputs: number,
    private readonly start: number,
  ) {
    this.carried = new Float64Array(inputs).fill(Number.NaN);
  }

  /** Rows in time order (their dataset row and their raw values by `valueOf`) → one chunk of the series, or null. */
  take(count: number, rowOf: (i: number) => number, valueOf: (i: number, f: number) => number): SeriesChunk | null {
    const first = Math.max(0, this.start - this.position);
    const out = Math.max(0, count - first);
    const chunk: SeriesChunk = {
      start: this.position + first - this.start,
      count: out,
      rows: new Int32Array(out),
      values: Array.from({ length: this.inputs }, () => new Float64Array(out)),
    };
    for (let i = 0; i < count; i++) {
      for (let f = 0; f < this.inputs; f++) {
        const v = valueOf(i, f);
        if (!Number.isNaN(v)) this.carried[f] = v;
      }
      if (i >= first) {
        chunk.rows[i - first] = rowOf(i);
        for (let f = 0; f < this.inputs; f++) chunk.values[f]![i - first] = this.carried[f]!;
      }
    }
    this.position += count;
    return out > 0 ? chunk : null;
  }
}

/** The table of `input` as a time-ordered series (see the top of this file). */
export async function orderSeries(input: OrderSeriesInput): Promise<OrderedSeries> {
  const { datasetDir, meta, timeColumn, inputNames, chunkRows, scratchDir } = input;
  const step = Math.max(1, Math.floor(chunkRows));
  const indexOf = (name: string) => {
    const i = meta.columns.findIndex((c) => c.name === name);
    if (i < 0) throw new UserError(`The column "${name}" is not in ${meta.sourceFile}.`);
    return i;
  };
  const timeIndex = indexOf(timeColumn);
  const inputIndices = inputNames.map(indexOf);
  const features = inputIndices.length;
  const numbers = (chunk: Map<number, StoredColumn>): Float64Array[] =>
    inputIndices.map((index, f) => {
      const column = chunk.get(index);
      if (!(column instanceof Float64Array))
        throw damaged(meta, `column "${inputNames[f]}" is numeric but stored as text`);
      return column;
    });
  const keysOf = timeKeys(meta, timeColumn);
  const timeText = async (row: number) => (await loadRowCells(datasetDir, meta, [row])).get(row)?.[timeIndex] ?? '';
  const sameTime = async (a: number, b: number) =>
    new UserError(
      `Rows ${a + 1} and ${b + 1} of ${meta.sourceFile} have the same time "${await timeText(b)}" in "${timeColumn}". A time series needs one row per time: split a file holding several series (one per ticker, say) into one file each.`,
    );
  const noStart = () =>
    new UserError(`${meta.sourceFile} has no row where every input column (${inputNames.join(', ')}) has had a value.`);

  // Pass 1: the times in file order. In order already (the usual case): the series streams from
  // the columns as stored, and each input's first timed row with a value gives the series' start.
  let timed = 0;
  let previous = Number.NEGATIVE_INFINITY;
  let previousRow = -1;
  let inOrder = true;
  let repeated: [number, number] | null = null;
  const firstValue = new Array<number>(features).fill(-1);
  for await (const chunk of columnChunks(datasetDir, meta, [timeIndex, ...inputIndices], step)) {
    const keys = keysOf(chunk.columns.get(timeIndex)!, chunk.start);
    const values = numbers(chunk.columns);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (Number.isNaN(key)) continue;
      if (key < previous) inOrder = false;
      else if (key === previous && !repeated) repeated = [previousRow, chunk.start + i];
      previous = key;
      previousRow = chunk.start + i;
      for (let f = 0; f < features; f++)
        if (firstValue[f] === -1 && !Number.isNaN(values[f]![i]!)) firstValue[f] = timed;
      timed += 1;
    }
    input.onRows?.(chunk.end - chunk.start);
  }

  if (inOrder) {
    if (repeated) throw await sameTime(repeated[0], repeated[1]);
    if (firstValue.some((p) => p < 0)) throw noStart();
    const start = Math.max(...firstValue);
    return {
      length: timed - start,
      timeText,
      async *chunks() {
        const filler = new Filler(features, start);
        for await (const chunk of columnChunks(datasetDir, meta, [timeIndex, ...inputIndices], step)) {
          const keys = keysOf(chunk.columns.get(timeIndex)!, chunk.start);
          const values = numbers(chunk.columns);
          const rows: number[] = [];
          for (let i = 0; i < keys.length; i++) if (!Number.isNaN(keys[i]!)) rows.push(i);
          const out = filler.take(
            rows.length,
            (k) => chunk.start + rows[k]!,
            (k, f) => values[f]![rows[k]!]!,
          );
          if (out) yield out;
        }
      },
    };
  }

  // Out of order: sort the timed rows by time (ties by row, to name the first repeated time).
  const keys = new Float64Array(timed);
  const timedRows = new Int32Array(timed);
  let k = 0;
  for await (const chunk of columnChunks(datasetDir, meta, [timeIndex], step)) {
    const chunkKeys = keysOf(chunk.columns.get(timeIndex)!, chunk.start);
    for (let i = 0; i < chunkKeys.length; i++) {
      if (Number.isNaN(chunkKeys[i]!)) continue;
      keys[k] = chunkKeys[i]!;
      timedRows[k++] = chunk.start + i;
    }
    input.onRows?.(chunk.end - chunk.start);
  }
  const order = sortedOrder(keys);
  for (let p = 1; p < timed; p++)
    if (keys[order[p]!] === keys[order[p - 1]!]) throw await sameTime(timedRows[order[p - 1]!]!, timedRows[order[p]!]!);
  /** Each dataset row's place in time order (-1: no time). */
  const place = new Int32Array(meta.rows).fill(-1);
  for (let p = 0; p < timed; p++) place[timedRows[order[p]!]!] = p;

  // Each timed row's dataset row and raw inputs to its place, through bucket files.
  const record = features + 1;
  const bucketRows = input.bucketRows ?? Math.floor(BUCKET_BYTES / (8 * (record + 1)));
  const ordered = new OrderedRecords(scratchDir, timed, record, Math.max(1, Math.min(bucketRows, timed)));
  const firstPlace = new Array<number>(features).fill(Number.POSITIVE_INFINITY);
  const recordOf = new Float64Array(record);
  for await (const chunk of columnChunks(datasetDir, meta, inputIndices, step)) {
    const values = numbers(chunk.columns);
    for (let i = 0; i < chunk.end - chunk.start; i++) {
      const p = place[chunk.start + i]!;
      if (p < 0) continue;
      recordOf[0] = chunk.start + i;
      for (let f = 0; f < features; f++) {
        const v = values[f]![i]!;
        recordOf[1 + f] = v;
        if (!Number.isNaN(v) && p < firstPlace[f]!) firstPlace[f] = p;
      }
      ordered.put(p, recordOf);
    }
    await ordered.drain();
    input.onRows?.(chunk.end - chunk.start);
  }
  if (firstPlace.some((p) => !Number.isFinite(p))) throw noStart();
  const start = Math.max(...firstPlace);
  await ordered.finish();
  return {
    length: timed - start,
    timeText,
    async *chunks() {
      const filler = new Filler(features, start);
      for await (const records of ordered.read(step)) {
        const out = filler.take(
          records.length / record,
          (i) => records[i * record]!,
          (i, f) => records[i * record + 1 + f]!,
        );
        if (out) yield out;
      }
    },
  };
}

/**
 * Records of `width` float64 values put in order by their place through bucket files
 * (BucketOrder), each bucket then appended to one ordered file, which read() streams as often as
 * asked. One bucket of records stays in memory (a small table).
 */
class OrderedRecords extends BucketOrder<Float64Array> {
  constructor(dir: string, rows: number, width: number, bucketRows: number) {
    super(FLOAT64_RECORDS, dir, rows, width, bucketRows);
  }

  private get orderedFile(): string {
    return join(this.dir, 'ordered.f64');
  }

  /** Every record is in: put each bucket in order into the ordered file. */
  async finish(): Promise<void> {
    if (this.whole) return;
    for await (const records of this.inOrder()) await appendFile(this.orderedFile, littleEndianBytes(records));
  }

  /** The records in order, `records` at a time, as one Float64Array of records × width each. */
  async *read(records: number): AsyncGenerator<Float64Array> {
    if (this.whole) {
      for (let start = 0; start < this.rows; start += records)
        yield this.whole.subarray(start * this.width, Math.min(this.rows, start + records) * this.width);
      return;
    }
    const handle = await open(this.orderedFile, 'r').catch((error: unknown) => {
      throw readError(this.orderedFile, error);
    });
    try {
      const bytes = Buffer.allocUnsafe(records * this.width * 8);
      for (let start = 0; start < this.rows; start += records) {
        const length = (Math.min(this.rows, start + records) - start) * this.width * 8;
        for (let done = 0; done < length;) {
          const { bytesRead } = await handle.read(bytes, done, length - done, start * this.width * 8 + done);
          if (bytesRead === 0) throw new Error(`${this.orderedFile} ended early.`);
          done += bytesRead;
        }
        yield readFloat64(bytes.subarray(0, length));
      }
    } finally {
      await handle.close();
    }
  }
}
