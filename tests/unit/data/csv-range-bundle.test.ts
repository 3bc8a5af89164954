import { createHash } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rangeWorkerBundle } from '../../../main/data/csv-range-bundle';
import { rangeWorkerEntry, startRangeThread } from '../../../main/data/csv-range-thread';
import { useTempDir } from './temp-dir';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  bundle: string;
  inputs: Record<string, string>;
}

const readManifest = async (dir: string) =>
  JSON.parse(await readFile(join(dir, 'csv-range-worker.json'), 'utf8')) as Manifest;
const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(join(ROOT, file)))
    .digest('hex');

describe("the CSV reader's worker bundle (running from the sources)", () => {
  const tmp = useTempDir();

  it('bundles the worker once, with the hash of every source it holds, and reuses it while they are unchanged', async () => {
    const bundle = await rangeWorkerBundle(tmp());
    expect(bundle).not.toBeNull();
    const manifest = await readManifest(tmp());
    expect(basename(bundle as string)).toBe(manifest.bundle);
    // Its own sources and what they import (the profile, the fast path), each with its hash.
    for (const file of [
      'main/data/csv-range-worker.ts',
      'main/data/csv-range.ts',
      'main/data/csv-number-rows.ts',
      'main/data/profile.ts',
    ]) {
      expect(manifest.inputs[file]).toBe(await sha256(file));
    }
    expect(Object.keys(manifest.inputs).some((file) => file.includes('node_modules'))).toBe(false);
    const built = (await stat(bundle as string)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await rangeWorkerBundle(tmp())).toBe(bundle);
    expect((await stat(bundle as string)).mtimeMs).toBe(built);
  });

  it('never uses a bundle built from other sources: it builds again', async () => {
    const bundle = (await rangeWorkerBundle(tmp())) as string;
    const manifest = await readManifest(tmp());
    // As if csv-number-rows.ts had changed since the bundle was built.
    const stale = { ...manifest, inputs: { ...manifest.inputs, 'main/data/csv-number-rows.ts': '0'.repeat(64) } };
    await writeFile(join(tmp(), 'csv-range-worker.json'), JSON.stringify(stale));
    await writeFile(bundle, 'throw new Error("stale bundle");');
    expect(await rangeWorkerBundle(tmp())).toBe(bundle);
    expect(await readFile(bundle, 'utf8')).not.toContain('stale bundle');
    expect(await readManifest(tmp())).toEqual(manifest);
    // A bundle that is gone, or a damaged manifest: built again too.
    await rm(bundle);
    expect(await rangeWorkerBundle(tmp())).toBe(bundle);
    await writeFile(join(tmp(), 'csv-range-worker.json'), '{"bundle": "../../x.cjs", "inputs": {}}');
    expect(await rangeWorkerBundle(tmp())).toBe(bundle);
    expect(await readManifest(tmp())).toEqual(manifest);
  });

  it('starts the worker from the bundle, which reads its range into the shared columns', async () => {
    const entry = await rangeWorkerEntry();
    expect(entry?.bundled).toBe(true);
    const path = join(tmp(), 'range.csv');
    const lines = Array.from({ length: 2000 }, (_, i) => `${i},${i / 4}`);
    await writeFile(path, `a,b\n${lines.join('\n')}\n`);
    const start = `a,b\n${lines.slice(0, 1000).join('\n')}\n`.length;
    const columns = [
      new Float64Array(new SharedArrayBuffer(8 * 2000)),
      new Float64Array(new SharedArrayBuffer(8 * 2000)),
    ];
    const thread = startRangeThread(
      {
        path,
        mainFrom: 4,
        mainRows: 0,
        start,
        end: (await stat(path)).size,
        delimiter: ',',
        decimalComma: false,
        columns,
        progress: new Float64Array(1),
      },
      entry,
    );
    try {
      expect(await thread?.result).toEqual({ row: 1000, rows: 1000, stoppedAt: (await stat(path)).size });
      expect([columns[0]?.[1999], columns[1]?.[1999]]).toEqual([1999, 1999 / 4]);
      // Rows 0-999 are the main thread's, still 0 here: 1,000 values of the worker's and 0.
      const profiles = await thread?.profile({ rows: 2000, columns: [{ index: 1, name: 'b' }] });
      expect(profiles?.[0]).toMatchObject({ name: 'b', min: 0, max: 1999 / 4, unique: 1001 });
    } finally {
      await thread?.stop();
    }
  });
});
