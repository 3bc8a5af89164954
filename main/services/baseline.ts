import type { Baseline } from '../../app/diagnostics/baseline';
import type { PreparedData } from '../../app/engine/protocol';
import { headFor, type LossName } from '../../app/training/config';
import { headKind, headsOf } from '../../app/engine/heads';
import { selectColumns } from '../engine/shared/prepared-data';
import { MatrixFile } from '../engine/shared/table-stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { littleEndianBytes } from '../data/binary';
import { openWindowAnchors, type AnchorReader } from '../data/prepare-windows';
import { undoDifferencing, type ForecastReport } from '../../app/dataset/windows';
import type { EngineClient } from '../engine/client';

/**
 * tfjs clips probabilities to [ε, 1 − ε] (its backend epsilon) before taking logs in its
 * cross-entropies; the baseline does the same so its loss is what the engine would report for a
 * model that output these probabilities.
 */
const EPSILON = 1e-7;
const clip = (p: number) => Math.min(1 - EPSILON, Math.max(EPSILON, p));

/** Keras' Huber delta, on the standardized target (as main/engine/process/objective.ts uses it). */
const HUBER_DELTA = 1;

/** Validation windows the engine predicts at a time for a forecast report (forecastReport). */
const FORECAST_WINDOWS = 1 << 16;

/** Rows of y read at a time by default: 2^20 values at most, whatever the split's size. */
const CHUNK_VALUES = 1 << 20;

/** A split's targets (of one head, or all), a chunk of rows at a time; may be walked more than once. */
type Targets = () => AsyncIterable<Float32Array>;

/** The y file of a split, a chunk of `chunkRows` rows at a time, each chunk through `select` (one head's columns). */
function targetsOf(file: MatrixFile, chunkRows: number, select?: (chunk: Float32Array) => Float32Array): Targets {
  return async function* () {
    const buffer = new Float32Array(Math.min(file.rows, chunkRows) * file.width);
    for (let start = 0; start < file.rows; start += chunkRows) {
      const n = Math.min(chunkRows, file.rows - start);
      await file.read(start, n, buffer);
      const chunk = buffer.subarray(0, n * file.width);
      yield select ? select(chunk) : chunk;
    }
  };
}

/** Both y files of a run, open for `work`, closed after it. */
async function withTargets<T>(
  data: PreparedData,
  work: (train: MatrixFile, val: MatrixFile) => Promise<T>,
): Promise<T> {
  const opened = await Promise.allSettled([
    MatrixFile.open(data.dir, 'y_train', data.trainRows, data.outputWidth),
    MatrixFile.open(data.dir, 'y_val', data.valRows, data.outputWidth),
  ]);
  try {
    // Report the first problem in file order, not whichever open happened to fail first.
    const [train, val] = opened.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    }) as [MatrixFile, MatrixFile];
    return await work(train, val);
  } finally {
    for (const r of opened) if (r.status === 'fulfilled') await r.value.close();
  }
}

/** Options of the baseline computations. */
export interface BaselineOptions {
  /** Rows of y read at a time (default: 2^20 values); the result is the same for any value. */
  chunkRows?: number;
}

/**
 * The naive baseline of a run, on both splits, in the loss and metric the engine reports:
 * - classification predicts the training split's class frequencies for every row (the best
 *   constant under cross-entropy); its accuracy is the majority class's rate (ties: the first
 *   class, as tf.argMax picks; two classes: the positive class only above 0.5, as the engine's
 *   sigmoid threshold).
 * - regression predicts the training split's mean. The prepared targets are standardized
 *   ((y − mean) / std, preprocessing.targetScaling), so errors are computed there and scaled back
 *   like the engine's: squared losses × std², absolute ones × std, giving the target's own units.
 * Null for a loss it has no formula for, rather than a number that would mislead.
 * The y files are read a chunk of rows at a time (issue 19), each sum in row order, so memory is
 * a chunk whatever the rows and the numbers are those of the whole arrays.
 */
