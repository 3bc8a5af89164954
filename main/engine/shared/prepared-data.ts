import type { PreparedData } from '../../../app/engine/protocol';
import { UserError } from '../../../app/ipc/errors';
import { ImageBatchSource, readValidationImages, type TrainingBatch } from '../../data/images/batch-source';
import { deriveSeed, mulberry32, shuffledIndices } from '../../../app/math/seeded-random';
import {
  MatrixFile,
  PreparedDataError,
  streamedTrainBatches,
  streamedValidationBatches,
  tableBytes,
  tableMemoryBytes,
} from './table-stream';

export { PreparedDataError } from './table-stream';

export type SplitName = 'x_train' | 'y_train' | 'x_val' | 'y_val';

export interface LoadedSplits {
  xTrain: Float32Array;
  yTrain: Float32Array;
  xVal: Float32Array;
  yVal: Float32Array;
}

/**
 * One little-endian float32 matrix file, checked against the rows × width it should hold: its
 * first `maxRows` rows (default: all), so a sample of a large split reads only that sample.
 */
export async function readMatrix(data: PreparedData, split: SplitName, maxRows?: number): Promise<Float32Array> {
  const rows = split.endsWith('train') ? data.trainRows : data.valRows;
  const width = split.startsWith('x') ? data.inputWidth : data.outputWidth;
  const file = await MatrixFile.open(data.dir, split, rows, width);
  try {
    const n = Math.min(rows, maxRows ?? rows);
    const out = new Float32Array(n * width);
    await file.read(0, n, out);
    return out;
  } finally {
    await file.close();
  }
}

/** Tables only: every split in memory (images stream through openBatchSource instead). */
export async function readSplits(data: PreparedData): Promise<LoadedSplits> {
  const settled = await Promise.allSettled(
    (['x_train', 'y_train', 'x_val', 'y_val'] as const).map((split) => readMatrix(data, split)),
  );
  // Report the first problem in file order, not whichever read happened to fail first.
  const values = settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  const [xTrain, yTrain, xVal, yVal] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
  return { xTrain, yTrain, xVal, yVal };
}

export type { TrainingBatch } from '../../data/images/batch-source';

/** A batch for the model: `inputs` holds each Input's values (data.inputs order) when there are several, and x is then empty. */
export interface ModelBatch extends TrainingBatch {
  inputs?: Float32Array[];
}

/**
 * Where training batches come from, whatever the data: a table's float32 files held in memory,
 * or an image dataset's shards streamed a batch at a time. Batches of one epoch come in a
 * seeded order derived from (seed, epoch), so a run resumed at epoch e sees what it would have.
 */
export interface BatchSource {
  readonly trainRows: number;
  readonly valRows: number;
  /** Targets of every training row in split order (class weights count the classes in it). */
  readonly yTrain: Float32Array;
  /** One epoch of training batches (images: augmented); a batch's arrays may be reused for the next one. */
  trainBatches(epoch: number): AsyncIterable<ModelBatch>;
  /** The validation rows in split order, in chunks of at most evalChunkRows; never augmented. */
  validationBatches(): AsyncIterable<ModelBatch>;
  close(): Promise<void>;
}

/** Values of one evaluation chunk at most: bounds the memory of a forward pass, not its results. */
const EVAL_CHUNK_VALUES = 1 << 20;
const EVAL_CHUNK_ROWS = 1024;

/** Rows per forward pass over the validation split: 1024 table rows, 85 images of 64×64×3. */
export function evalChunkRows(inputWidth: number): number {
  return Math.max(1, Math.min(EVAL_CHUNK_ROWS, Math.floor(EVAL_CHUNK_VALUES / inputWidth)));
}

/**
 * Copy the rows `order[start..end)` of a row-major matrix into `into` (a batch). Returns the
 * filled part: a full batch is `into` itself, the last, shorter one a view of its start.
 */
function gatherRows(
  source: Float32Array,
  width: number,
  order: Uint32Array,
  start: number,
  end: number,
  into: Float32Array,
): Float32Array {
  for (let i = start; i < end; i++) {
    const row = order[i]!;
    into.set(source.subarray(row * width, row * width + width), (i - start) * width);
  }
  return end - start === into.length / width ? into : into.subarray(0, (end - start) * width);
}

/** The columns `indices` of a row-major matrix, as a matrix of their own (one Input's share of x). */
export function selectColumns(source: Float32Array, width: number, indices: readonly number[]): Float32Array {
  const rows = source.length / width;
  const k = indices.length;
  const out = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const from = r * width;
    const to = r * k;
    for (let j = 0; j < k; j++) out[to + j] = source[from + indices[j]!]!;
  }
  return out;
}

const NO_X = new Float32Array(0);

/**
 * A table's splits in memory; each batch gathered in JS (no per-step GatherV2 in the engine).
 * Several Inputs: x is split into one matrix per Input once, when the source opens, so a batch
 * gathers rows from each as it would from x.
 */
