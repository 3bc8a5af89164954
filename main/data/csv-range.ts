import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { NumberRows } from './csv-number-rows';

const LF = 0x0a;
const CR = 0x0d;
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * What the second thread of a large import is given: the second half of the file, and the
 * columns to write its records into, which the main thread fills from the first half.
 */
export interface RangeTask {
  path: string;
  /** File offset where the main thread's half goes on from: records up to `start` are its. */
  mainFrom: number;
  /** Records the main thread had completed before mainFrom. */
  mainRows: number;
  /** File offsets of the range: start is just after a line break. */
  start: number;
  end: number;
  delimiter: string;
  decimalComma: boolean;
  /** One column per field, over SharedArrayBuffers: the main thread sees the writes. */
  columns: Float64Array[];
  /** Bytes of the range done so far, [0], for the import's progress. */
  progress: Float64Array;
}

export interface RangeResult {
  /**
   * Index in the columns of the range's first record: the main thread's records before mainFrom
   * plus every line break (LF, or CR without LF) between mainFrom and start. Every record ends
   * with one, so the main thread's half can never reach this row; it has fewer records when a
   * line break there was blank or inside quotes, and then the range's rows are moved down.
   */
  row: number;
  /** Records read (each one file line), written at `row` onward. */
  rows: number;
  /**
   * File offset of the first record not read: `end` when the whole range was read, or the start
   * of a record the fast path gave up (text, quotes, a blank line, no room left in the columns),
   * from which the main thread's general path goes on.
   */
  stoppedAt: number;
}

/** Reads of [from, to) from fd into one buffer, handed to `each` chunk by chunk. */
function forEachChunk(fd: number, from: number, to: number, each: (bytes: Buffer) => void, buffer: Buffer): void {
  for (let position = from; position < to;) {
    const got = readSync(fd, buffer, 0, Math.min(buffer.length, to - position), position);
    if (got === 0) break;
    each(buffer.subarray(0, got));
    position += got;
  }
}

/**
 * Line breaks (LF, or CR not followed by LF) in [from, to): at least the records that end there.
 * Read into `buffer` when given (fresh memory is slow to touch: ~20 ms for 4 MB here).
 */
export function countLineBreaks(
  fd: number,
  from: number,
  to: number,
  buffer = Buffer.allocUnsafe(CHUNK_BYTES),
): number {
  let breaks = 0;
  forEachChunk(
    fd,
    from,
    to,
    (bytes) => {
      for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) breaks += 1;
      // A CR at a chunk's end is counted whatever follows: a bound may be loose, never short.
      for (let i = bytes.indexOf(CR); i !== -1; i = bytes.indexOf(CR, i + 1)) if (bytes[i + 1] !== LF) breaks += 1;
    },
    buffer,
  );
  return breaks;
}

/**
 * Records of [start, end) of fd taken by `fast` from its row on, read into `buffer` chunk by
 * chunk; `done` is told the bytes taken so far after each chunk. Stops at `end`, or at the start
 * of a record the fast path will not take (text, quotes, a blank line, no room left in the
 * columns, a last record with no line break, a record longer than the buffer), from which the
 * main thread's general path goes on.
 */
function readNumbers(
  fd: number,
  buffer: Buffer,
  fast: NumberRows,
  start: number,
  end: number,
  done: (bytes: number) => void,
): { rows: number; stoppedAt: number } {
  let position = start; // file offset of buffer[0]
  let filled = 0;
  let rows = 0;
  for (;;) {
    const want = Math.min(buffer.length - filled, end - position - filled);
    filled += want > 0 ? readSync(fd, buffer, filled, want, position + filled) : 0;
    const next = fast.take(buffer.subarray(0, filled), 0);
    rows += fast.taken;
    done(position + next - start);
    if (fast.taken === 0 || position + next >= end) return { rows, stoppedAt: position + next };
    buffer.copyWithin(0, next, filled);
    filled -= next;
    position += next;
  }
}

/**
 * Read the task's range with the fast path only (csv-number-rows.ts), in chunks into one
 * buffer. Plain blocking reads: this runs on a thread of its own, with nothing else to do.
 */
export function readNumberRange(task: RangeTask): RangeResult {
  const { columns, start, end } = task;
  const fd = openSync(task.path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const row = task.mainRows + countLineBreaks(fd, task.mainFrom, start, buffer);
    const limit = Math.min(...columns.map((c) => c.length));
    const fast = new NumberRows(task.delimiter, task.decimalComma, columns, row, limit);
    const { rows, stoppedAt } = readNumbers(fd, buffer, fast, start, end, (bytes) => {
      task.progress[0] = bytes;
    });
    return { row, rows, stoppedAt };
  } finally {
    closeSync(fd);
  }
}

/**
 * The second thread of an import too large for memory (csv-reader.ts, readSegments): it reads
 * segments of the file, one after another, each into one of two sets of columns from row 0,
 * while the main thread reads the bytes between them and writes every set out to the dataset
 * folder in file order.
 */
export interface SegmentsTask {
  path: string;
  delimiter: string;
  decimalComma: boolean;
  /** Two sets of columns over SharedArrayBuffers, one Float64Array per field, all of one length. */
  sets: Float64Array[][];
  /** [0]: bytes taken over every segment so far, for the import's progress. */
  progress: Float64Array;
}

/** Read [start, end) into sets[set]: `start` is just after a line break. */
export interface SegmentRequest {
  set: number;
  start: number;
  end: number;
}

export interface SegmentResult {
  /** Records read (each one file line), in rows 0.. of the set. */
  rows: number;
  /** As RangeResult.stoppedAt: `end`, or where the fast path gave up. */
  stoppedAt: number;
  /** The thread's time on the segment in milliseconds, for sharing the file out by speed. */
  busyMs: number;
}

/** A reader of a SegmentsTask's segments, one after another, with one buffer for all of them. */
export function segmentReader(task: SegmentsTask): (request: SegmentRequest) => SegmentResult {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let before = 0;
  return ({ set, start, end }) => {
    const started = performance.now();
    const columns = task.sets[set] as Float64Array[];
    const limit = Math.min(...columns.map((c) => c.length));
    const fast = new NumberRows(task.delimiter, task.decimalComma, columns, 0, limit);
    // Opened per segment: a thread stopped between segments holds no file open.
    const fd = openSync(task.path, 'r');
    try {
      const result = readNumbers(fd, buffer, fast, start, end, (bytes) => {
        task.progress[0] = before + bytes;
      });
      before += result.stoppedAt - start;
      return { ...result, busyMs: performance.now() - started };
    } finally {
      closeSync(fd);
    }
  };
}

/** The start of the first record that begins at or after `at` (just after a LF), or -1. */
export async function lineStartAfter(path: string, at: number, end: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(Math.min(64 * 1024, end - at));
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, at);
    const lf = bytes.subarray(0, bytesRead).indexOf(LF);
    return lf === -1 || at + lf + 1 >= end ? -1 : at + lf + 1;
  } finally {
    await handle.close();
  }
}

/** The bytes of [from, to) in chunks, all read into one buffer (see ReadCsvInput.open). */
export async function* readFileRange(path: string, from: number, to: number): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let position = from; position < to;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, to - position), position);
      if (bytesRead === 0) break;
      yield buffer.subarray(0, bytesRead);
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
