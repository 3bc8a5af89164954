import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PreparedData } from '../../app/engine/protocol';
import type { LearningCurve, LearningCurvePoint } from '../../app/ipc/contract';
import { UserError } from '../../app/ipc/errors';
import type { EpochLogs, RunSummary } from '../../app/project/schema';
import { metricFor } from '../../app/training/config';
import { seededShuffle } from '../../app/math/seeded-random';
import { bucketRowsFor, ScatterMatrix } from '../data/scatter-matrix';
import type { EngineClient } from '../engine/client';
import { MatrixFile } from '../engine/shared/table-stream';

/** The shares of the training split a learning curve retrains on, smallest first. */
export const LEARNING_CURVE_FRACTIONS = [0.1, 0.25, 0.5, 1] as const;
/** runs/<id>/<this>/: the subsets and throw-away models while a curve runs; removed after. */
export const LEARNING_CURVE_DIR = 'learning-curve-tmp';

export interface CurveProgress {
  step: number;
  steps: number;
  fraction: number;
  trainRows: number;
  epoch: number;
  epochs: number;
  point?: LearningCurvePoint;
}

/** Rows of the training split each fraction keeps: at least one, all of them at 100%. */
export function subsetSizes(trainRows: number, fractions: readonly number[] = LEARNING_CURVE_FRACTIONS): number[] {
  return fractions.map((f) => Math.min(trainRows, Math.max(1, Math.round(f * trainRows))));
}

/**
 * Training rows in a seeded order; each subset is a prefix of it, so the subsets nest (the 25%
 * rows include the 10% rows) and the curve shows what adding data does, not a new random draw.
 */
export function subsetOrder(trainRows: number, seed: number): number[] {
  return seededShuffle(
    Array.from({ length: trainRows }, (_, i) => i),
    seed,
  );
}

/** Rows of the training split read at a time while it is put in the curve's order. */
const READ_BLOCK_ROWS = 1 << 16;

/**
 * The training split's `split` ('x_train' or 'y_train') with row order[i] as row i, written to
 * `file`: read a block of rows at a time and put in place through bucket files (ScatterMatrix),
 * so memory is a block and a bucket whatever the row count; each subset is then a prefix of it.
 */
async function writeInOrder(
  data: PreparedData,
  split: 'x_train' | 'y_train',
  width: number,
  position: Int32Array,
  file: string,
  scratch: string,
  sizes: OrderSizes,
): Promise<void> {
  const rows = data.trainRows;
  const blockRows = Math.max(1, sizes.blockRows ?? READ_BLOCK_ROWS);
  const matrix = new ScatterMatrix(scratch, rows, width, sizes.bucketRows ?? bucketRowsFor(width));
  const source = await MatrixFile.open(data.dir, split, rows, width);
  try {
    const block = new Float32Array(Math.min(rows, blockRows) * width);
    for (let start = 0; start < rows; start += blockRows) {
      const count = Math.min(blockRows, rows - start);
      await source.read(start, count, block);
      for (let i = 0; i < count; i++) matrix.put(position[start + i]!, block, i * width);
      await matrix.drain();
    }
  } finally {
    await source.close();
  }
  // Plain writes: the folder is scratch, deleted when the curve ends, and rebuilt if it is left over.
  await writeFile(file, matrix.blocks());
  await rm(scratch, { recursive: true, force: true });
}

/** The first `bytes` bytes of `from`, streamed to `to`. */
async function copyPrefix(from: string, to: string, bytes: number): Promise<void> {
  if (bytes === 0) return writeFile(to, new Uint8Array(0));
  await pipeline(createReadStream(from, { start: 0, end: bytes - 1 }), createWriteStream(to));
}

/** Rows read at a time and rows a bucket puts in order (defaults: READ_BLOCK_ROWS, 32 MiB); tests make them small. */
export interface OrderSizes {
  blockRows?: number;
  bucketRows?: number;
}

/**
 * The training split in the curve's order (x_train unless the data is images, and y_train),
 * written once into `dir`; subsets are its prefixes.
 */
export async function writeOrderedTrain(
  data: PreparedData,
  order: readonly number[],
  dir: string,
  sizes: OrderSizes = {},
): Promise<OrderedTrain> {
  await mkdir(dir, { recursive: true });
  const position = new Int32Array(order.length);
  order.forEach((row, i) => (position[row] = i));
  const y = path.join(dir, 'y_train.f32');
  await writeInOrder(data, 'y_train', data.outputWidth, position, y, path.join(dir, 'y-rows'), sizes);
  if (data.images) return { x: null, y };
  const x = path.join(dir, 'x_train.f32');
  await writeInOrder(data, 'x_train', data.inputWidth, position, x, path.join(dir, 'x-rows'), sizes);
  return { x, y };
}

export interface OrderedTrain {
  x: string | null;
  y: string;
}

