import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../app/ipc/errors';
import { importCsvFile, importCsvText, readCsv } from '../../../main/data';
import { MAX_COLUMNS, MAX_FIELD_BYTES } from '../../../main/data/csv-scanner';
import { rejection, useTempDir } from './temp-dir';

/** A source of `chunks` chunks of `size` bytes each made by `fill`, counting what was read. */
function countingSource(chunks: number, size: number, fill: (chunk: number) => Buffer) {
  const read = { chunks: 0 };
  const open = async function* () {
    for (let i = 0; i < chunks; i += 1) {
      read.chunks += 1;
      yield fill(i).subarray(0, size);
    }
  };
  return { read, input: { open, totalBytes: chunks * size, fileName: 'huge.csv' } };
}

describe('limits on a field and on the columns (issue 13.3)', () => {
  const tmp = useTempDir();

  it('a 3 MB field is refused at once, naming the file, row and column', async () => {
    const file = join(tmp(), 'one-field.csv');
    await writeFile(file, `a,b,c\n1,${'x'.repeat(3 * 2 ** 20)},3\n`);
    const started = performance.now();
    const error = await rejection(importCsvFile({ path: file, datasetsDir: join(tmp(), 'datasets') }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      'one-field.csv, row 2, column 2: a field is longer than 1 MiB, the most one field may hold. Check that this is a CSV file and that no quote mark is left open.',
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a single line of 3 MB with no line break (the header) is refused as the header row', async () => {
    const file = join(tmp(), 'one-line.csv');
    await writeFile(file, 'y'.repeat(3 * 2 ** 20));
    const error = await rejection(importCsvFile({ path: file, datasetsDir: join(tmp(), 'datasets') }));
    expect(error.message).toMatch(/^one-line\.csv, the header row, column 1: a field is longer than 1 MiB/);
  });

  it('a quote mark left open is refused once the field passes the limit, not at the end of the file', async () => {
    // 10 MiB in chunks of 512 KiB: the quoted field opened on row 3 never closes.
    const line = 'a,b\n1,2\n3,"never closed\n';
    const { read, input } = countingSource(20, 2 ** 19, (i) =>
      Buffer.from(i === 0 ? line + 'z\n'.repeat(2 ** 18) : 'z\n'.repeat(2 ** 18)),
    );
    const error = await rejection(readCsv(input));
    expect(error.message).toBe(
      'huge.csv, row 3, column 2: a field is longer than 1 MiB, the most one field may hold. Check that this is a CSV file and that no quote mark is left open.',
    );
    expect(read.chunks).toBeLessThanOrEqual(4);
  });

  it('a line of more than 10,000 fields is refused while it is read, naming the limit', async () => {
    // 16 MiB of distinct short fields on one line, in chunks of 1 MiB: stopped within the first chunks.
    let next = 0;
    const fields = (size: number) => {
      let text = '';
      while (text.length < size) text += `f${(next++).toString(36)},`;
      return Buffer.from(text.slice(0, size));
    };
    const { read, input } = countingSource(16, 2 ** 20, () => fields(2 ** 20));
    const started = performance.now();
    const error = await rejection(readCsv(input));
    expect(error.message).toBe(
      `huge.csv, the header row: more than ${MAX_COLUMNS.toLocaleString('en')} columns, the most an import takes. Check the delimiter (",") and that this is a CSV file.`,
    );
    expect(read.chunks).toBeLessThanOrEqual(2);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a field of exactly 1 MiB and a row of exactly 10,000 columns are still read', async () => {
    expect(MAX_FIELD_BYTES).toBe(2 ** 20);
    const big = 'q'.repeat(MAX_FIELD_BYTES);
    const meta = await importCsvText({
      text: `id,text\n1,${big}\n2,"${big}"\n`,
      fileName: 'big.csv',
      datasetsDir: join(tmp(), 'datasets'),
    });
    expect(meta.rows).toBe(2);
    const header = Array.from({ length: MAX_COLUMNS }, (_, k) => `c${k}`).join(',');
    const row = Array.from({ length: MAX_COLUMNS }, (_, k) => String(k)).join(',');
    const wide = await readCsv({
      open: async function* () {
        yield Buffer.from(`${header}\n${row}\n`);
      },
      totalBytes: header.length + row.length + 2,
      fileName: 'wide.csv',
    });
    expect(wide.headers).toHaveLength(MAX_COLUMNS);
    expect(wide.rows).toBe(1);
  });
});
