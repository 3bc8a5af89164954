import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  adjustBrightness,
  adjustContrast,
  affine,
  augmentBatch,
  augmentedPreview,
  encodeLabels,
  flipHorizontal,
  ImageBatchReader,
  importImages,
  loadImageDataset,
  RESIDENT_BYTES,
  stratifiedSplit,
  type ImageBatch,
} from '../../../main/data/images';
import { mulberry32 } from '../../../main/data';
import { rejection, thrown, useTempDir } from './temp-dir';

/**
 * 12 grayscale 8×8 images, each one flat gray level that names it (image i is 20·i + 10), in
 * classes a (6), b (4), c (2); the left half of each is darker by 5 so a flip is visible.
 */
async function writeDataset(root: string, datasetsDir: string) {
  const classes: [string, number][] = [
    ['a', 6],
    ['b', 4],
    ['c', 2],
  ];
  let i = 0;
  for (const [name, count] of classes) {
    await mkdir(join(root, name), { recursive: true });
    for (let k = 0; k < count; k += 1, i += 1) {
      const level = 20 * i + 10;
      const pixels = Buffer.alloc(64, level);
      for (let y = 0; y < 8; y += 1) for (let x = 0; x < 4; x += 1) pixels[y * 8 + x] = level - 5;
      await writeFile(
        join(root, name, `${String(k).padStart(2, '0')}.png`),
        await sharp(pixels, { raw: { width: 8, height: 8, channels: 1 } })
          .png()
          .toBuffer(),
      );
    }
  }
  const meta = await importImages({
    path: root,
    datasetsDir,
    options: { width: 8, height: 8, color: 'grayscale' },
    imagesPerShard: 5,
  });
  return join(datasetsDir, meta.id);
}

/** Which image a stored one is: its right half's gray level. */
const identity = (batch: ImageBatch, n: number) => (Math.round((batch.x[n * 64 + 7] ?? 0) * 255) - 10) / 20;

async function collect(reader: ImageBatchReader, epoch: number): Promise<ImageBatch[]> {
  const out: ImageBatch[] = [];
  for await (const batch of reader.epoch(epoch)) out.push(batch);
  return out;
}

