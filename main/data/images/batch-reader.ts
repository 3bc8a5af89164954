import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Augmentation, imageBytes, isAugmenting, type ImageDatasetMeta } from '../../../app/dataset/images';
import { UserError } from '../../../app/ipc/errors';
import { readError } from '../fs-errors';
import { mulberry32, seededShuffle } from '../../../app/math/seeded-random';
import { augmentBatch, type ImageShape } from './augment';
import { loadImageDataset, locateImage, type StoredImageDataset } from './image-store';

export interface ImageBatch {
  /** size × height × width × channels, float32 in [0, 1] (NHWC, what tf.tensor4d takes). */
  x: Float32Array;
  /** Class index of each image. */
  labels: Int32Array;
  size: number;
}

export interface BatchReaderOptions {
  /** The images to read (a split); all of them when absent. */
  indices?: readonly number[];
  batchSize: number;
  seed: number;
  /** Reshuffle every epoch (training); off for validation and evaluation. Default true. */
  shuffle?: boolean;
  augmentation?: Partial<Augmentation>;
  /** Hold the pixels in memory up to this many bytes (default RESIDENT_BYTES); 0 always streams. */
  residentBytes?: number;
}

/** Large primes to derive independent per-epoch streams from one seed. */
/**
 * A dataset whose pixels take at most this many bytes is read into memory once, one read per
 * shard, and its batches are copied from there. Read image by image, each batch costs one file
 * read per image (1,797 32×32 digits: ~18,000 reads over 10 epochs, a second of the engine's
 * time); larger datasets stream from disk as before, so memory stays bounded.
 */
export const RESIDENT_BYTES = 64 * 1024 * 1024;

const SHUFFLE_STREAM = 0x9e3779b1;
const AUGMENT_STREAM = 0x85ebca77;

/**
 * Streams batches from the uint8 shards of an image dataset. Only the batch being handed out
 * and the one read ahead are in memory (each image is read at its offset with a positional
 * read), so 50,000 images of 64×64×3 cost the same few megabytes as 500: the order is a
 * permutation of indices, not of pixels.
 */
export class ImageBatchReader {
  readonly meta: ImageDatasetMeta;
  readonly shape: ImageShape;
  readonly indices: readonly number[];
  readonly batchSize: number;
  private readonly labels: readonly number[];
  /** Promises, not handles: the reads of one batch ask for a shard at once, and must share one open. */
  private readonly handles: (Promise<FileHandle> | null)[];
  private readonly augmentation: Augmentation;
  private closed = false;
  /** Every shard's bytes, when the dataset is small enough to hold (RESIDENT_BYTES); loaded on first read. */
  private resident: Promise<Uint8Array[]> | null = null;

  private constructor(
    private readonly stored: StoredImageDataset,
    private readonly options: BatchReaderOptions,
  ) {
    this.meta = stored.meta;
    this.shape = { height: stored.meta.height, width: stored.meta.width, channels: stored.meta.channels };
    this.labels = stored.index.labels;
    this.indices = options.indices ? [...options.indices] : Array.from({ length: stored.meta.count }, (_, i) => i);
    for (const i of this.indices) {
      if (!Number.isInteger(i) || i < 0 || i >= stored.meta.count)
        throw new RangeError(`ImageBatchReader: index ${i} is not in a dataset of ${stored.meta.count} images`);
    }
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new UserError(`The batch size must be a whole number of at least 1 (got ${options.batchSize}).`);
    this.batchSize = options.batchSize;
    this.handles = stored.meta.shards.map(() => null);
    this.augmentation = Augmentation.parse(options.augmentation ?? {});
  }

