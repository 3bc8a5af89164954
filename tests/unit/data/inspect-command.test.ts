import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../main/cli/main';
import { useTempDir } from './temp-dir';

/** Run the CLI in-process and collect what it prints. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

describe('layerlab inspect', () => {
  const tmp = useTempDir();
  afterEach(() => vi.restoreAllMocks());

  it('prints rows, dialect and per-column profiles as JSON', async () => {
    const file = join(tmp(), 'eu.csv');
    await writeFile(file, 'preis;farbe;id\n1,5;rot;1\n2,5;blau;2\nNA;rot;3\n');
    const { code, stdout } = await cli(['inspect', file]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ rows: 3, delimiter: ';', encoding: 'utf-8', header: true, decimalComma: true });
    expect(report.columns).toEqual([
      { name: 'preis', type: 'numeric', usable: true, missing: 1, unique: 2, min: 1.5, max: 2.5, mean: 2, std: 0.5 },
      { name: 'farbe', type: 'categorical', usable: true, missing: 0, unique: 2 },
      {
        name: 'id',
        type: 'id',
        usable: false,
        useless: true,
        reason: 'looks like an identifier: every value is unique',
        missing: 0,
        unique: 3,
        min: 1,
        max: 3,
        mean: 2,
        std: Math.sqrt(2 / 3),
      },
    ]);
  });

  it('takes the import options as flags', async () => {
    const file = join(tmp(), 'raw.csv');
    await writeFile(file, '1|2\n3|4\n');
    const report = JSON.parse((await cli(['inspect', file, '--no-header', '--delimiter', 'pipe'])).stdout);
    expect(report).toMatchObject({ rows: 2, delimiter: '|', header: false });
    expect(report.columns.map((c: { name: string }) => c.name)).toEqual(['column_1', 'column_2']);
  });

  it('explains a wrong flag (exit 2) and a missing file (exit 1)', async () => {
    const bad = await cli(['inspect', 'x.csv', '--encoding', 'ebcdic']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--encoding must be one of utf-8');
    const missing = await cli(['inspect', join(tmp(), 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.csv: no such file');
  });
});
