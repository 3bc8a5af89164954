import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { littleEndianBytes } from '../../../main/data/binary';
import { numbersFile } from '../../../main/data/column-store';
import { rangeWorkerEntry, startSegmentThread } from '../../../main/data/csv-range-thread';
import { layerlab, ROOT } from '../main/run-layerlab';
import { useTempDir } from './temp-dir';

/**
 * The compiled CLI reads a file too large for memory with the worker of its own build
 * (dist/node/csv-range-worker.mjs, scripts/build-node.mjs): its segment mode and the profile of a
 * column from its file (which loads column-spill.ts and profile.ts lazily, as chunks of the build)
 * must be in what `npm run build` writes.
 */
describe('the compiled CSV worker, reading segments', () => {
  const tmp = useTempDir();

  it('reads segments into either set and profiles a column from its file', async () => {
    // bin/layerlab.mjs rebuilds dist/node first when a source changed since the last build.
    const version = await layerlab(['--version']);
    expect(version.code).toBe(0);
    const entry = await rangeWorkerEntry(pathToFileURL(path.join(ROOT, 'dist', 'node', 'chunk-ABC.mjs')).href);
    expect(entry).toEqual({
      url: pathToFileURL(path.join(ROOT, 'dist', 'node', 'csv-range-worker.mjs')),
      bundled: true,
    });
    const file = path.join(tmp(), 'segments.csv');
    const lines = Array.from({ length: 3000 }, (_, i) => `${i},${i / 4}`);
    const text = `a,b\n${lines.join('\n')}\n`;
    await writeFile(file, text);
    // Rows 1000-1999 into set 1, rows 2000-2999 into set 0 (from row 0 of each).
    const at = (row: number) => `a,b\n${lines.slice(0, row).join('\n')}\n`.length;
    const sets = [0, 1].map(() =>
      [0, 1].map(() => new Float64Array(new SharedArrayBuffer(8 * 1500))),
    ) as Float64Array[][];
    const thread = startSegmentThread(
      { path: file, delimiter: ',', decimalComma: false, sets, progress: new Float64Array(new SharedArrayBuffer(8)) },
      entry,
    );
    expect(thread).not.toBeNull();
    try {
      const first = thread?.segment({ set: 1, start: at(1000), end: at(2000) });
      const second = thread?.segment({ set: 0, start: at(2000), end: text.length });
      expect(await first).toMatchObject({ rows: 1000, stoppedAt: at(2000) });
      expect(await second).toMatchObject({ rows: 1000, stoppedAt: text.length });
      expect([sets[1]?.[0]?.[0], sets[1]?.[1]?.[999], sets[0]?.[0]?.[999]]).toEqual([1000, 1999 / 4, 2999]);
      const dir = tmp();
      const column = Float64Array.from({ length: 3000 }, (_, i) => i / 4);
      await writeFile(path.join(dir, numbersFile(1)), littleEndianBytes(column));
      const profile = await thread?.profileFile({ dir, rows: 3000, index: 1, name: 'b' });
      expect(profile).toMatchObject({ name: 'b', min: 0, max: 2999 / 4, unique: 3000 });
    } finally {
      await thread?.stop();
    }
  }, 300_000);
});