export async function computeBaseline(
  data: PreparedData,
  loss?: LossName,
  options: BaselineOptions = {},
): Promise<Baseline | null> {
  // Several heads have one baseline each (headBaselines); one number for all would mislead.
  if (data.heads && data.heads.length > 1) return null;
  const width = data.outputWidth;
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? CHUNK_VALUES / Math.max(1, width)));
  return withTargets(data, async (trainFile, valFile) => {
    const [train, val] = [trainFile, valFile].map((file) => targetsOf(file, chunkRows)) as [Targets, Targets];
    const task = data.preprocessing.task;
    const lossName = loss ?? headFor(task, task === 'classification' && width === 1 ? 2 : width).loss;
    if (data.preprocessing.windows) return lastValueBaseline(train, val, data, lossName, chunkRows);
    return task === 'regression'
      ? regressionBaseline(train, val, data, lossName)
      : classificationBaseline(train, val, width, lossName);
  });
}

/**
 * The naive baseline of each head of a run with several (by the head's Output node id), in the
 * head's own loss (its task's default, as the engine trains it) and metric, on its own columns of y.
 */
export async function headBaselines(
  data: PreparedData,
  options: BaselineOptions = {},
): Promise<Record<string, Baseline | null>> {
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? CHUNK_VALUES / Math.max(1, data.outputWidth)));
  return withTargets(data, async (trainFile, valFile) => {
    const out: Record<string, Baseline | null> = {};
    for (const head of headsOf(data)) {
      const columns = Array.from({ length: head.width }, (_, k) => head.offset + k);
      const select = (chunk: Float32Array) => selectColumns(chunk, data.outputWidth, columns);
      const train = targetsOf(trainFile, chunkRows, select);
      const val = targetsOf(valFile, chunkRows, select);
      const kind = headKind(head);
      const loss = headFor(kind.task, kind.classes).loss;
      out[head.node] =
        head.task === 'regression'
          ? await regressionBaseline(
              train,
              val,
              {
                ...data,
                preprocessing: { ...data.preprocessing, ...(head.scaling ? { targetScaling: head.scaling } : {}) },
              },
              loss,
            )
          : await classificationBaseline(train, val, head.width, loss);
    }
    return out;
  });
}

/** Per-sample regression losses on the standardized target, and the factor back to the target's units. */
function regressionLoss(loss: LossName, std: number): { f: (e: number) => number; scale: number } | undefined {
  const perSample: Partial<Record<LossName, { f: (e: number) => number; scale: number }>> = {
    meanSquaredError: { f: (e) => e * e, scale: std * std },
    meanAbsoluteError: { f: (e) => Math.abs(e), scale: std },
    huber: {
      f: (e) => (Math.abs(e) <= HUBER_DELTA ? 0.5 * e * e : HUBER_DELTA * (Math.abs(e) - 0.5 * HUBER_DELTA)),
      scale: std * std,
    },
  };
  return perSample[loss];
}

/**
 * Time-series windows: the naive forecast "no change" (y[t+h] = y[t], the window's last value;
 * with differencing, a change of 0), in the units the engine reports for the run: the target's
 * own units, or the relative change with percent-change differencing. Each window's y is read
 * beside its anchors (openWindowAnchors), a chunk of windows at a time.
 */
async function lastValueBaseline(
  train: Targets,
  val: Targets,
  data: PreparedData,
  loss: LossName,
  chunkRows: number,
): Promise<Baseline | null> {
  const windows = data.preprocessing.windows!;
  const { mean, std } = data.preprocessing.targetScaling ?? { mean: 0, std: 1 };
  const chosen = regressionLoss(loss, std);
  if (!chosen) return null;
  const [trainAnchors, valAnchors] = await Promise.all([
    openWindowAnchors(data.dir, 'train'),
    openWindowAnchors(data.dir, 'validation'),
  ]);
  if (trainAnchors?.count !== data.trainRows || valAnchors?.count !== data.valRows) return null;
  // The naive forecast on the standardized scale the y files hold.
  const naive = (last: number) => ((windows.differencing === 'none' ? last : 0) - mean) / std;
  /** Mean loss and mean absolute error of the naive forecast over a split's windows. */
  const averages = async (ys: Targets, anchors: AnchorReader) => {
    const pairs = anchors.chunks(chunkRows)[Symbol.asyncIterator]();
    try {
      return await averageErrors(ys, chosen.f, async (chunk) => {
        const next = await pairs.next();
        if (next.done || next.value.length !== chunk.length * 2)
          throw new Error('The window anchors and y differ in length.');
        const lasts = next.value;
        return (w) => naive(lasts[2 * w] ?? Number.NaN);
      });
    } finally {
      // Ends the anchors' reader (it closes its file) whether or not it was read to its end.
      await pairs.return?.(undefined);
    }
  };
  const trained = await averages(train, trainAnchors);
  const validated = await averages(val, valAnchors);
  return regressionResult('last_value', trained, validated, chosen.scale, std);
}