  /** Open a stored dataset (its folder, checked by loadImageDataset) for reading. */
  static async open(dataset: string | StoredImageDataset, options: BatchReaderOptions): Promise<ImageBatchReader> {
    const stored = typeof dataset === 'string' ? await loadImageDataset(dataset) : dataset;
    return new ImageBatchReader(stored, options);
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.indices.length / this.batchSize);
  }

  private handle(shard: number): Promise<FileHandle> {
    if (this.closed) return Promise.reject(new Error('ImageBatchReader: read after close'));
    let handle = this.handles[shard];
    if (!handle) {
      const file = join(this.stored.dir, this.meta.shards[shard]?.file ?? '');
      handle = open(file, 'r').catch((error: unknown) => {
        throw readError(file, error);
      });
      // A failed open is not cached: the next read tries again and names the file again.
      handle.catch(() => (this.handles[shard] = null));
      this.handles[shard] = handle;
    }
    return handle;
  }

  /** Read images (by dataset index) as float32 in [0, 1], no augmentation. */
  /** All shards in memory, or null when the dataset is too large to hold. */
  private residentShards(): Promise<Uint8Array[]> | null {
    if (this.meta.count * imageBytes(this.meta) > (this.options.residentBytes ?? RESIDENT_BYTES)) return null;
    if (!this.resident) {
      const bytes = imageBytes(this.meta);
      this.resident = Promise.all(
        this.meta.shards.map(async (shard, k) => {
          const file = join(this.stored.dir, shard.file);
          const data = await readFile(file).catch((error: unknown) => {
            throw readError(file, error);
          });
          const expected = Math.min(this.meta.imagesPerShard, this.meta.count - k * this.meta.imagesPerShard) * bytes;
          if (data.length < expected) throw this.damaged(shard.file);
          return data;
        }),
      );
      // A failed load is not kept: the next read tries again and names the file again.
      this.resident.catch(() => (this.resident = null));
    }
    return this.resident;
  }

  private damaged(file: string | undefined): UserError {
    return new UserError(
      `The image dataset in ${this.stored.dir} is damaged: ${file} ends early. Import the images again.`,
    );
  }

  async read(which: readonly number[]): Promise<ImageBatch> {
    if (this.closed) throw new Error('ImageBatchReader: read after close');
    const bytes = imageBytes(this.meta);
    const raw = new Uint8Array(which.length * bytes);
    const resident = this.residentShards();
    if (resident) {
      const shards = await resident;
      which.forEach((i, n) => {
        const { shard, offset } = locateImage(this.meta, i);
        raw.set(shards[shard]!.subarray(offset, offset + bytes), n * bytes);
      });
    } else
      await Promise.all(
        which.map(async (i, n) => {
          const { shard, offset } = locateImage(this.meta, i);
          const handle = await this.handle(shard);
          const { bytesRead } = await handle.read(raw, n * bytes, bytes, offset);
          if (bytesRead !== bytes) throw this.damaged(this.meta.shards[shard]?.file);
        }),
      );
    const x = new Float32Array(raw.length);
    for (let k = 0; k < raw.length; k += 1) x[k] = (raw[k] ?? 0) / 255;
    const labels = Int32Array.from(which, (i) => this.labels[i] ?? 0);
    return { x, labels, size: which.length };
  }

  /**
   * One pass over the images in batches: shuffled with a seed derived from (seed, epoch) and
   * augmented likewise, so epoch 3 of a resumed run sees what it would have seen.
   */
  async *epoch(epoch = 0): AsyncGenerator<ImageBatch> {
    const order = [...this.indices];
    const shuffle = this.options.shuffle ?? true;
    if (shuffle) seededShuffle(order, (this.options.seed ^ Math.imul(epoch + 1, SHUFFLE_STREAM)) >>> 0);
    const augmenting = isAugmenting(this.augmentation);
    const random = mulberry32((this.options.seed ^ Math.imul(epoch + 1, AUGMENT_STREAM)) >>> 0);
    const batchAt = (b: number) => order.slice(b * this.batchSize, (b + 1) * this.batchSize);
    // Read one batch ahead while the consumer trains on the current one.
    let pending: Promise<ImageBatch> | null = this.batchesPerEpoch > 0 ? this.read(batchAt(0)) : null;
    try {
      for (let b = 0; pending; b += 1) {
        const batch = await pending;
        pending = b + 1 < this.batchesPerEpoch ? this.read(batchAt(b + 1)) : null;
        if (augmenting) augmentBatch(batch.x, batch.size, this.shape, this.augmentation, random);
        yield batch;
      }
    } finally {
      // A consumer that stops early (cancel) leaves a read ahead in flight: never an unhandled rejection.
      pending?.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.resident = null;
    const handles = this.handles.splice(0);
    await Promise.all(handles.map((h) => h?.then((f) => f.close()).catch(() => undefined)));
  }
}

/**
 * Labels as the model's targets, the way prepare.ts encodes classes: one 0/1 output for two
 * classes (a sigmoid head), one-hot otherwise (softmax).
 */
export function encodeLabels(labels: Int32Array, classes: number): Float32Array {
  const width = classes <= 2 ? 1 : classes;
  const out = new Float32Array(labels.length * width);
  labels.forEach((label, n) => {
    if (width === 1) out[n] = label;
    else out[n * width + label] = 1;
  });
  return out;
}