describe('ImageBatchReader', () => {
  const tmp = useTempDir();

  it('streams every image once an epoch, seeded, with its label, across shard boundaries', async () => {
    const dir = await writeDataset(join(tmp(), 'src'), join(tmp(), 'datasets'));
    const reader = await ImageBatchReader.open(dir, { batchSize: 5, seed: 7 });
    try {
      expect(reader.batchesPerEpoch).toBe(3);
      const first = await collect(reader, 0);
      expect(first.map((b) => b.size)).toEqual([5, 5, 2]);
      const order = first.flatMap((b) => Array.from({ length: b.size }, (_, n) => identity(b, n)));
      expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(order).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      const labels = first.flatMap((b) => Array.from(b.labels));
      order.forEach((image, n) => expect(labels[n]).toBe(image < 6 ? 0 : image < 10 ? 1 : 2));
      // Values are bytes / 255, exactly.
      expect(first[0]?.x[7]).toBeCloseTo((20 * order[0]! + 10) / 255, 7);

      const again = (await collect(reader, 0)).flatMap((b) => Array.from({ length: b.size }, (_, n) => identity(b, n)));
      expect(again).toEqual(order);
      const next = (await collect(reader, 1)).flatMap((b) => Array.from({ length: b.size }, (_, n) => identity(b, n)));
      expect(next).not.toEqual(order);
    } finally {
      await reader.close();
    }

    const validation = await ImageBatchReader.open(dir, { batchSize: 4, seed: 7, shuffle: false, indices: [9, 2, 11] });
    try {
      const batches = await collect(validation, 0);
      expect(batches.map((b) => Array.from({ length: b.size }, (_, n) => identity(b, n)))).toEqual([[9, 2, 11]]);
      expect(Array.from(batches[0]?.labels ?? [])).toEqual([1, 0, 2]);
    } finally {
      await validation.close();
    }
  });

  it('gives the same batches from memory (small datasets) as streamed from disk, and names a shard cut after opening', async () => {
    const dir = await writeDataset(join(tmp(), 'src'), join(tmp(), 'datasets'));
    const epochs = async (residentBytes: number) => {
      const reader = await ImageBatchReader.open(dir, { batchSize: 5, seed: 7, residentBytes });
      try {
        return [await collect(reader, 0), await collect(reader, 1)].map((batches) =>
          batches.map((b) => ({ x: Array.from(b.x), labels: Array.from(b.labels) })),
        );
      } finally {
        await reader.close();
      }
    };
    const streamed = await epochs(0);
    expect(await epochs(RESIDENT_BYTES)).toEqual(streamed);
    for (const residentBytes of [0, RESIDENT_BYTES]) {
      const cut = await writeDataset(join(tmp(), `src-${residentBytes}`), join(tmp(), 'datasets'));
      const reader = await ImageBatchReader.open(cut, { batchSize: 12, seed: 7, residentBytes });
      await truncate(join(cut, 'shard-0001.u8'), 100);
      try {
        expect((await rejection(collect(reader, 0))).message).toBe(
          `The image dataset in ${cut} is damaged: shard-0001.u8 ends early. Import the images again.`,
        );
      } finally {
        await reader.close();
      }
    }
  });

  it('augments reproducibly from the seed and differently for another seed', async () => {
    const dir = await writeDataset(join(tmp(), 'src'), join(tmp(), 'datasets'));
    const augmentation = { flip: 0.5, rotation: 0.05, zoom: 0.2, brightness: 0.1, contrast: 0.2 };
    const run = async (seed: number) => {
      const reader = await ImageBatchReader.open(dir, { batchSize: 12, seed, augmentation });
      try {
        return (await collect(reader, 0))[0]!;
      } finally {
        await reader.close();
      }
    };
    const a = await run(3);
    const b = await run(3);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    const plain = await ImageBatchReader.open(dir, { batchSize: 12, seed: 3 });
    const raw = (await collect(plain, 0))[0]!;
    await plain.close();
    expect(Array.from(a.labels)).toEqual(Array.from(raw.labels));
    expect(Array.from(a.x)).not.toEqual(Array.from(raw.x));
    expect(a.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Array.from((await run(4)).x)).not.toEqual(Array.from(a.x));
  });

  it('names a damaged shard before reading it', async () => {
    const dir = await writeDataset(join(tmp(), 'src'), join(tmp(), 'datasets'));
    await truncate(join(dir, 'shard-0001.u8'), 100);
    expect((await rejection(loadImageDataset(dir))).message).toBe(
      `The image dataset in ${dir} is damaged: shard-0001.u8 is 100 bytes, expected 320. Import the images again.`,
    );
  });

  it('previews augmented samples as PNGs of the stored size', async () => {
    const dir = await writeDataset(join(tmp(), 'src'), join(tmp(), 'datasets'));
    const stored = await loadImageDataset(dir);
    const preview = await augmentedPreview(stored, { augmentation: { brightness: 0.5 }, variants: 3, seed: 1 });
    expect(preview.map((p) => [p.index, p.className, p.augmented.length])).toEqual([
      [0, 'a', 3],
      [6, 'b', 3],
      [10, 'c', 3],
    ]);
    const info = await sharp(preview[1]!.original).metadata();
    expect([info.format, info.width, info.height, info.channels]).toEqual(['png', 8, 8, 1]);
    const gray = (png: Uint8Array) => sharp(png).toColourspace('b-w').raw().toBuffer();
    expect((await gray(preview[1]!.original))[7]).toBe(130);
    expect((await gray(preview[1]!.augmented[0]!))[7]).not.toBe(130);
  });
});