class TableBatchSource implements BatchSource {
  readonly trainRows: number;
  readonly valRows: number;
  readonly yTrain: Float32Array;
  private readonly order: Uint32Array;
  /** Per Input (several Inputs only): [width, train matrix, validation matrix]. */
  private readonly parts: { width: number; train: Float32Array; val: Float32Array }[] | null;

  constructor(
    private readonly data: PreparedData,
    private readonly splits: LoadedSplits,
    private readonly options: { batchSize: number; seed: number },
  ) {
    this.trainRows = data.trainRows;
    this.valRows = data.valRows;
    this.yTrain = splits.yTrain;
    this.order = new Uint32Array(data.trainRows);
    this.parts = data.inputs
      ? data.inputs.map((input) => ({
          width: input.indices.length,
          train: selectColumns(splits.xTrain, data.inputWidth, input.indices),
          val: selectColumns(splits.xVal, data.inputWidth, input.indices),
        }))
      : null;
  }

  /**
   * Batches are gathered into the same arrays every step: a fresh 400 KB array per batch cost
   * ~25 ms of an MLP epoch here (zeroed, faulted-in memory and the garbage collection after),
   * more than the copy itself. A batch is valid until the next one is asked for; the training
   * loop turns it into tensors (which copy, or are disposed before then) and scores it first.
   */
  async *trainBatches(epoch: number): AsyncGenerator<ModelBatch> {
    const { inputWidth, outputWidth, trainRows } = this.data;
    const rows = Math.min(this.options.batchSize, trainRows);
    const yInto = new Float32Array(rows * outputWidth);
    const xInto = this.parts ? NO_X : new Float32Array(rows * inputWidth);
    const partsInto = this.parts?.map((p) => new Float32Array(rows * p.width)) ?? [];
    shuffledIndices(trainRows, mulberry32(deriveSeed(this.options.seed, `shuffle:${epoch}`)), this.order);
    for (let start = 0; start < trainRows; start += this.options.batchSize) {
      const end = Math.min(start + this.options.batchSize, trainRows);
      const y = gatherRows(this.splits.yTrain, outputWidth, this.order, start, end, yInto);
      if (this.parts)
        yield {
          x: NO_X,
          inputs: this.parts.map((p, i) => gatherRows(p.train, p.width, this.order, start, end, partsInto[i]!)),
          y,
          size: end - start,
        };
      else yield { x: gatherRows(this.splits.xTrain, inputWidth, this.order, start, end, xInto), y, size: end - start };
    }
  }

  async *validationBatches(): AsyncGenerator<ModelBatch> {
    const { inputWidth, outputWidth, valRows } = this.data;
    const chunk = evalChunkRows(inputWidth);
    for (let start = 0; start < valRows; start += chunk) {
      const end = Math.min(start + chunk, valRows);
      const y = this.splits.yVal.subarray(start * outputWidth, end * outputWidth);
      if (this.parts)
        yield {
          x: NO_X,
          inputs: this.parts.map((p) => p.val.subarray(start * p.width, end * p.width)),
          y,
          size: end - start,
        };
      else yield { x: this.splits.xVal.subarray(start * inputWidth, end * inputWidth), y, size: end - start };
    }
  }

  async close(): Promise<void> {}
}

/**
 * A table too large to hold (tableMemoryBytes): training batches stream from x_train.f32 in a
 * seeded chunked permutation (table-stream.ts), validation rows from x_val/y_val in chunks.
 * Only y_train is held, for class weights and the batches' targets.
 */
class StreamedTableSource implements BatchSource {
  readonly trainRows: number;
  readonly valRows: number;

  private constructor(
    private readonly data: PreparedData,
    readonly yTrain: Float32Array,
    private readonly files: { xTrain: MatrixFile; xVal: MatrixFile; yVal: MatrixFile },
    private readonly options: { batchSize: number; seed: number },
  ) {
    this.trainRows = data.trainRows;
    this.valRows = data.valRows;
  }

  static async open(data: PreparedData, options: { batchSize: number; seed: number }): Promise<StreamedTableSource> {
    const yTrain = await readMatrix(data, 'y_train');
    const opened: MatrixFile[] = [];
    try {
      const file = async (split: SplitName, rows: number, width: number) => {
        const f = await MatrixFile.open(data.dir, split, rows, width);
        opened.push(f);
        return f;
      };
      const xTrain = await file('x_train', data.trainRows, data.inputWidth);
      const xVal = await file('x_val', data.valRows, data.inputWidth);
      const yVal = await file('y_val', data.valRows, data.outputWidth);
      return new StreamedTableSource(data, yTrain, { xTrain, xVal, yVal }, options);
    } catch (error) {
      await Promise.all(opened.map((f) => f.close()));
      throw error;
    }
  }

  /** Several Inputs: each Input's columns of a batch's x. */
  private split(batch: ModelBatch): ModelBatch {
    const { inputs, inputWidth } = this.data;
    if (!inputs) return batch;
    return { ...batch, x: NO_X, inputs: inputs.map((input) => selectColumns(batch.x, inputWidth, input.indices)) };
  }