async function regressionBaseline(
  train: Targets,
  val: Targets,
  data: PreparedData,
  loss: LossName,
): Promise<Baseline | null> {
  const std = data.preprocessing.targetScaling?.std ?? 1;
  const chosen = regressionLoss(loss, std);
  if (!chosen) return null;
  let mean = 0;
  let rows = 0;
  for await (const chunk of train()) {
    for (const y of chunk) mean += y;
    rows += chunk.length;
  }
  mean /= rows;
  /** Mean loss and mean absolute error of predicting the mean. */
  const averages = (ys: Targets) => averageErrors(ys, chosen.f, async () => () => mean);
  const trained = await averages(train);
  const validated = await averages(val);
  return regressionResult('training_mean', trained, validated, chosen.scale, std);
}

/**
 * Mean per-sample loss (`lossOf`) and mean absolute error of a forecast over a split's values
 * of y, on the standardized target: each error is y − forecast, each sum in file order.
 * `forecastOf` is called once for each chunk of y, in order, and gives that chunk's value w's forecast.
 */
async function averageErrors(
  ys: Targets,
  lossOf: (error: number) => number,
  forecastOf: (chunk: Float32Array) => Promise<(w: number) => number>,
): Promise<{ loss: number; mae: number }> {
  let lossSum = 0;
  let absSum = 0;
  let count = 0;
  for await (const chunk of ys()) {
    const forecast = await forecastOf(chunk);
    for (let w = 0; w < chunk.length; w++) {
      const error = chunk[w]! - forecast(w);
      lossSum += lossOf(error);
      absSum += Math.abs(error);
    }
    count += chunk.length;
  }
  return { loss: lossSum / count, mae: absSum / count };
}

/** A regression baseline from both splits' averages: the loss × `scale`, the MAE × std (the target's units). */
function regressionResult(
  kind: Baseline['kind'],
  trained: { loss: number; mae: number },
  validated: { loss: number; mae: number },
  scale: number,
  std: number,
): Baseline {
  return {
    kind,
    loss: trained.loss * scale,
    val_loss: validated.loss * scale,
    mae: trained.mae * std,
    val_mae: validated.mae * std,
  };
}

async function classificationBaseline(
  train: Targets,
  val: Targets,
  width: number,
  loss: LossName,
): Promise<Baseline | null> {
  if (width === 1) {
    if (loss !== 'binaryCrossentropy') return null;
    let positives = 0;
    let rows = 0;
    for await (const chunk of train()) {
      for (const y of chunk) positives += y > 0.5 ? 1 : 0;
      rows += chunk.length;
    }
    const p = positives / rows;
    const predictPositive = p > 0.5;
    const score = async (ys: Targets) => {
      let l = 0;
      let right = 0;
      let count = 0;
      for await (const chunk of ys()) {
        for (const y of chunk) {
          const positive = y > 0.5;
          l -= positive ? Math.log(clip(p)) : Math.log(1 - clip(p));
          right += positive === predictPositive ? 1 : 0;
        }
        count += chunk.length;
      }
      return { loss: l / count, accuracy: right / count };
    };
    const trained = await score(train);
    const validated = await score(val);
    return {
      kind: 'majority_class',
      loss: trained.loss,
      val_loss: validated.loss,
      accuracy: trained.accuracy,
      val_accuracy: validated.accuracy,
    };
  }
  if (loss !== 'categoricalCrossentropy' && loss !== 'sparseCategoricalCrossentropy') return null;
  const labelOf = (ys: Float32Array, row: number) => {
    let best = 0;
    for (let k = 1; k < width; k++) if (ys[row * width + k]! > ys[row * width + best]!) best = k;
    return best;
  };
  const counts = new Array<number>(width).fill(0);
  let trainRows = 0;
  for await (const chunk of train()) {
    const rows = chunk.length / width;
    for (let r = 0; r < rows; r++) counts[labelOf(chunk, r)]! += 1;
    trainRows += rows;
  }
  const priors = counts.map((c) => c / trainRows);
  const majority = priors.indexOf(Math.max(...priors));
  const score = async (ys: Targets) => {
    let l = 0;
    let right = 0;
    let count = 0;
    for await (const chunk of ys()) {
      const rows = chunk.length / width;
      for (let r = 0; r < rows; r++) {
        const label = labelOf(chunk, r);
        l -= Math.log(clip(priors[label]!));
        right += label === majority ? 1 : 0;
      }
      count += rows;
    }
    return { loss: l / count, accuracy: right / count };
  };
  const trained = await score(train);
  const validated = await score(val);
  return {
    kind: 'majority_class',
    loss: trained.loss,
    val_loss: validated.loss,
    accuracy: trained.accuracy,
    val_accuracy: validated.accuracy,
  };
}