describe('augmentation functions', () => {
  const shape = (height: number, width: number, channels = 1) => ({ height, width, channels });

  it('flips left to right, twice is the identity', () => {
    const image = Float32Array.from([1, 2, 3, 4, 5, 6]);
    flipHorizontal(image, shape(2, 3));
    expect(Array.from(image)).toEqual([3, 2, 1, 6, 5, 4]);
    const rgb = Float32Array.from([1, 2, 3, 4, 5, 6]);
    flipHorizontal(rgb, shape(1, 2, 3));
    expect(Array.from(rgb)).toEqual([4, 5, 6, 1, 2, 3]);
  });

  it('rotates about the centre and zooms, filling with black', () => {
    const grid = () => Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0.5]);
    const scratch = new Float32Array(9);
    const half = grid();
    affine(half, shape(3, 3), Math.PI, 1, 0, 0, scratch);
    expect(Array.from(half).map((v) => +v.toFixed(5))).toEqual([0.5, 0, 0, 0, 0, 0, 0, 0, 1]);
    const quarter = Float32Array.from([0, 0, 0, 1, 0, 0, 0, 0, 0]); // left middle
    affine(quarter, shape(3, 3), Math.PI / 2, 1, 0, 0, scratch);
    expect(Array.from(quarter).map((v) => +v.toFixed(5))).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0]);
    const flat = new Float32Array(16).fill(0.5);
    affine(flat, shape(4, 4), 0, 0.5, 0, 0, new Float32Array(16));
    expect(flat[0]).toBe(0); // zoomed out: the corner shows the black outside
    expect(flat[5]).toBeCloseTo(0.5, 6); // the middle is still the image
    const identity = grid();
    affine(identity, shape(3, 3), 0, 1, 0, 0, scratch);
    expect(Array.from(identity)).toEqual(Array.from(grid()));
  });

  it('shifts brightness and scales contrast around the mean, clamped to [0, 1]', () => {
    const bright = Float32Array.from([0.2, 0.9]);
    adjustBrightness(bright, 0.3);
    expect(Array.from(bright).map((v) => +v.toFixed(5))).toEqual([0.5, 1]);
    // Two pixels, two channels: channel 0 is [0.1, 0.9] around 0.5, channel 1 [0.6, 0.2] around 0.4.
    const contrast = Float32Array.from([0.1, 0.6, 0.9, 0.2]);
    adjustContrast(contrast, shape(1, 2, 2), 2);
    expect(Array.from(contrast).map((v) => +v.toFixed(5))).toEqual([0, 0.8, 1, 0]);
    const softer = Float32Array.from([0.1, 0.6, 0.9, 0.2]);
    adjustContrast(softer, shape(1, 2, 2), 0.5);
    expect(Array.from(softer).map((v) => +v.toFixed(5))).toEqual([0.3, 0.5, 0.7, 0.3]);
  });

  it('draws the same augmentation from the same seed, and nothing at strength zero', () => {
    const batch = () => Float32Array.from({ length: 2 * 16 * 3 }, (_, i) => (i % 7) / 7);
    const a = batch();
    const b = batch();
    const full = { flip: 1, rotation: 0.1, zoom: 0.3, brightness: 0.2, contrast: 0.3 };
    augmentBatch(a, 2, shape(4, 4, 3), full, mulberry32(5));
    augmentBatch(b, 2, shape(4, 4, 3), full, mulberry32(5));
    expect(Array.from(a)).toEqual(Array.from(b));
    const untouched = batch();
    augmentBatch(
      untouched,
      2,
      shape(4, 4, 3),
      { flip: 0, rotation: 0, zoom: 0, brightness: 0, contrast: 0 },
      mulberry32(5),
    );
    expect(Array.from(untouched)).toEqual(Array.from(batch()));
  });
});

describe('stratifiedSplit and encodeLabels', () => {
  it('gives each class the same validation share, seeded, disjoint and complete', () => {
    const labels = [...new Array(60).fill(0), ...new Array(30).fill(1), ...new Array(10).fill(2)];
    const split = stratifiedSplit(labels, 0.2, 11);
    const count = (indices: number[], k: number) => indices.filter((i) => labels[i] === k).length;
    expect([0, 1, 2].map((k) => count(split.validation, k))).toEqual([12, 6, 2]);
    expect([...split.train, ...split.validation].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    expect(stratifiedSplit(labels, 0.2, 11)).toEqual(split);
    expect(stratifiedSplit(labels, 0.2, 12)).not.toEqual(split);
    expect(thrown(() => stratifiedSplit(labels, 1, 1)).message).toBe(
      'The validation split must be between 0 and 1 (got 1).',
    );
  });

  it('encodes two classes as one 0/1 output and more as one-hot', () => {
    expect(Array.from(encodeLabels(Int32Array.from([1, 0]), 2))).toEqual([1, 0]);
    expect(Array.from(encodeLabels(Int32Array.from([2, 0]), 3))).toEqual([0, 0, 1, 1, 0, 0]);
  });
});
