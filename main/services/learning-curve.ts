import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PreparedData } from '../../app/engine/protocol';
import type { LearningCurve, LearningCurvePoint } from '../../app/ipc/contract';
import { UserError } from '../../app/ipc/errors';
import type { EpochLogs, RunSummary } from '../../app/project/schema';
import { metricFor } from '../../app/training/config';
import { littleEndianBytes } from '../data/binary';
import { seededShuffle } from '../../app/math/seeded-random';
import type { EngineClient } from '../engine/client';
import { readMatrix } from '../engine/shared/prepared-data';

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

function pick(matrix: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(matrix.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/** A PreparedData folder whose training split is `rows` of the full one; validation files are copied as they are. */
async function writeSubset(
  data: PreparedData,
  train: { x: Float32Array; y: Float32Array },
  rows: readonly number[],
  dir: string,
): Promise<PreparedData> {
  await mkdir(dir, { recursive: true });
  // Plain writes: the folder is scratch, deleted when the curve ends, and rebuilt if it is left over.
  await writeFile(path.join(dir, 'y_train.f32'), littleEndianBytes(pick(train.y, data.outputWidth, rows)));
  await copyFile(path.join(data.dir, 'y_val.f32'), path.join(dir, 'y_val.f32'));
  // Images stay in their shards: an image subset is a list of image indices (and their labels).
  if (data.images)
    return {
      ...data,
      dir,
      trainRows: rows.length,
      images: { ...data.images, train: rows.map((r) => data.images!.train[r]!) },
    };
  await writeFile(path.join(dir, 'x_train.f32'), littleEndianBytes(pick(train.x, data.inputWidth, rows)));
  await copyFile(path.join(data.dir, 'x_val.f32'), path.join(dir, 'x_val.f32'));
  return { ...data, dir, trainRows: rows.length };
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
 * is re-imported: the subsets are sliced from the run's prepared files.
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
  const [x, y] = await Promise.all([
    data.images ? new Float32Array(0) : readMatrix(data, 'x_train'),
    readMatrix(data, 'y_train'),
  ]);
  const order = subsetOrder(data.trainRows, run.trainConfig.seed);
  const sizes = subsetSizes(data.trainRows, fractions);
  const workDir = path.join(options.runDir, LEARNING_CURVE_DIR);
  const points: LearningCurvePoint[] = [];
  await rm(workDir, { recursive: true, force: true });
  try {
    for (let step = 0; step < fractions.length; step++) {
      if (options.isCancelled()) return { runId: run.id, metric, status: 'cancelled', points };
      const fraction = fractions[step]!;
      const trainRows = sizes[step]!;
      const stepDir = path.join(workDir, `${Math.round(fraction * 100)}`);
      const subset = await writeSubset(data, { x, y }, order.slice(0, trainRows), path.join(stepDir, 'data'));
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
