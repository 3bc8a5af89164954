import { closeSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { littleEndianBytes } from './binary';
import type { ColumnBuilder } from './column-builder';
import { codesFile, dictFile, numbersFile, type StoredColumn } from './column-store';
import { forEachLimited } from './pool';

/** Values per read or write when a column's file is turned from numbers into codes. */
const CONVERT_ROWS = 1 << 16;

/**
 * The columns of an import too large for memory, written to the dataset folder being built as
 * they are read: the reader fills each column's builder with a chunk of rows, append() writes the
 * chunk to the column's file (col-<i>.f64 or .i32, the layout column-store.ts reads) and the
 * builder starts again from row 0. Memory holds one chunk of rows and the dictionaries of the
 * text columns, whatever the row count. Writes are synchronous: they land in the page cache
 * (a 12 MB chunk in milliseconds) and keep the reader's order without a queue of buffers.
 */
export class ColumnSpill {
  /** Rows written to every column's file so far. */
  rows = 0;

  constructor(private readonly dir: string) {
    // A read that starts again (the encoding guessed wrong) must not append to the first try's files.
    for (const name of readdirSync(dir)) if (/^(col|dict)-\d+\./.test(name)) unlinkSync(join(dir, name));
  }

  /** Write every builder's rows to its file and empty the builders. */
  append(builders: readonly ColumnBuilder[]): void {
    const count = builders[0]?.length ?? 0;
    builders.forEach((builder, i) => {
      const held = builder.held();
      const file = join(this.dir, held instanceof Float64Array ? numbersFile(i) : codesFile(i));
      const fd = openSync(file, this.rows === 0 ? 'w' : 'a');
      try {
        writeAll(fd, littleEndianBytes(held));
      } finally {
        closeSync(fd);
      }
      builder.length = 0;
    });
    this.rows += count;
  }

  /**
   * Write rows [0, count) of columns of numbers read elsewhere (the second thread's set,
   * csv-range.ts) after the rows written so far. Every column of the file must still be numbers.
   */
  appendNumbers(columns: readonly Float64Array[], count: number): void {
    columns.forEach((column, i) => {
      const fd = openSync(join(this.dir, numbersFile(i)), this.rows === 0 ? 'w' : 'a');
      try {
        writeAll(fd, littleEndianBytes(column.subarray(0, count)));
      } finally {
        closeSync(fd);
      }
    });
    this.rows += count;
  }

  /**
   * A column of numbers meets its first text: the numbers already written become codes (the
   * builder's dictionary, in row order), col-<i>.f64 becomes col-<i>.i32.
   */
  toCodes(i: number, builder: ColumnBuilder): void {
    if (this.rows === 0) return;
    const from = join(this.dir, numbersFile(i));
    const input = openSync(from, 'r');
    const output = openSync(join(this.dir, codesFile(i)), 'w');
    try {
      const numbers = new Float64Array(CONVERT_ROWS);
      const codes = new Int32Array(CONVERT_ROWS);
      for (let done = 0; done < this.rows;) {
        const n = Math.min(CONVERT_ROWS, this.rows - done);
        readAll(input, new Uint8Array(numbers.buffer, 0, n * 8), done * 8);
        builder.codesOf(numbers.subarray(0, n), codes);
        writeAll(output, littleEndianBytes(codes.subarray(0, n)));
        done += n;
      }
    } finally {
      closeSync(input);
      closeSync(output);
    }
    unlinkSync(from);
  }

  /**
   * One column back from its file, whole (for its profile): 8 bytes a row of numbers, 4 of codes.
   * Every column is read into the same memory (fresh memory is slow to touch: ~0.2 s for the
   * 80 MB of a 10M-row column here), so a column stays valid only until the next load.
   */
  load(i: number, builder: ColumnBuilder): StoredColumn {
    if (!littleEndian) throw new Error('Big-endian machines are not supported by the column spill.');
    if (this.space === null || this.space.byteLength < this.rows * 8) this.space = new ArrayBuffer(this.rows * 8);
    if (builder.numberArray !== null) return readNumberColumn(this.dir, i, new Float64Array(this.space, 0, this.rows));
    const fd = openSync(join(this.dir, codesFile(i)), 'r');
    try {
      const codes = new Int32Array(this.space, 0, this.rows);
      readAll(fd, new Uint8Array(codes.buffer, 0, codes.byteLength), 0);
      return { codes, dict: builder.dictionary as string[] };
    } finally {
      closeSync(fd);
    }
  }

  private space: ArrayBuffer | null = null;

  /**
   * The text columns' dictionaries, then every file flushed to disk (as writeColumn does). The
   * flushes run in libuv's threads, a few at once, while the caller goes on (profiling the
   * columns from the page cache); the promise settles when every one has.
   */
  finish(builders: readonly ColumnBuilder[]): Promise<void> {
    const files: string[] = [];
    builders.forEach((builder, i) => {
      if (builder.numberArray !== null) {
        files.push(numbersFile(i));
        return;
      }
      const fd = openSync(join(this.dir, dictFile(i)), 'w');
      try {
        writeAll(fd, Buffer.from(`${JSON.stringify(builder.dictionary)}\n`, 'utf8'));
      } finally {
        closeSync(fd);
      }
      files.push(codesFile(i), dictFile(i));
    });
    return forEachLimited(files, FSYNCS_AT_ONCE, async (name) => {
      const handle = await open(join(this.dir, name), 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }
}

/** Files flushed at once by finish(): each holds a file handle. */
const FSYNCS_AT_ONCE = 4;

/** Column i of numbers from the files of an import (`into`: its length is the rows to read). */
export function readNumberColumn(dir: string, i: number, into: Float64Array): Float64Array {
  if (!littleEndian) throw new Error('Big-endian machines are not supported by the column spill.');
  const fd = openSync(join(dir, numbersFile(i)), 'r');
  try {
    readAll(fd, new Uint8Array(into.buffer, into.byteOffset, into.byteLength), 0);
    return into;
  } finally {
    closeSync(fd);
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

function readAll(fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length;) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error('A column file of the import ended early.');
    done += n;
  }
}
