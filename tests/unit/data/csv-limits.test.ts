import { execFileSync, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { forEachLimited } from '../../../main/data/pool';
import { useTempDir } from './temp-dir';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./wide-import-child.ts', import.meta.url));

/** bash with `ulimit -n`, or null where there is none (Windows). */
function bashPath(): string | null {
  try {
    return execFileSync('bash', ['-c', 'ulimit -n 256 && command -v bash'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const bash = bashPath();

describe('wide CSVs and the open-file limit (issue 13)', () => {
  const tmp = useTempDir();

  it.skipIf(bash === null)(
    'imports a 2,000-column CSV under an open-file limit of 256 and reads every value back',
    async () => {
      const columns = 2000;
      // Numbers and texts alternate: a column of texts writes two files (codes and dictionary).
      const cell = (row: number, col: number) => (col % 2 === 0 ? String(row * 10_000 + col) : `t${row}_${col}`);
      const header = Array.from({ length: columns }, (_, col) => `c${col}`).join(',');
      const lines = [
        header,
        ...[0, 1, 2].map((row) => Array.from({ length: columns }, (_, col) => cell(row, col)).join(',')),
      ];
      const file = join(tmp(), 'wide.csv');
      await writeFile(file, `${lines.join('\n')}\n`);
      const datasetsDir = join(tmp(), 'datasets');

      // Before the fix every column file was opened at once: "Cannot write …: EMFILE. Choose another folder."
      const run = spawnSync(
        bash as string,
        ['-c', 'ulimit -n 256 && exec "$0" --import tsx "$@"', process.execPath, CHILD, file, datasetsDir],
        { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
      );
      expect(run.stderr).toBe('');
      const result = JSON.parse(run.stdout) as {
        error?: string;
        rows: number;
        names: string[];
        cells: (string | null)[][];
      };
      expect(result.error).toBeUndefined();
      expect(result.rows).toBe(3);
      expect(result.names).toHaveLength(columns);
      expect(result.names[1999]).toBe('c1999');
      for (let col = 0; col < columns; col += 1) {
        expect(result.cells[col]).toEqual([0, 1, 2].map((row) => cell(row, col)));
      }
    },
  );

  it('forEachLimited keeps at most `limit` calls running and every item is visited once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachLimited(
      Array.from({ length: 100 }, (_, i) => i),
      7,
      async (item) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, item % 3));
        seen.push(item);
        running -= 1;
      },
    );
    expect(most).toBe(7);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('forEachLimited starts nothing more after a failure and throws it once the running calls settle', async () => {
    const started: number[] = [];
    let settled = 0;
    const failing = forEachLimited([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, item === 1 ? 1 : 20));
      settled += 1;
      if (item === 1) throw new Error('disk full');
    });
    await expect(failing).rejects.toThrow('disk full');
    expect(settled).toBe(started.length);
    expect(started.length).toBeLessThan(8);
  });
});
