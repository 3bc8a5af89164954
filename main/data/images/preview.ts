import { loadSharp } from './load-sharp';
import { Augmentation } from '../../../app/dataset/images';
import { mulberry32 } from '../../../app/math/seeded-random';
import { augmentBatch } from './augment';
import { ImageBatchReader } from './batch-reader';
import type { StoredImageDataset } from './image-store';

export interface AugmentedSample {
  index: number;
  className: string;
  /** PNG of the stored image, then `variants` augmented PNGs of it. */
  original: Uint8Array;
  augmented: Uint8Array[];
}

export interface PreviewInput {
  /** Dataset indices to show; by default the first image of each of the first classes. */
  samples?: readonly number[];
  variants?: number;
  augmentation: Partial<Augmentation>;
  seed: number;
}

async function png(x: Float32Array, from: number, meta: StoredImageDataset['meta']): Promise<Uint8Array> {
  const size = meta.width * meta.height * meta.channels;
  const bytes = new Uint8Array(size);
  for (let k = 0; k < size; k += 1) bytes[k] = Math.round((x[from + k] ?? 0) * 255);
  const sharp = await loadSharp();
  const image = sharp(bytes, { raw: { width: meta.width, height: meta.height, channels: meta.channels } });
  // Without this a one-channel image would be written as RGB.
  return (meta.channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
}

/**
 * What augmentation does to a few images, for the settings panel: the same functions and the
 * same kind of seeded draws as training, each variant a fresh draw.
 */
export async function augmentedPreview(dataset: StoredImageDataset, input: PreviewInput): Promise<AugmentedSample[]> {
  const { meta, index } = dataset;
  const variants = Math.max(1, Math.min(16, input.variants ?? 4));
  const samples =
    input.samples ??
    meta.classes
      .slice(0, 4)
      .map((_, k) => index.labels.indexOf(k))
      .filter((i) => i >= 0);
  const augmentation = Augmentation.parse(input.augmentation);
  const reader = await ImageBatchReader.open(dataset, {
    indices: samples,
    batchSize: Math.max(1, samples.length),
    seed: input.seed,
    shuffle: false,
  });
  try {
    const { x, labels } = await reader.read(samples);
    const size = meta.width * meta.height * meta.channels;
    const random = mulberry32(input.seed >>> 0);
    const out: AugmentedSample[] = [];
    for (let n = 0; n < samples.length; n += 1) {
      const copies = new Float32Array(variants * size);
      for (let v = 0; v < variants; v += 1) copies.set(x.subarray(n * size, (n + 1) * size), v * size);
      augmentBatch(copies, variants, reader.shape, augmentation, random);
      const augmented: Uint8Array[] = [];
      for (let v = 0; v < variants; v += 1) augmented.push(await png(copies, v * size, meta));
      out.push({
        index: samples[n] ?? 0,
        className: meta.classes[labels[n] ?? 0]?.name ?? '',
        original: await png(x, n * size, meta),
        augmented,
      });
    }
    return out;
  } finally {
    await reader.close();
  }
}
