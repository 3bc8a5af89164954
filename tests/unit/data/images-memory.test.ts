import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ImageDatasetMeta } from '../../../app/dataset/images';
import { imagesPerShardFor, shardFileName } from '../../../main/data/images/shard-writer';
import { useTempDir } from './temp-dir';

/**
 * Bounded memory, measured in a fresh process (a test worker's RSS says nothing): stream a whole
 * augmented epoch of 64×64×3 images and watch the peak RSS. The dataset is bigger than the bound
 * as uint8 and four times bigger as float32, so a reader that loaded it would fail here.
 *
 * The full-size figure of the issue (50,000 images) is measured the same way with
 *   LAYERLAB_IMAGE_MEMORY_COUNT=50000 npx vitest run tests/unit/data/images-memory.test.ts
 * which prints the figures (about 2.5 GB float32 if it were held; see the report).
 */
const COUNT = Number(process.env.LAYERLAB_IMAGE_MEMORY_COUNT ?? 10000);
const SIDE = 64;
const BYTES = SIDE * SIDE * 3;
/** RSS growth allowed over the process after opening the reader: under the dataset's 117 MB of uint8. */
const BOUND_MB = 80;

/** Shards of pseudo-random pixels (pixels need not be images for a memory test), meta and index. */
async function writeSyntheticDataset(dir: string): Promise<void> {
  const perShard = imagesPerShardFor(BYTES);
  const shards: { file: string; count: number }[] = [];
  for (let first = 0; first < COUNT; first += perShard) {
    const count = Math.min(perShard, COUNT - first);
    const file = shardFileName(shards.length);
    const handle = await open(join(dir, file), 'w');
    const chunk = new Uint8Array(BYTES * Math.min(count, 256));
    for (let written = 0; written < count;) {
      const n = Math.min(256, count - written);
      randomFillSync(chunk);
      await handle.write(chunk, 0, n * BYTES);
      written += n;
    }
    await handle.close();
    shards.push({ file, count });
  }
  const labels = Array.from({ length: COUNT }, (_, i) => i % 10);
  const meta = ImageDatasetMeta.parse({
    kind: 'images',
    version: 1,
    id: 'synthetic',
    name: 'synthetic',
    sourceFile: 'synthetic',
    width: SIDE,
    height: SIDE,
    color: 'rgb',
    channels: 3,
    fit: 'pad',
    count: COUNT,
    classes: Array.from({ length: 10 }, (_, k) => ({
      name: `c${k}`,
      count: labels.filter((l) => l === k).length,
      thumbnails: [],
    })),
    emptyClasses: [],
    skipped: [],
    skippedCount: 0,
    warnings: [],
    imagesPerShard: perShard,
    shards,
    importedAt: new Date(0).toISOString(),
  });
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      labels,
      widths: labels.map(() => SIDE),
      heights: labels.map(() => SIDE),
      sources: labels.map((_, i) => `c${i % 10}/${i}.png`),
    }),
  );
}

/** Runs in the child: one warm-up batch, then a full augmented epoch, sampling RSS per batch. */
const CHILD = `
const { ImageBatchReader } = await import(process.env.READER_MODULE);
const reader = await ImageBatchReader.open(process.env.DATASET_DIR, {
  batchSize: 32, seed: 1, augmentation: { flip: 0.5, brightness: 0.2, contrast: 0.2 },
});
for await (const _ of reader.epoch(99)) break;
const baseline = process.memoryUsage().rss;
let peak = baseline, images = 0, checksum = 0;
const started = performance.now();
for await (const batch of reader.epoch(0)) {
  images += batch.size;
  checksum += batch.x[0];
  peak = Math.max(peak, process.memoryUsage().rss);
}
await reader.close();
console.log(JSON.stringify({ images, baselineMB: baseline / 2 ** 20, peakMB: peak / 2 ** 20, seconds: (performance.now() - started) / 1000, checksum }));
`;

describe('ImageBatchReader memory', () => {
  const tmp = useTempDir();

  it(`streams ${COUNT} images of 64×64×3 with the process RSS growing by less than ${BOUND_MB} MB`, async () => {
    await writeSyntheticDataset(tmp());
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', CHILD],
      {
        env: { ...process.env, DATASET_DIR: tmp(), READER_MODULE: resolve('main/data/images/batch-reader.ts') },
        maxBuffer: 1 << 20,
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      images: number;
      baselineMB: number;
      peakMB: number;
      seconds: number;
    };
    const datasetMB = (COUNT * BYTES) / 2 ** 20;
    console.log(
      `image batches: ${result.images} images (${datasetMB.toFixed(0)} MB uint8, ${(datasetMB * 4).toFixed(0)} MB float32) in ${result.seconds.toFixed(1)} s; ` +
        `RSS ${result.baselineMB.toFixed(0)} MB after opening, peak ${result.peakMB.toFixed(0)} MB`,
    );
    expect(result.images).toBe(COUNT);
    expect(result.peakMB - result.baselineMB).toBeLessThan(BOUND_MB);
  });
});
