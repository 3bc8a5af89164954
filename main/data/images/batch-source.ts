import type { PreparedImages } from '../../../app/engine/protocol';
import { UserError } from '../../../app/ipc/errors';
import { encodeLabels, ImageBatchReader } from './batch-reader';
import { loadImageDataset, type StoredImageDataset } from './image-store';

/** One batch for the engine: inputs row-major (NHWC for images), targets as the model's outputs. */
export interface TrainingBatch {
  x: Float32Array;
  y: Float32Array;
  size: number;
}

/**
 * The engine's view of an image run's data: training batches streamed from the dataset's
 * shards in a seeded order per epoch and augmented (seeded per epoch too), validation streamed
 * in order, never augmented. Only a batch and the one read ahead are in memory, whatever the
 * dataset's size.
 */
export class ImageBatchSource {
  private constructor(
    private readonly images: PreparedImages,
    private readonly trainReader: ImageBatchReader,
    private readonly valReader: ImageBatchReader,
  ) {}

  /** Open the shards a run's PreparedImages points at (checked by loadRunImages). Throws a UserError. */
  static async open(
    images: PreparedImages,
    options: { batchSize: number; seed: number; evalChunk: number },
  ): Promise<ImageBatchSource> {
    const stored = await loadRunImages(images);
    const trainReader = await ImageBatchReader.open(stored, {
      indices: images.train,
      batchSize: options.batchSize,
      seed: options.seed,
      shuffle: true,
      augmentation: images.augmentation,
    });
    const valReader = await ImageBatchReader.open(stored, {
      indices: images.validation,
      batchSize: options.evalChunk,
      seed: options.seed,
      shuffle: false,
    });
    return new ImageBatchSource(images, trainReader, valReader);
  }

  /** One epoch of training batches: shuffled and augmented with streams derived from (seed, epoch). */
  async *trainBatches(epoch: number): AsyncGenerator<TrainingBatch> {
    for await (const batch of this.trainReader.epoch(epoch)) yield this.withTargets(batch);
  }

  /** The validation images in split order (the order of y_val.f32), unaugmented. */
  async *validationBatches(): AsyncGenerator<TrainingBatch> {
    for await (const batch of this.valReader.epoch(0)) yield this.withTargets(batch);
  }

  private withTargets(batch: { x: Float32Array; labels: Int32Array; size: number }): TrainingBatch {
    return { x: batch.x, y: encodeLabels(batch.labels, this.images.labels.length), size: batch.size };
  }

  async close(): Promise<void> {
    await Promise.all([this.trainReader.close(), this.valReader.close()]);
  }
}

/**
 * The stored dataset a run's PreparedImages points at, checked against it: a dataset that was
 * re-imported at another size or with other classes since the run was prepared is named here,
 * not met as garbage in the middle of training. Throws a UserError.
 */
export async function loadRunImages(images: PreparedImages): Promise<StoredImageDataset> {
  const stored = await loadImageDataset(images.datasetDir);
  const { meta } = stored;
  const mismatch = (what: string) =>
    new UserError(
      `The image dataset in ${images.datasetDir} no longer matches this run (${what}). Train the run again to prepare it from the dataset as it is now.`,
    );
  if (meta.height !== images.height || meta.width !== images.width || meta.channels !== images.channels) {
    throw mismatch(
      `its images are ${meta.width}×${meta.height}×${meta.channels}, the run was prepared for ${images.width}×${images.height}×${images.channels}`,
    );
  }
  const names = meta.classes.map((c) => c.name);
  if (names.length !== images.labels.length || names.some((n, k) => n !== images.labels[k])) {
    throw mismatch(`its classes are ${names.join(', ')}; the run's are ${images.labels.join(', ')}`);
  }
  const outside = [...images.train, ...images.validation].find((i) => i >= meta.count);
  if (outside !== undefined) throw mismatch(`it has ${meta.count} images, the run reads image ${outside + 1}`);
  return stored;
}

/** The first `rows` validation images as float32 in [0, 1], NHWC, unaugmented (export parity, evaluation). */
export async function readValidationImages(images: PreparedImages, rows: number): Promise<Float32Array> {
  const reader = await ImageBatchReader.open(await loadRunImages(images), {
    indices: images.validation,
    batchSize: Math.max(1, rows),
    seed: 0,
    shuffle: false,
  });
  try {
    return (await reader.read(images.validation.slice(0, rows))).x;
  } finally {
    await reader.close();
  }
}
