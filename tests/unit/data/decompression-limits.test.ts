import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { unzipBounded, UnzipLimitError } from '../../../main/data/bounded-unzip';
import { importImages } from '../../../main/data/images';
import { rejection, thrown, useTempDir } from './temp-dir';
import { deflatedZeros, zipOf } from './zip-bombs';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** The .keras import's kind of limits (a ratio of 20 stops a 2 MiB archive after 40 MiB). */
const limits = { maxTotalBytes: 256 * MiB, maxRatio: 20 };

/** Resident memory grown while `run` ran, in MiB (sampled after it, so a spike held to the end shows). */
function rssGrowth(run: () => void): number {
  global.gc?.();
  const before = process.memoryUsage().rss;
  run();
  return (process.memoryUsage().rss - before) / MiB;
}

describe('unzipBounded', () => {
  it('refuses a 2 GiB run of zeros (2 MiB stored) by its ratio, naming the file and the limit, with memory bounded', () => {
    const bomb = zipOf([
      { name: 'model.weights.h5', data: deflatedZeros(2 * GiB), method: 8, declaredSize: 2 * GiB - 1 },
    ]);
    expect(bomb.length).toBeLessThan(3 * MiB);
    let error: Error | null = null;
    const grown = rssGrowth(() => {
      error = thrown(() => unzipBounded(bomb, 'bomb.keras', limits));
    });
    expect(error).toBeInstanceOf(UnzipLimitError);
    expect(String(error)).toMatch(
      /bomb\.keras is refused: it unpacks more than 20 times larger than its 2 MiB .*"model\.weights\.h5"/,
    );
    // Stopped after ~40 MiB of output (the ratio limit), never near 2 GiB.
    expect(grown).toBeLessThan(200);
  });

  it('refuses by total size, counting inflated bytes even when the directory claims a small size', () => {
    const lying = zipOf([{ name: 'a.bin', data: deflatedZeros(256 * MiB), method: 8, declaredSize: 1024 }]);
    const error = thrown(() => unzipBounded(lying, 'lying.zip', { maxTotalBytes: 32 * MiB, maxRatio: 10_000 }));
    expect(error.message).toBe(
      'lying.zip is refused: it unpacks to more than 32 MiB (the limit for this kind of file); stopped at "a.bin" before reading further.',
    );
  });

  it('unpacks an ordinary archive, only the entries asked for', () => {
    const text = new TextEncoder().encode('{"a": 1}'.repeat(1000));
    const zip = zipSync({ 'config.json': text, 'other.bin': new Uint8Array(10), 'dir/': new Uint8Array(0) });
    const out = unzipBounded(zip, 'ok.keras', limits, (name) => name !== 'other.bin');
    expect(Object.keys(out)).toEqual(['config.json']);
    expect(out['config.json']).toEqual(text);
  });
});

describe('image zips', () => {
  const tmp = useTempDir();

  it('refuses a zip of small entries that together unpack over 100 times its size, before inflating', async () => {
    // 100 entries of 1 MiB of zeros: each under the per-file check, 100 MiB from ~100 KiB together.
    const one = deflatedZeros(MiB);
    const zip = zipOf(
      Array.from({ length: 100 }, (_, i) => ({
        name: `cats/${i}.bmp`,
        data: one,
        method: 8 as const,
        declaredSize: MiB,
      })),
    );
    const file = join(tmp(), 'flat.zip');
    await writeFile(file, zip);
    const error = await rejection(importImages({ path: file, datasetsDir: join(tmp(), 'datasets') }));
    expect(error.message).toMatch(/^flat\.zip is refused: its 0 MiB would unpack to 100 MiB, over 100 times its size/);
  });
});