/**
 * Score a trained forecaster against the naive last value on every validation window, in the
 * target's own units: the engine's epoch MAE is in the model's units, which for percent change
 * are relative changes, so the comparison a user reads is made here from the windows' anchors.
 */
export async function forecastReport(
  engine: Pick<EngineClient, 'evaluate'>,
  modelDir: string,
  data: PreparedData,
  options: BaselineOptions = {},
): Promise<ForecastReport | null> {
  const windows = data.preprocessing.windows;
  if (!windows) return null;
  const anchors = await openWindowAnchors(data.dir, 'validation');
  const count = anchors?.count ?? 0;
  if (!anchors || count !== data.valRows)
    throw new Error(`The evaluation gave ${data.valRows} forecasts for ${count} validation windows.`);
  // The engine predicts a chunk of windows at a time, each from a folder of that chunk's x and y
  // (issue 19): all of a long series' validation windows at once were every forecast as JSON.
  const step = Math.max(1, Math.floor(options.chunkRows ?? FORECAST_WINDOWS));
  let model = 0;
  let naive = 0;
  const pairs = anchors.chunks(step)[Symbol.asyncIterator]();
  const scratch = data.valRows > step ? await mkdtemp(path.join(data.dir, '.forecast-')) : null;
  const [x, y] = scratch
    ? await Promise.all([
        MatrixFile.open(data.dir, 'x_val', data.valRows, data.inputWidth),
        MatrixFile.open(data.dir, 'y_val', data.valRows, data.outputWidth),
      ])
    : [null, null];
  try {
    for (let start = 0; start < data.valRows; start += step) {
      const n = Math.min(step, data.valRows - start);
      let chunkData = data;
      if (scratch && x && y) {
        const xs = new Float32Array(n * data.inputWidth);
        const ys = new Float32Array(n * data.outputWidth);
        await x.read(start, n, xs);
        await y.read(start, n, ys);
        await writeFile(path.join(scratch, 'x_val.f32'), littleEndianBytes(xs));
        await writeFile(path.join(scratch, 'y_val.f32'), littleEndianBytes(ys));
        chunkData = { ...data, dir: scratch, valRows: n };
      }
      const result = await engine.evaluate({ modelDir, data: chunkData, maxRows: n });
      const next = await pairs.next();
      if (result.outputs.length !== n || next.done || next.value.length !== n * 2)
        throw new Error(`The evaluation gave ${result.outputs.length} forecasts for ${n} validation windows.`);
      const lasts = next.value;
      result.outputs.forEach((output, w) => {
        const last = lasts[2 * w]!;
        const actual = lasts[2 * w + 1]!;
        model += Math.abs(undoDifferencing(output[0]!, last, windows.differencing) - actual);
        naive += Math.abs(last - actual);
      });
    }
  } finally {
    await pairs.return?.(undefined);
    await Promise.all([x?.close(), y?.close()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
  const n = data.valRows;
  return {
    time_column: windows.timeColumn,
    lookback: windows.lookback,
    horizon: windows.horizon,
    differencing: windows.differencing,
    val_windows: n,
    model_val_mae: model / n,
    baseline_val_mae: naive / n,
  };
}
