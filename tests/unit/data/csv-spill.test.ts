import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  cellText,
  importCsvFile,
  loadColumns,
  loadDatasetMeta,
  loadRowCells,
  type ImportProgress,
} from '../../../main/data';
import { rejection, useTempDir } from './temp-dir';

/**
 * A table larger than the import's memory budget goes to disk a chunk of rows at a time
 * (column-spill.ts). Everything a user sees must be what an import held in memory gives.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./spill-memory-child.ts', import.meta.url));

/** rows × 5 columns: numbers, a number column that turns to text late, quotes, missing cells and a blank line. */
function csvText(rows: number): string {
  const lines = ['id,x,late,"quoted, name",y'];
  for (let r = 0; r < rows; r += 1) {
    const late = r === rows - 7 ? 'n/a-text' : r % 11 === 0 ? '' : String((r * 7) % 13);
    const quoted = r % 3 === 0 ? `"v ""${r % 5}"""` : `w${r % 4}`;
    lines.push(`${r},${((r * 37) % 101) / 10},${late},${quoted},${r % 17 === 0 ? 'NA' : (r % 9) * 1.5}`);
    if (r === Math.floor(rows / 2)) lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

async function everyCell(datasetDir: string) {
  const meta = await loadDatasetMeta(datasetDir);
  const columns = await loadColumns(datasetDir, meta);
  return columns.map((column) => Array.from({ length: meta.rows }, (_, r) => cellText(column, r)));
}

describe('an import larger than its memory budget', () => {
  const tmp = useTempDir();

  it('stores and profiles exactly what an import in memory does', async () => {
    const file = join(tmp(), 'table.csv');
    await writeFile(file, csvText(20_000));
    const inMemory = await importCsvFile({ path: file, datasetsDir: join(tmp(), 'a') });
    // 4 KiB of columns: chunks of 102 rows, ~200 of them; the "late" column turns to text in the last one.
    const seen: ImportProgress[] = [];
    const spilled = await importCsvFile({
      path: file,
      datasetsDir: join(tmp(), 'b'),
      memoryBytes: 4096,
      onProgress: (p) => seen.push(p),
    });
    // After the last byte, a step per column profiled (one column in memory at a time).
    expect(seen.filter((p) => p.profiled).map((p) => p.profiled)).toEqual(
      [1, 2, 3, 4, 5].map((done) => ({ done, total: 5 })),
    );
    const strip = (m: typeof inMemory) => ({ ...m, id: '', importedAt: '' });
    expect(strip(spilled)).toEqual(strip(inMemory));
    expect(spilled.rows).toBe(20_000);
    expect(spilled.columns.map((c) => c.kind)).toEqual(inMemory.columns.map((c) => c.kind));
    const files = await readdir(join(tmp(), 'b', spilled.id));
    expect(files.sort()).toEqual(
      [
        'col-0.f64',
        'col-1.f64',
        'col-2.i32',
        'col-3.i32',
        'col-4.f64',
        'dict-2.json',
        'dict-3.json',
        'meta.json',
      ].sort(),
    );
    const cells = await everyCell(join(tmp(), 'a', inMemory.id));
    expect(await everyCell(join(tmp(), 'b', spilled.id))).toEqual(cells);
    // An evaluation's example rows are read at their offsets, not with every column whole.
    const rows = [19_999, 0, 7, 19_993, 7];
    const picked = await loadRowCells(join(tmp(), 'b', spilled.id), spilled, rows);
    expect([...picked.keys()]).toEqual([0, 7, 19_993, 19_999]);
    for (const r of rows) expect(picked.get(r)).toEqual(cells.map((column) => column[r]));
  });

  it('holds about its budget of column bytes, not the whole table (200,000 rows)', async () => {
    const file = join(tmp(), 'big.csv');
    const lines = [Array.from({ length: 16 }, (_, k) => `c${k}`).join(',')];
    for (let r = 0; r < 200_000; r += 1)
      lines.push(Array.from({ length: 16 }, (_, k) => (r * (k + 3)) % 1000).join(','));
    await writeFile(file, `${lines.join('\n')}\n`);
    // Each import in a fresh process: the test runner's own garbage would blur the readings.
    const peakDuring = (memoryBytes: number) => {
      const run = spawnSync(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', CHILD, file, join(tmp(), `d${memoryBytes}`), String(memoryBytes)],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      const { rows, peak } = JSON.parse(run.stdout) as { rows: number; peak: number };
      expect(rows).toBe(200_000);
      return peak;
    };
    const columnBytes = 200_000 * 16 * 8;
    const whole = peakDuring(0);
    const bounded = peakDuring(1024 * 1024);
    expect(whole).toBeGreaterThan(columnBytes);
    // 1 MiB of chunks plus the 4 MiB read buffer and the scanner's carry, of the columns' 25.6 MB.
    expect(bounded).toBeLessThan(columnBytes / 3);
  });

  it('leaves nothing behind when cancelled half-way', async () => {
    const file = join(tmp(), 'table.csv');
    await writeFile(file, csvText(60_000));
    const datasetsDir = join(tmp(), 'datasets');
    const controller = new AbortController();
    const error = await rejection(
      importCsvFile({
        path: file,
        datasetsDir,
        memoryBytes: 4096,
        signal: controller.signal,
        onProgress: ({ rows }) => {
          if (rows > 1000) controller.abort();
        },
      }),
    );
    expect(error.message).toBe('The import of table.csv was cancelled.');
    expect(await readdir(datasetsDir)).toEqual([]);
  });
});
