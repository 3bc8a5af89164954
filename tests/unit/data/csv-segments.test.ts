import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCsvFile } from '../../../main/data';
import { readCsv, type ImportProgress, type ReadCsv } from '../../../main/data/csv-reader';
import { rejection, useTempDir } from './temp-dir';

/**
 * An import too large for its memory budget, read by two threads (csv-reader.ts, readSegments):
 * the worker reads segments of the file into shared columns while the main thread reads the parts
 * between them and writes every row out in file order (column-spill.ts). What lands in the
 * dataset folder must be byte for byte what one thread writes, whatever the file holds where the
 * parts meet. A budget of 1 MiB gives segments of ~200 KB: a file of 2 MB has several rounds.
 */

const BUDGET = 1024 * 1024;

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

describe('an import too large for memory, on two threads', () => {
  const tmp = useTempDir();

  /** The file read into a fresh dataset folder, on two threads or one. */
  async function read(path: string, twoThreads: boolean, onProgress?: (p: ImportProgress) => void) {
    const bytes = await readFile(path);
    const store = join(tmp(), twoThreads ? 'two' : 'one');
    await mkdir(store);
    const result = await readCsv({
      fileName: 'big.csv',
      totalBytes: bytes.length,
      open: async function* () {
        for (let i = 0; i < bytes.length; i += 16 * 1024) yield bytes.subarray(i, i + 16 * 1024);
      },
      path,
      split: twoThreads,
      store,
      memoryBytes: BUDGET,
      ...(onProgress ? { onProgress } : {}),
    });
    return { result, store };
  }

  /** Every file of both folders, byte for byte, and everything else the import returns. */
  async function expectSame(two: { result: ReadCsv; store: string }, one: { result: ReadCsv; store: string }) {
    expect(two.result.stored).toBe(true);
    expect(one.result.rowsElsewhere).toBe(0);
    const files = (await readdir(one.store)).sort();
    expect((await readdir(two.store)).sort()).toEqual(files);
    for (const name of files) {
      const expected = await readFile(join(one.store, name));
      const got = await readFile(join(two.store, name));
      expect({ name, size: got.length }).toEqual({ name, size: expected.length });
      expect(Buffer.compare(got, expected), name).toBe(0);
    }
    const { rowsElsewhere: _a, ...twoRest } = two.result;
    const { rowsElsewhere: _b, ...oneRest } = one.result;
    expect(twoRest).toEqual(oneRest);
  }

  const write = async (text: string) => {
    const path = join(tmp(), 'big.csv');
    await writeFile(path, text);
    return path;
  };

  it('writes the same columns as one thread: CRLF, blank lines, a set that fills, no line break at the end', async () => {
    const lines = numbers(80_000, 4);
    lines.splice(30_000, 0, '', ',,,', '');
    // Rows longer than the rest: a segment of them holds more rows than its set has room for.
    for (let r = 50_000; r < 60_000; r += 1) lines[r] = `1,2,3,${r}`;
    const path = await write(`a,b,c,d\r\n${lines.join('\r\n')}`);
    const seen: ImportProgress[] = [];
    const two = await read(path, true, (p) => seen.push(p));
    await expectSame(two, await read(path, false));
    expect(two.result.rows).toBe(80_000);
    // The worker read most of the file: the test fails if it never ran.
    expect(two.result.rowsElsewhere).toBeGreaterThan(20_000);
    expect(seen.at(-1)?.profiled).toEqual({ done: 4, total: 4 });
    expect(seen.filter((p) => p.profiled).map((p) => p.profiled?.done)).toEqual([1, 2, 3, 4]);
    const bytes = seen.filter((p) => !p.profiled).map((p) => p.bytesRead);
    expect(bytes.every((b, k) => k === 0 || b >= (bytes[k - 1] as number) - 1)).toBe(true);
  });

  it('reads on alone from a quoted field with line breaks across a cut, whose column turns to text', async () => {
    // After several rounds' worth of numbers, a quoted field of 880 KB of lines that look like
    // records of numbers: longer than a round, so a cut between the parts falls inside it
    // wherever the rounds were placed, and the worker would read its lines as rows.
    const before = numbers(40_000, 4, 1);
    const after = numbers(20_000, 4, 2);
    const quoted = `"${'1,2,3,4\n'.repeat(110_000)}end",1,2,3`;
    const path = await write(`a,b,c,d\n${[...before, quoted, ...after].join('\n')}\n`);
    const two = await read(path, true);
    await expectSame(two, await read(path, false));
    expect(two.result.rows).toBe(60_001);
    expect(two.result.rowsElsewhere).toBeGreaterThan(5_000);
    expect(two.result.firstTexts[0]?.line).toBe(40_002);
    expect((await readdir(two.store)).sort()).toEqual(
      ['col-0.i32', 'col-1.f64', 'col-2.f64', 'col-3.f64', 'dict-0.json'].sort(),
    );
  });

  it('goes on where the worker gave up: a word, quotes, a missing marker', async () => {
    const lines = numbers(70_000, 3);
    lines.splice(25_000, 0, '1,word,2');
    lines.splice(45_000, 0, '"5",6,7', 'NA,1,1');
    const path = await write(`x,y,z\n${lines.join('\n')}\n`);
    const two = await read(path, true);
    await expectSame(two, await read(path, false));
    expect(two.result.firstTexts[1]).toEqual({ line: 25_002, value: 'word' });
    expect(two.result.rowsElsewhere).toBeGreaterThan(5_000);
  });

  it('names the row of a bad record read after the worker', async () => {
    const lines = numbers(70_000, 3);
    lines.splice(5000, 0, '');
    lines[60_000] = '1,2';
    const path = await write(`x,y,z\n${lines.join('\n')}\n`);
    const message = 'big.csv, row 60002: expected 3 fields but found 2. Check the delimiters and quotes on that line.';
    expect((await rejection(read(path, false))).message).toBe(message);
    expect((await rejection(read(path, true))).message).toBe(message);
  });

  it('leaves nothing behind when cancelled while the worker reads', async () => {
    const path = await write(`a,b,c,d\n${numbers(80_000, 4).join('\n')}\n`);
    const datasetsDir = join(tmp(), 'datasets');
    const controller = new AbortController();
    const error = await rejection(
      importCsvFile({
        path,
        datasetsDir,
        memoryBytes: BUDGET,
        split: true,
        signal: controller.signal,
        onProgress: ({ bytesRead, totalBytes }) => {
          if (bytesRead > totalBytes / 2) controller.abort();
        },
      }),
    );
    expect(error.message).toBe('The import of big.csv was cancelled.');
    expect(await readdir(datasetsDir)).toEqual([]);
  });
});
