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
    let position = start; // file offset of buffer[0]
    let filled = 0;
    let rows = 0;
    for (;;) {
      const want = Math.min(buffer.length - filled, end - position - filled);
      filled += want > 0 ? readSync(fd, buffer, filled, want, position + filled) : 0;
      const next = fast.take(buffer.subarray(0, filled), 0);
      rows += fast.taken;
      task.progress[0] = position + next - start;
      // Nothing taken: a record the fast path will not take, a last record with no line break,
      // or a record longer than the buffer. The main thread's general path goes on from there.
      if (fast.taken === 0 || position + next >= end) return { row, rows, stoppedAt: position + next };
      buffer.copyWithin(0, next, filled);
      filled -= next;
      position += next;
    }
  } finally {
    closeSync(fd);
  }
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