  async *trainBatches(epoch: number): AsyncGenerator<ModelBatch> {
    for await (const batch of streamedTrainBatches(this.files.xTrain, this.yTrain, this.data.outputWidth, {
      ...this.options,
      epoch,
    }))
      yield this.split(batch);
  }

  async *validationBatches(): AsyncGenerator<ModelBatch> {
    const chunk = evalChunkRows(this.data.inputWidth);
    for await (const batch of streamedValidationBatches(this.files.xVal, this.files.yVal, chunk))
      yield this.split(batch);
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.files).map((f) => f.close()));
  }
}

/** An image run's batches from the shards; its targets and row counts checked against y_*.f32. */
class StreamedBatchSource implements BatchSource {
  readonly trainRows: number;
  readonly valRows: number;

  constructor(
    readonly yTrain: Float32Array,
    private readonly images: ImageBatchSource,
    data: PreparedData,
  ) {
    this.trainRows = data.trainRows;
    this.valRows = data.valRows;
  }

  trainBatches(epoch: number): AsyncIterable<TrainingBatch> {
    return this.images.trainBatches(epoch);
  }

  validationBatches(): AsyncIterable<TrainingBatch> {
    return this.images.validationBatches();
  }

  close(): Promise<void> {
    return this.images.close();
  }
}

/** The prepared data's image section checked against its own row counts and widths. */
function checkImages(data: PreparedData): NonNullable<PreparedData['images']> {
  const images = data.images!;
  const where = `The prepared data in ${data.dir}`;
  if (images.train.length !== data.trainRows || images.validation.length !== data.valRows) {
    throw new PreparedDataError(
      `${where} lists ${images.train.length} training and ${images.validation.length} validation images but says ${data.trainRows} and ${data.valRows}. Prepare the dataset again.`,
    );
  }
  if (images.height * images.width * images.channels !== data.inputWidth) {
    throw new PreparedDataError(
      `${where} has images of ${images.height}×${images.width}×${images.channels} but an input width of ${data.inputWidth}. Prepare the dataset again.`,
    );
  }
  return images;
}

/** Each Input's columns inside x and each head's slice of y, checked against the widths. */
function checkLayout(data: PreparedData): void {
  const where = `The prepared data in ${data.dir}`;
  if (data.images && data.inputs)
    throw new PreparedDataError(
      `${where} splits an image dataset between several Inputs; only tables can be. Prepare the dataset again.`,
    );
  for (const input of data.inputs ?? []) {
    const bad = input.indices.find((i) => i >= data.inputWidth);
    if (bad !== undefined)
      throw new PreparedDataError(
        `${where} gives the Input "${input.node}" column ${bad + 1} of x, which has ${data.inputWidth}. Prepare the dataset again.`,
      );
  }
  if (data.heads) {
    let offset = 0;
    for (const head of data.heads) {
      if (head.offset !== offset)
        throw new PreparedDataError(
          `${where} puts the head "${head.node}" at column ${head.offset + 1} of y instead of ${offset + 1}. Prepare the dataset again.`,
        );
      offset += head.width;
    }
    if (offset !== data.outputWidth)
      throw new PreparedDataError(
        `${where} has heads ${offset} values wide in all, but y rows of ${data.outputWidth}. Prepare the dataset again.`,
      );
  }
}

/**
 * Open a run's data for training. Tables are read whole, or streamed from their files when
 * larger than tableMemoryBytes (LAYERLAB_TABLE_MEMORY_BYTES, default 256 MiB); images stream
 * from their shards. Problems with the files come back as a PreparedDataError naming the file.
 */
export async function openBatchSource(
  data: PreparedData,
  options: { batchSize: number; seed: number },
): Promise<BatchSource> {
  checkLayout(data);
  if (!data.images) {
    if (tableBytes(data) > tableMemoryBytes()) return StreamedTableSource.open(data, options);
    return new TableBatchSource(data, await readSplits(data), options);
  }
  const images = checkImages(data);
  const yTrain = await readMatrix(data, 'y_train');
  try {
    return new StreamedBatchSource(
      yTrain,
      await ImageBatchSource.open(images, { ...options, evalChunk: evalChunkRows(data.inputWidth) }),
      data,
    );
  } catch (error) {
    if (error instanceof UserError) throw new PreparedDataError(error.message);
    throw error;
  }
}

/**
 * The first `maxRows` (default: all) validation inputs, row-major as the model takes them
 * (images: NHWC in [0, 1], unaugmented): what evaluation and the export's parity check predict
 * on. Image callers should pass maxRows: 10,000 validation images of 64×64×3 are 490 MB.
 */
export async function readValidationX(data: PreparedData, maxRows?: number): Promise<Float32Array> {
  const rows = Math.min(data.valRows, maxRows ?? data.valRows);
  if (!data.images) return readMatrix(data, 'x_val', rows);
  const images = checkImages(data);
  try {
    return await readValidationImages(images, rows);
  } catch (error) {
    if (error instanceof UserError) throw new PreparedDataError(error.message);
    throw error;
  }
}