/** A PreparedData folder whose training split is the first `rows` rows of the ordered one; validation files are copied as they are. */
async function writeSubset(
  data: PreparedData,
  ordered: OrderedTrain,
  order: readonly number[],
  rows: number,
  dir: string,
): Promise<PreparedData> {
  await mkdir(dir, { recursive: true });
  await copyPrefix(ordered.y, path.join(dir, 'y_train.f32'), rows * data.outputWidth * 4);
  await copyFile(path.join(data.dir, 'y_val.f32'), path.join(dir, 'y_val.f32'));
  // Images stay in their shards: an image subset is a list of image indices (and their labels).
  if (data.images)
    return {
      ...data,
      dir,
      trainRows: rows,
      images: { ...data.images, train: order.slice(0, rows).map((r) => data.images!.train[r]!) },
    };
  await copyPrefix(ordered.x!, path.join(dir, 'x_train.f32'), rows * data.inputWidth * 4);
  await copyFile(path.join(data.dir, 'x_val.f32'), path.join(dir, 'x_val.f32'));
  return { ...data, dir, trainRows: rows };
}

function pointOf(
  fraction: number,
  trainRows: number,
  last: EpochLogs | undefined,
  metric: 'accuracy' | 'mae',
): LearningCurvePoint {
  return {
    fraction,
    trainRows,
    loss: last?.loss ?? null,
    val_loss: last?.val_loss ?? null,
    score: last?.[metric] ?? null,
    val_score: last?.[`val_${metric}`] ?? null,
  };
}

/**
 * Retrain a finished run's graph with its settings on growing seeded subsets of its training
 * split, one after another on the one engine, all scored on the same validation split. Nothing
 * is re-imported: the subsets are sliced from the run's prepared files, which are never read
 * whole (the training split is put in the curve's order once, a block at a time; each subset is
 * a prefix of it).
 */
export async function runLearningCurve(options: {
  engine: EngineClient;
  run: RunSummary;
  runDir: string;
  data: PreparedData;
  onProgress: (progress: CurveProgress) => void;
  isCancelled: () => boolean;
  /** Called with the engine run id of the retraining in progress, so a cancel can reach it. */
  onTraining: (engineRunId: string | null) => void;
  fractions?: readonly number[];
}): Promise<LearningCurve> {
  const { engine, run, data } = options;
  const fractions = options.fractions ?? LEARNING_CURVE_FRACTIONS;
  const metric = metricFor(run.task);
  const order = subsetOrder(data.trainRows, run.trainConfig.seed);
  const sizes = subsetSizes(data.trainRows, fractions);
  const workDir = path.join(options.runDir, LEARNING_CURVE_DIR);
  const points: LearningCurvePoint[] = [];
  await rm(workDir, { recursive: true, force: true });
  try {
    const ordered = await writeOrderedTrain(data, order, path.join(workDir, 'ordered'));
    for (let step = 0; step < fractions.length; step++) {
      if (options.isCancelled()) return { runId: run.id, metric, status: 'cancelled', points };
      const fraction = fractions[step]!;
      const trainRows = sizes[step]!;
      const stepDir = path.join(workDir, `${Math.round(fraction * 100)}`);
      const subset = await writeSubset(data, ordered, order, trainRows, path.join(stepDir, 'data'));
      const epochs: EpochLogs[] = [];
      if (options.isCancelled()) return { runId: run.id, metric, status: 'cancelled', points };
      const engineRunId = `${run.id}-curve-${Math.round(fraction * 100)}`;
      options.onTraining(engineRunId);
      // A run that started from an imported model's weights retrains from them too (its own copy).
      const initialWeights = existsSync(path.join(options.runDir, 'initial-weights.bin'))
        ? { initialWeights: path.join(options.runDir, 'initial-weights.bin') }
        : {};
      const done = await engine.train(
        {
          runId: engineRunId,
          runDir: stepDir,
          data: subset,
          graph: run.graph,
          config: run.trainConfig,
          ...initialWeights,
        },
        (event) => {
          // A cancel that came while the engine was still starting this retraining missed it; repeat it.
          if (options.isCancelled()) engine.cancel(engineRunId);
          if (event.type !== 'epoch') return;
          epochs.push(event.logs);
          options.onProgress({
            step,
            steps: fractions.length,
            fraction,
            trainRows,
            epoch: event.logs.epoch,
            epochs: run.trainConfig.epochs,
          });
        },
      );
      options.onTraining(null);
      // The subset's copy is not needed any more: at 10M rows each one is hundreds of MB of disk.
      await rm(subset.dir, { recursive: true, force: true });
      if (done.status === 'cancelled') return { runId: run.id, metric, status: 'cancelled', points };
      if (done.status === 'failed')
        throw new UserError(
          `The learning curve stopped: retraining on ${Math.round(fraction * 100)}% of the training rows (${trainRows}) failed: ${done.error ?? 'no reason given'}`,
        );
      const point = pointOf(fraction, trainRows, epochs.at(-1), metric);
      points.push(point);
      options.onProgress({
        step,
        steps: fractions.length,
        fraction,
        trainRows,
        epoch: epochs.at(-1)?.epoch ?? 0,
        epochs: run.trainConfig.epochs,
        point,
      });
    }
    return { runId: run.id, metric, status: 'completed', points };
  } finally {
    options.onTraining(null);
    await rm(workDir, { recursive: true, force: true });
  }
}
