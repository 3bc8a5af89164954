import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv, type ImportProgress, type ReadCsv } from '../../../main/data/csv-reader';
import { countLineBreaks, readNumberRange } from '../../../main/data/csv-range';
import { openSync, closeSync } from 'node:fs';
import { rejection, useTempDir } from './temp-dir';

/**
 * readCsv of a file on disk: split between two threads (path given, any size splits), or on one
 * (no path). Chunks of 16 KiB, so the sniffed head (64 KiB) leaves most of the file to split.
 */
async function readFileCsv(
  path: string,
  split: boolean,
  more: { signal?: AbortSignal; onProgress?: (p: ImportProgress) => void } = {},
): Promise<ReadCsv> {
  const bytes = await readFile(path);
  return readCsv({
    fileName: 'split.csv',
    totalBytes: bytes.length,
    open: async function* () {
      for (let i = 0; i < bytes.length; i += 16 * 1024) yield bytes.subarray(i, i + 16 * 1024);
    },
    ...(split ? { path, split: true } : {}),
    ...more,
  });
}

function numbers(rows: number, width: number, seed = 3): string[] {
  let s = seed;
  const out: string[] = [];
  for (let r = 0; r < rows; r += 1) {
    const cells: string[] = [];
    for (let c = 0; c < width; c += 1) {
      s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
      cells.push(((s / 0x7fffffff) * 200 - 100).toFixed(1 + (s % 6)));
    }
    out.push(cells.join(','));
  }
  return out;
}

/** Both reads agree on everything a dataset keeps: the split must be invisible. */
function expectSame(split: ReadCsv, single: ReadCsv): void {
  expect(split.rows).toBe(single.rows);
  expect(split.headers).toEqual(single.headers);
  expect(split.preview).toEqual(single.preview);
  expect(split.firstTexts).toEqual(single.firstTexts);
  expect(single.rowsElsewhere).toBe(0);
  // Half of the columns were profiled on the second thread.
  expect(split.profiles).toEqual(single.profiles);
  split.columns.forEach((column, j) => {
    const other = single.columns[j];
    if (column instanceof Float64Array && other instanceof Float64Array) {
      expect(column.length).toBe(other.length);
      for (let i = 0; i < column.length; i += 1)
        if (!Object.is(column[i], other[i])) expect({ j, i, value: column[i] }).toEqual({ j, i, value: other[i] });
    } else {
      expect(column).toEqual(other);
    }
  });
}

describe('CSV import on two threads', () => {
  const tmp = useTempDir();
  const write = async (text: string) => {
    const path = join(tmp(), 'split.csv');
    await writeFile(path, text);
    return path;
  };

  it('reads the halves into the right rows: CRLF, no line break at the end', async () => {
    const lines = numbers(6000, 6);
    const path = await write(`a,b,c,d,e,f\r\n${lines.join('\r\n')}`);
    const split = await readFileCsv(path, true);
    expectSame(split, await readFileCsv(path, false));
    expect(split.rows).toBe(6000);
    expect(split.rowsElsewhere).toBeGreaterThan(1000);
    const last = lines[5999]?.split(',').map(Number);
    expect(split.columns.map((c) => (c as Float64Array)[5999])).toEqual(last);
    expect((split.columns[0] as Float64Array).buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('falls back to one thread when the split point is inside a quoted field with line breaks', async () => {
    // 150 KB of rows, one quoted field of 300 KB of numbers on lines of their own, 150 KB of
    // rows: the middle of what follows the 64 KiB head is inside the quotes.
    const before = numbers(5000, 4, 1);
    const after = numbers(5000, 4, 2);
    const quoted = `"${'1\n'.repeat(150_000)}",1,2,3`;
    const path = await write(`a,b,c,d\n${[...before, quoted, ...after].join('\n')}\n`);
    const split = await readFileCsv(path, true);
    expectSame(split, await readFileCsv(path, false));
    expect(split.rows).toBe(10_001);
    expect(split.rowsElsewhere).toBe(0);
  });

  it('moves the second half down when the first has blank lines, and goes on where the worker gave up', async () => {
    // ~20 bytes a row: the head ends near row 3,300 and the halves meet near row 11,600.
    const lines = numbers(20_000, 3);
    lines.splice(6000, 0, '', ',,', '');
    lines.splice(15_000, 0, '1,word,2');
    lines.splice(16_000, 0, '"5",6,7', 'NA,1,1');
    const path = await write(`x,y,z\n${lines.join('\n')}\n`);
    const split = await readFileCsv(path, true);
    expectSame(split, await readFileCsv(path, false));
    expect(split.rows).toBe(20_003);
    // The worker read from the middle to the word, the main thread the rest.
    expect(split.rowsElsewhere).toBeGreaterThan(1000);
    expect(split.rowsElsewhere).toBeLessThan(15_000 - 8000);
    expect(split.firstTexts[1]).toEqual({ line: 15_002, value: 'word' });
  });

  it('reads a one-row file and a file smaller than the sniffed head', async () => {
    for (const text of ['a,b\n1,2\n', 'a,b\n1,2', `a,b\n${numbers(100, 2).join('\n')}\n`]) {
      const path = await write(text);
      expectSame(await readFileCsv(path, true), await readFileCsv(path, false));
    }
  });

  it('names the right row of a bad record in the second half', async () => {
    const lines = numbers(20_000, 3);
    lines.splice(5000, 0, '', '"1\n2",3,4');
    lines[15_000] = '1,2';
    const path = await write(`x,y,z\n${lines.join('\n')}\n`);
    const error = await rejection(readFileCsv(path, true));
    expect(error.message).toBe(
      'split.csv, row 15003: expected 3 fields but found 2. Check the delimiters and quotes on that line.',
    );
  });

  it('reports progress to the end and stops when cancelled', async () => {
    const path = await write(`a,b,c\n${numbers(20_000, 3).join('\n')}\n`);
    const seen: number[] = [];
    await readFileCsv(path, true, { onProgress: (p) => seen.push(p.bytesRead / p.totalBytes) });
    expect(seen.at(-1)).toBe(1);
    const controller = new AbortController();
    const error = await rejection(
      readFileCsv(path, true, { signal: controller.signal, onProgress: () => controller.abort() }),
    );
    expect(error.name).toBe('AbortError');
  });

  it("bounds the second half's first row by the line breaks before it (LF, lone CR, not CRLF)", async () => {
    const path = await write('1\n2\r3\r\n4\n"5\n"\n');
    const fd = openSync(path, 'r');
    try {
      expect(countLineBreaks(fd, 0, 14)).toBe(6);
    } finally {
      closeSync(fd);
    }
    const column = new Float64Array(16);
    const result = readNumberRange({
      path,
      mainFrom: 0,
      mainRows: 10,
      start: 7,
      end: 14,
      delimiter: ',',
      decimalComma: false,
      columns: [column],
      progress: new Float64Array(1),
    });
    expect(result).toEqual({ row: 13, rows: 1, stoppedAt: 9 });
    expect(column[13]).toBe(4);
  });
});
