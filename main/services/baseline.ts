import type { Baseline } from '../../app/diagnostics/baseline';
import type { PreparedData } from '../../app/engine/protocol';
import { headFor, type LossName } from '../../app/training/config';
import { headKind, headsOf } from '../../app/engine/heads';
import { readMatrix, selectColumns } from '../engine/shared/prepared-data';
import { readWindowAnchors } from '../data/prepare-windows';
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
 */
export async function computeBaseline(data: PreparedData, loss?: LossName): Promise<Baseline | null> {
  // Several heads have one baseline each (headBaselines); one number for all would mislead.
  if (data.heads && data.heads.length > 1) return null;
  const [yTrain, yVal] = await Promise.all([readMatrix(data, 'y_train'), readMatrix(data, 'y_val')]);
  const task = data.preprocessing.task;
  const width = data.outputWidth;
  const lossName = loss ?? headFor(task, task === 'classification' && width === 1 ? 2 : width).loss;
  if (data.preprocessing.windows) return lastValueBaseline(yTrain, yVal, data, lossName);
  return task === 'regression'
    ? regressionBaseline(yTrain, yVal, data, lossName)
    : classificationBaseline(yTrain, yVal, width, lossName);
}

/**
 * The naive baseline of each head of a run with several (by the head's Output node id), in the
 * head's own loss (its task's default, as the engine trains it) and metric, on its own columns of y.
 */
export async function headBaselines(data: PreparedData): Promise<Record<string, Baseline | null>> {
  const [yTrain, yVal] = await Promise.all([readMatrix(data, 'y_train'), readMatrix(data, 'y_val')]);
  const out: Record<string, Baseline | null> = {};
  for (const head of headsOf(data)) {
    const columns = Array.from({ length: head.width }, (_, k) => head.offset + k);
    const train = selectColumns(yTrain, data.outputWidth, columns);
    const val = selectColumns(yVal, data.outputWidth, columns);
    const kind = headKind(head);
    const loss = headFor(kind.task, kind.classes).loss;
    out[head.node] =
      head.task === 'regression'
        ? regressionBaseline(
            train,
            val,
            {
              ...data,
              preprocessing: { ...data.preprocessing, ...(head.scaling ? { targetScaling: head.scaling } : {}) },
            },
            loss,
          )
        : classificationBaseline(train, val, head.width, loss);
  }
  return out;
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
 * own units, or the relative change with percent-change differencing.
 */
async function lastValueBaseline(
  yTrain: Float32Array,
  yVal: Float32Array,
  data: PreparedData,
  loss: LossName,
): Promise<Baseline | null> {
  const windows = data.preprocessing.windows!;
  const { mean, std } = data.preprocessing.targetScaling ?? { mean: 0, std: 1 };
  const chosen = regressionLoss(loss, std);
  if (!chosen) return null;
  const anchors = await readWindowAnchors(data.dir);
  // The naive forecast on the standardized scale the y files hold.
  const naive = (last: number) => ((windows.differencing === 'none' ? last : 0) - mean) / std;
  const avg = (ys: Float32Array, lasts: readonly number[], f: (e: number) => number) => {
    let sum = 0;
    ys.forEach((y, w) => (sum += f(y - naive(lasts[w] ?? Number.NaN))));
    return sum / ys.length;
  };
  const { train, validation } = anchors;
  if (train.last.length !== yTrain.length || validation.last.length !== yVal.length) return null;
  return {
    kind: 'last_value',
    loss: avg(yTrain, train.last, chosen.f) * chosen.scale,
    val_loss: avg(yVal, validation.last, chosen.f) * chosen.scale,
    mae: avg(yTrain, train.last, Math.abs) * std,
    val_mae: avg(yVal, validation.last, Math.abs) * std,
  };
}

function regressionBaseline(
  yTrain: Float32Array,
  yVal: Float32Array,
  data: PreparedData,
  loss: LossName,
): Baseline | null {
  const std = data.preprocessing.targetScaling?.std ?? 1;
  let mean = 0;
  for (const y of yTrain) mean += y;
  mean /= yTrain.length;
  const chosen = regressionLoss(loss, std);
  if (!chosen) return null;
  const avg = (ys: Float32Array, f: (e: number) => number) => ys.reduce((s, y) => s + f(y - mean), 0) / ys.length;
  return {
    kind: 'training_mean',
    loss: avg(yTrain, chosen.f) * chosen.scale,
    val_loss: avg(yVal, chosen.f) * chosen.scale,
    mae: avg(yTrain, Math.abs) * std,
    val_mae: avg(yVal, Math.abs) * std,
  };
}

function classificationBaseline(
  yTrain: Float32Array,
  yVal: Float32Array,
  width: number,
  loss: LossName,
): Baseline | null {
  if (width === 1) {
    if (loss !== 'binaryCrossentropy') return null;
    let positives = 0;
    for (const y of yTrain) positives += y > 0.5 ? 1 : 0;
    const p = positives / yTrain.length;
    const predictPositive = p > 0.5;
    const score = (ys: Float32Array) => {
      let l = 0;
      let right = 0;
      for (const y of ys) {
        const positive = y > 0.5;
        l -= positive ? Math.log(clip(p)) : Math.log(1 - clip(p));
        right += positive === predictPositive ? 1 : 0;
      }
      return { loss: l / ys.length, accuracy: right / ys.length };
    };
    const train = score(yTrain);
    const val = score(yVal);
    return {
      kind: 'majority_class',
      loss: train.loss,
      val_loss: val.loss,
      accuracy: train.accuracy,
      val_accuracy: val.accuracy,
    };
  }
  if (loss !== 'categoricalCrossentropy' && loss !== 'sparseCategoricalCrossentropy') return null;
  const labelOf = (ys: Float32Array, row: number) => {
    let best = 0;
    for (let k = 1; k < width; k++) if (ys[row * width + k]! > ys[row * width + best]!) best = k;
    return best;
  };
  const trainRows = yTrain.length / width;
  const counts = new Array<number>(width).fill(0);
  for (let r = 0; r < trainRows; r++) counts[labelOf(yTrain, r)]! += 1;
  const priors = counts.map((c) => c / trainRows);
  const majority = priors.indexOf(Math.max(...priors));
  const score = (ys: Float32Array) => {
    const rows = ys.length / width;
    let l = 0;
    let right = 0;
    for (let r = 0; r < rows; r++) {
      const label = labelOf(ys, r);
      l -= Math.log(clip(priors[label]!));
      right += label === majority ? 1 : 0;
    }
    return { loss: l / rows, accuracy: right / rows };
  };
  const train = score(yTrain);
  const val = score(yVal);
  return {
    kind: 'majority_class',
    loss: train.loss,
    val_loss: val.loss,
    accuracy: train.accuracy,
    val_accuracy: val.accuracy,
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
): Promise<ForecastReport | null> {
  const windows = data.preprocessing.windows;
  if (!windows) return null;
  const { validation } = await readWindowAnchors(data.dir);
  const result = await engine.evaluate({ modelDir, data, maxRows: data.valRows });
  if (result.outputs.length !== validation.last.length)
    throw new Error(
      `The evaluation gave ${result.outputs.length} forecasts for ${validation.last.length} validation windows.`,
    );
  let model = 0;
  let naive = 0;
  result.outputs.forEach((output, w) => {
    const last = validation.last[w]!;
    const actual = validation.actual[w]!;
    model += Math.abs(undoDifferencing(output[0]!, last, windows.differencing) - actual);
    naive += Math.abs(last - actual);
  });
  const n = result.outputs.length;
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
