import { closeSync, fsyncSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { littleEndianBytes } from './binary';
import type { ColumnBuilder } from './column-builder';
import { codesFile, dictFile, numbersFile, type StoredColumn } from './column-store';

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

  /** One column back from its file, whole (for its profile): 8 bytes a row of numbers, 4 of codes. */
  load(i: number, builder: ColumnBuilder): StoredColumn {
    const numbers = builder.numberArray !== null;
    const fd = openSync(join(this.dir, numbers ? numbersFile(i) : codesFile(i)), 'r');
    try {
      const array = numbers ? new Float64Array(this.rows) : new Int32Array(this.rows);
      readAll(fd, new Uint8Array(array.buffer), 0);
      if (!littleEndian) throw new Error('Big-endian machines are not supported by the column spill.');
      return array instanceof Float64Array ? array : { codes: array, dict: builder.dictionary as string[] };
    } finally {
      closeSync(fd);
    }
  }

  /** The text columns' dictionaries, then every file flushed to disk (as writeColumn does). */
  finish(builders: readonly ColumnBuilder[]): void {
    builders.forEach((builder, i) => {
      const files = builder.numberArray !== null ? [numbersFile(i)] : [codesFile(i), dictFile(i)];
      if (builder.numberArray === null) {
        const fd = openSync(join(this.dir, dictFile(i)), 'w');
        try {
          writeAll(fd, Buffer.from(`${JSON.stringify(builder.dictionary)}\n`, 'utf8'));
        } finally {
          closeSync(fd);
        }
      }
      for (const name of files) {
        const fd = openSync(join(this.dir, name), 'r+');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    });
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
