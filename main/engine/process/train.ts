import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { headsOf, resolveHeadsConfig } from '../../../app/engine/heads';
import type { BatchLogs, TrainRequest } from '../../../app/engine/protocol';
import type { EarlyStopInfo, EpochLogs } from '../../../app/project/schema';
import type { CheckpointState } from '../../../app/training/checkpoint';
import { classCounts, classOfRow, classWeightsFor } from '../../../app/training/class-weights';
import { TrainConfigError, type MetricName, type ResolvedTrainConfig } from '../../../app/training/config';
import {
  initialEarlyStoppingState,
  observeForEarlyStopping,
  type EarlyStoppingState,
} from '../../../app/training/early-stopping';
import {
  initialScheduleState,
  learningRateAt,
  observeEpoch,
  type ScheduleSettings,
  type ScheduleState,
} from '../../../app/training/lr-schedule';
import { finderSteps, type LrFinderResult } from '../../../app/training/lr-finder';
import { MetricAccumulator } from '../../../app/training/metrics';
import { stageFolder } from '../shared/atomic-folder';
import { buildModel, GraphBuildError, setDropoutSeed, type BuiltModel } from './build-model';
import { readWeightsFile, WeightsFileError, type NodeWeights } from '../shared/import/weights-file';
import { readCheckpoint, readWeights, SnapshotBuffer, writeCheckpoint, writeWeights } from './checkpoint';
import { PREPROCESSING_JSON, saveModel } from './model-io';
import { fitModelToData, ModelFitError, type ModelFit, type TrainedHead } from './model-fit';
import { denseFastPath } from './accelerations/dense-fast-path';
import { findLearningRate } from './lr-finder';
import {
  createOptimizer,
  optimizerWeights,
  type NamedTensor,
  setLearningRate,
  setOptimizerWeights,
} from './optimizers';
import {
  openBatchSource,
  PreparedDataError,
  selectColumns,
  type BatchSource,
  type ModelBatch,
} from '../shared/prepared-data';
import { deriveSeed, mulberry32, nextIntSeed } from '../../../app/math/seeded-random';

/** What one training run needs: the engine protocol's train request. */
export type TrainJob = TrainRequest;

export interface TrainHooks {
  /** After every batch (the engine process throttles what it forwards). */
  onBatch?(logs: BatchLogs): void;
  /** learningRate 'auto': the LR range test's result, before the first epoch. */
  onLrFinder?(result: LrFinderResult): void;
  /** The LR range test's steps taken so far, of `steps` planned. */
  onLrFinderStep?(done: number, steps: number): void;
  /** After every epoch, validation included, once its checkpoint is on disk. */
  onEpoch?(logs: EpochLogs): void;
  /** Polled between batches; true stops the run after the batch in progress. */
  isCancelled?(): boolean;
  /** Awaited between batches: resolves at once unless the run is paused, then when it resumes. */
  whilePaused?(): Promise<void>;
  /**
   * The gradients a step is about to apply (after clipping), keyed by weight name; valid only
   * during the call. Lets the backend-parity tests compare what this loop computes on each backend.
   */
  onGradients?(at: { epoch: number; batch: number }, grads: tf.NamedTensorMap): void;
}

export interface TrainOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  error: string | null;
  /** Whether <runDir>/model/ was written. */
  hasModel: boolean;
  history: EpochLogs[];
  batchesRun: number;
  earlyStopped: EarlyStopInfo | null;
}

export const MODEL_FOLDER = 'model';

/** An error whose message is already meant for the user (bad graph, data that does not fit it). */
class RunSetupError extends Error {}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

/** The model's input tensors for one batch: x shaped for the one Input, or each Input's own values. */
function feeds(batch: ModelBatch, fit: ModelFit): tf.Tensor[] {
  if (!fit.inputOrder) return [tf.tensor(batch.x, [batch.size, ...fit.inputShapes[0]!])];
  return fit.inputOrder.map((at, i) => {
    const values = batch.inputs?.[at];
    if (!values)
      throw new PreparedDataError(`A batch has no values for the model's Input ${i + 1}. Prepare the dataset again.`);
    return tf.tensor(values, [batch.size, ...fit.inputShapes[i]!]);
  });
}

/** One output per head, in the model's output order (apply and predict give a bare tensor for one). */
function outputsOf(result: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[]): tf.Tensor[] {
  return (Array.isArray(result) ? result : [result]) as tf.Tensor[];
}

/** Each head's per-sample loss on its own columns of y. */
function headLosses(fit: ModelFit, y: tf.Tensor2D, predictions: readonly tf.Tensor[]): tf.Tensor[] {
  return fit.heads.map((h, i) =>
    h.objective.perSampleLoss(h.columns ? y.slice([0, h.offset], [-1, h.width]) : y, predictions[i]!),
  );
}

/**
 * What one read-back carries: the loss, the outputs' sum (NaN or infinite as soon as any output
 * is; cross-entropy clips probabilities, so its loss can look fine on NaN outputs), each head's
 * loss when there are several, then every head's predictions.
 */
function packStats(loss: tf.Tensor, losses: readonly tf.Tensor[], predictions: readonly tf.Tensor[]): tf.Tensor {
  const sum = predictions.length === 1 ? predictions[0]!.sum() : tf.addN(predictions.map((p) => p.sum()));
  const header = tf.stack([loss, sum, ...(losses.length > 1 ? losses : [])]);
  return tf.concat([header, ...predictions.map((p) => p.reshape([-1]))]);
}

/** One head's scores over an epoch (or the validation split): its loss sum (several heads only) and metrics. */
interface HeadScores {
  lossSum: number;
  metrics: MetricAccumulator;
}

function headScores(fit: ModelFit, metrics: (head: TrainedHead) => readonly MetricName[]): HeadScores[] {
  return fit.heads.map((h) => ({
    lossSum: 0,
    metrics: new MetricAccumulator(h.objective.kind, metrics(h), h.width, h.objective.metricScale),
  }));
}

/**
 * Add one read-back's per-head losses (× lossWeight: the rows for a batch mean, 1 for a sum) and
 * predictions (`values` after its header) to the scores, each head compared with its columns of y.
 */
function scoreBatch(
  fit: ModelFit,
  scores: HeadScores[],
  values: Float32Array,
  y: Float32Array,
  rows: number,
  width: number,
  lossWeight: number,
): void {
  const several = fit.heads.length > 1;
  let at = 2 + (several ? fit.heads.length : 0);
  fit.heads.forEach((head, h) => {
    const score = scores[h]!;
    if (several) score.lossSum += values[2 + h]! * lossWeight;
    const predictions = values.subarray(at, at + rows * head.width);
    score.metrics.add(head.columns ? selectColumns(y, width, head.columns) : y, predictions);
    at += rows * head.width;
  });
}

/**
 * Mean loss and the metrics over the whole validation split, chunk by chunk as the source
 * gives them (a table's rows in memory or images from disk), leaving no tensors behind.
 */
async function evaluate(
  model: tf.LayersModel,
  source: BatchSource,
  fit: ModelFit,
  outputWidth: number,
  scores: HeadScores[],
): Promise<{ loss: number; outputsFinite: boolean }> {
  let rows = 0;
  let outputSum = 0;
  let lossSum = 0;
  for await (const batch of source.validationBatches()) {
    const packed = tf.tidy(() => {
      const xs = feeds(batch, fit);
      const y = tf.tensor2d(batch.y, [batch.size, outputWidth]);
      // apply, not predict: predict cuts the chunk into batches of 32 (a Slice and a forward pass
      // each), which cost an MLP ~5 ms per epoch for nothing; a chunk is already memory-bounded.
      const predictions = outputsOf(model.apply(xs.length === 1 ? xs[0]! : xs, { training: false }));
      const sums = headLosses(fit, y, predictions).map((l) => l.sum());
      return packStats(sums.length === 1 ? sums[0]! : tf.addN(sums), sums, predictions);
    });
    const values = (await packed.data()) as Float32Array;
    packed.dispose();
    lossSum += values[0]!;
    outputSum += values[1]!;
    rows += batch.size;
    scoreBatch(fit, scores, values, batch.y, batch.size, outputWidth, 1);
  }
  for (const score of scores) score.lossSum /= Math.max(1, rows);
  return { loss: lossSum / rows, outputsFinite: Number.isFinite(outputSum) };
}

async function saveRunModel(model: tf.LayersModel, job: TrainJob): Promise<void> {
  const staged = await stageFolder(path.join(job.runDir, MODEL_FOLDER));
  try {
    await saveModel(model, staged.dir);
    // The preprocessing travels with the weights: an exported model is useless without it.
    await fs.writeFile(path.join(staged.dir, PREPROCESSING_JSON), JSON.stringify(job.data.preprocessing, null, 2));
    await staged.commit();
  } catch (error) {
    await staged.abort();
    throw error;
  }
}

/** Scale gradients so their global L2 norm is at most clipNorm (tf.clip_by_global_norm). */
function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const list = Object.values(grads);
    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)]));
  });
}

/** Per-row weights of one batch from its targets (class weights). */
function sampleWeights(y: Float32Array, width: number, weights: readonly number[]): Float32Array {
  const rows = y.length / width;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = weights[classOfRow(y, r * width, width)] ?? 1;
  return out;
}

/** Epoch logs with every asked-for metric on both splits; lr only when it changes. */
function epochLogs(
  epoch: number,
  loss: number | null,
  valLoss: number | null,
  fit: ModelFit,
  train: HeadScores[],
  trainRows: number,
  val: HeadScores[],
  lr: number | null,
): EpochLogs {
  const logs: EpochLogs = { epoch, loss, val_loss: valLoss };
  const record = logs as Record<string, number | null>;
  fit.heads.forEach((head, h) => {
    const p = head.prefix;
    // Several heads: each one's loss too, in its target's own units (the total is the sum trained on).
    if (fit.heads.length > 1) {
      record[`${p}loss`] = finiteOrNull((train[h]!.lossSum / Math.max(1, trainRows)) * head.objective.lossScale);
      record[`val_${p}loss`] = finiteOrNull(val[h]!.lossSum * head.objective.lossScale);
    }
    for (const [name, value] of Object.entries(train[h]!.metrics.results())) record[`${p}${name}`] = value ?? null;
    for (const [name, value] of Object.entries(val[h]!.metrics.results())) record[`val_${p}${name}`] = value ?? null;
  });
  if (lr !== null) logs.lr = lr;
  return logs;
}

/**
 * Train one run. A custom loop rather than model.fit: it gives per-batch control that fit does
 * not (yield to the event loop so a pause or cancel arrives within one batch, stop on the first
 * NaN loss, reseed Dropout each step, clip gradients), avoids fit's per-step GatherV2 by
 * gathering each batch in JS, and reports losses in the target's own units. After every epoch
 * a checkpoint (weights, optimizer slots, history, schedule and early-stopping state) is
 * written, from which `resume` continues exactly. Never throws for a user's mistake: problems
 * with the graph, settings or data come back as a failed outcome with a message.
 */
export async function train(job: TrainJob, hooks: TrainHooks = {}): Promise<TrainOutcome> {
  const { data } = job;
  let history: EpochLogs[] = [];
  let batchesRun = 0;
  let earlyStopped: EarlyStopInfo | null = null;
  const failed = (error: string, hasModel = false): TrainOutcome => ({
    status: 'failed',
    error,
    hasModel,
    history,
    batchesRun,
    earlyStopped,
  });

  let built: BuiltModel | null = null;
  let optimizer: tf.Optimizer | null = null;
  let source: BatchSource | null = null;
  try {
    let config: ResolvedTrainConfig;
    let headMetrics: MetricName[][];
    try {
      ({ config, metrics: headMetrics } = resolveHeadsConfig(job.config, headsOf(data)));
    } catch (error) {
      if (error instanceof TrainConfigError)
        return failed(`The training settings cannot work for this data: ${error.message}`);
      throw error;
    }
    let initialWeights: NodeWeights | undefined;
    try {
      initialWeights = job.initialWeights ? await readWeightsFile(job.initialWeights) : undefined;
    } catch (error) {
      if (error instanceof WeightsFileError) return failed(error.message);
      throw error;
    }
    try {
      built = buildModel(job.graph, config.seed, initialWeights);
    } catch (error) {
      if (error instanceof GraphBuildError) return failed(`The model graph cannot be built: ${error.message}`);
      throw error;
    }
    const fit = fitModelToData(built, data, job.graph, config, headMetrics);
    // One head: the run's objective, class weights and batch metric as always.
    const objective = fit.heads[0]!.objective;
    const several = fit.heads.length > 1;
    const { model, dropoutLayers } = built;
    source = await openBatchSource(data, { batchSize: config.batchSize, seed: config.seed });
    const batchSource = source;

    const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);

    const classWeights =
      config.classWeights === null
        ? null
        : classWeightsFor(config.classWeights, classCounts(source.yTrain, data.outputWidth, objective.kind.classes));
    // A plain MLP with cross-entropy steps on the engine's own kernels directly (same arithmetic).
    const fastPath = denseFastPath(model, fit, { classWeights });
    const batches = Math.ceil(data.trainRows / config.batchSize);
    let cancelled = false;
    const stopped = async () => {
      await yieldToEventLoop();
      if (hooks.isCancelled?.()) return true;
      await hooks.whilePaused?.();
      return hooks.isCancelled?.() ?? false;
    };

    // 'auto': the LR range test picks the rate before epoch 1, and leaves the weights as they were.
    let learningRate: number;
    if (config.learningRate === 'auto' || job.lrFinderOnly) {
      const steps = finderSteps(config.epochs, batches);
      const found = await findLearningRate({
        model,
        optimizer: config.optimizer,
        nesterov: config.nesterov,
        seed: config.seed,
        steps,
        onStep: (done) => hooks.onLrFinderStep?.(done, steps),
        batches: (epoch) => batchSource.trainBatches(epoch),
        step: (opt, next, dropoutRandom) => step(opt, next, dropoutRandom, null),
        stopped,
      });
      if (!found) return { status: 'cancelled', error: null, hasModel: false, history, batchesRun, earlyStopped };
      hooks.onLrFinder?.(found);
      if (job.lrFinderOnly)
        return { status: 'completed', error: null, hasModel: false, history, batchesRun, earlyStopped };
      learningRate = found.suggestion;
    } else learningRate = config.learningRate;

    optimizer = createOptimizer(config.optimizer, learningRate, { nesterov: config.nesterov });
    const scheduleSettings: ScheduleSettings = {
      learningRate,
      epochs: config.epochs,
      warmupEpochs: config.warmupEpochs,
      schedule: config.lrSchedule,
    };
    const lrVaries = config.warmupEpochs > 0 || config.lrSchedule.type !== 'none';

    /**
     * One training step on one batch with `opt`: forward, loss, gradients (clipped), update.
     * Returns the read-back [loss, outputs' sum, predictions]. Training and the LR range test
     * both step with this, so the test sees exactly the arithmetic the run trains with.
     */
    async function step(
      opt: tf.Optimizer,
      next: ModelBatch,
      dropoutRandom: () => number,
      at: { epoch: number; batch: number } | null,
    ): Promise<Float32Array> {
      const n = next.size;
      const yRows = next.y;
      const xs = feeds(next, fit);
      const yb = fastPath ? null : tf.tensor2d(yRows, [n, data.outputWidth]);
      const wb = classWeights ? tf.tensor1d(sampleWeights(yRows, data.outputWidth, classWeights)) : null;
      for (const layer of dropoutLayers) setDropoutSeed(layer, nextIntSeed(dropoutRandom));
      let stats: tf.Tensor | null = null;
      let fastValues: Float32Array | null = null;
      let grads: tf.NamedTensorMap | null = null;
      try {
        if (fastPath) {
          ({ grads, values: fastValues } = fastPath.step(xs[0]!, yRows, n));
        } else {
          const computed = opt.computeGradients(() => {
            const predictions = outputsOf(model.apply(xs.length === 1 ? xs[0]! : xs, { training: true }));
            // Several heads: the total loss is the sum of the heads' mean losses (one loss each).
            const losses = headLosses(fit, yb!, predictions).map((perSample) =>
              (wb ? tf.mul(perSample, wb) : perSample).mean(),
            );
            const dataLoss = (losses.length === 1 ? losses[0]! : tf.addN(losses)) as tf.Scalar;
            // One read-back per step (packStats); the batch's metrics are computed from it.
            stats = tf.keep(packStats(dataLoss, losses, predictions));
            // Per-layer L1/L2 penalties: minimised, but not part of the reported loss.
            const penalties = model.calculateLosses();
            return (penalties.length > 0 ? tf.addN([dataLoss, ...penalties]) : dataLoss) as tf.Scalar;
          }, trainable);
          computed.value.dispose();
          grads = computed.grads;
        }
        if (config.clipNorm !== null) {
          const clipped = clipByGlobalNorm(grads, config.clipNorm);
          tf.dispose(Object.values(grads));
          grads = clipped;
        }
        if (at) hooks.onGradients?.(at, grads);
        opt.applyGradients(grads);
      } catch (error) {
        (stats as tf.Tensor | null)?.dispose();
        throw error;
      } finally {
        tf.dispose([...xs, ...(yb ? [yb] : []), ...(wb ? [wb] : []), ...(grads ? Object.values(grads) : [])]);
      }
      const kept = stats as tf.Tensor | null;
      const values = fastValues ?? (kept ? ((await kept.data()) as Float32Array) : new Float32Array([NaN, NaN]));
      kept?.dispose();
      return values;
    }

    let scheduleState: ScheduleState = initialScheduleState(scheduleSettings);
    let stopState: EarlyStoppingState = initialEarlyStoppingState();
    /** The best epoch's weights (restore best weights); the last epoch's (the NaN fallback) are in the checkpoint. */
    let bestWeights: Float32Array[] | null = null;
    const weightSnapshot = new SnapshotBuffer();
    const slotSnapshot = new SnapshotBuffer();
    const bestSnapshot = new SnapshotBuffer();
    let startEpoch = 0;

    if (job.resume) {
      const checkpoint = await readCheckpoint(job.runDir).catch((error: Error) => {
        throw new RunSetupError(`The run cannot resume: ${error.message}`);
      });
      if (checkpoint) {
        if (checkpoint.state.optimizer.name !== config.optimizer)
          throw new RunSetupError(
            `The run cannot resume: its checkpoint was written by the ${checkpoint.state.optimizer.name} optimizer, not ${config.optimizer}.`,
          );
        writeWeights(model, checkpoint.weights);
        const slots = checkpoint.state.optimizer.weights.map((spec, i) => ({
          name: spec.name,
          tensor: tf.tensor(checkpoint.optimizer[i]!, spec.shape),
        }));
        try {
          await setOptimizerWeights(optimizer, slots);
        } finally {
          tf.dispose(slots.map((s) => s.tensor));
        }
        history = checkpoint.state.history;
        scheduleState = checkpoint.state.schedule;
        stopState = checkpoint.state.earlyStopping;
        bestWeights = checkpoint.best;
        startEpoch = checkpoint.state.epochsDone;
      }
    }

    for (let epoch = startEpoch; epoch < config.epochs && !cancelled; epoch++) {
      // Per-epoch streams: epoch e shuffles, augments and drops the same way whether or not the
      // run was resumed from a checkpoint in between, so a recovered run follows the same curve.
      const dropoutRandom = mulberry32(deriveSeed(config.seed, `dropout:${epoch}`));
      const lr = learningRateAt(scheduleSettings, epoch, scheduleState);
      setLearningRate(optimizer, lr);
      const trainScores = headScores(fit, (h) => h.metrics);
      let lossSum = 0;
      let rowsSeen = 0;
      let batch = -1;
      for await (const next of batchSource.trainBatches(epoch)) {
        batch++;
        const n = next.size;
        const yRows = next.y;
        const values = await step(optimizer, next, dropoutRandom, { epoch, batch });
        const lossValue = values[0]!;
        const outputSum = values[1]!;
        batchesRun++;

        const bad = !Number.isFinite(lossValue)
          ? { what: 'loss', value: lossValue }
          : !Number.isFinite(outputSum)
            ? { what: "model's outputs", value: outputSum }
            : null;
        if (bad) {
          return await divergedOutcome(
            `Training stopped at epoch ${epoch + 1}, batch ${batch + 1}: the ${bad.what} became ${Number.isNaN(bad.value) ? 'NaN' : 'infinite'}. The model diverged: lower the learning rate (it is ${lr}) or check the data for extreme values.`,
          );
        }
        scoreBatch(fit, trainScores, values, yRows, n, data.outputWidth, n);
        lossSum += lossValue * n;
        rowsSeen += n;
        // The batch's second curve: the one head's main metric (several heads have one each, in the epoch logs).
        let metric: number | null = null;
        if (!several) {
          const batchMetric = new MetricAccumulator(
            objective.kind,
            [objective.primaryMetric],
            data.outputWidth,
            objective.metricScale,
          );
          batchMetric.add(yRows, values.subarray(2));
          metric = batchMetric.results()[objective.primaryMetric] ?? null;
        }
        hooks.onBatch?.({
          epoch,
          batch,
          batches,
          loss: finiteOrNull(lossValue * (several ? 1 : objective.lossScale)),
          metric,
        });
        // Let IPC messages (pause, cancel) in between batches; a tight loop would starve them.
        if (await stopped()) {
          cancelled = true;
          break;
        }
      }
      if (cancelled) break;

      const valScores = headScores(fit, (h) => h.metrics);
      const val = await evaluate(model, batchSource, fit, data.outputWidth, valScores);
      if (!Number.isFinite(val.loss) || !val.outputsFinite) {
        return await divergedOutcome(
          `Training stopped at epoch ${epoch + 1}: the model's ${Number.isFinite(val.loss) ? 'outputs' : 'loss'} on the validation rows became NaN or infinite. The model diverged: lower the learning rate (it is ${lr}) or check the data for extreme values.`,
        );
      }
      // One head: losses in its target's units. Several: the total, the sum of standardized losses each head trains on.
      const lossScale = several ? 1 : objective.lossScale;
      const logs = epochLogs(
        epoch,
        finiteOrNull((lossSum / rowsSeen) * lossScale),
        finiteOrNull(val.loss * lossScale),
        fit,
        trainScores,
        rowsSeen,
        valScores,
        lrVaries ? lr : null,
      );
      history.push(logs);
      scheduleState = observeEpoch(scheduleSettings, epoch, logs.val_loss, scheduleState);
      const snapshot = await readWeights(model, weightSnapshot);
      let stop = false;
      if (config.earlyStopping) {
        const monitored = (logs as Record<string, number | null | undefined>)[config.earlyStopping.monitor] ?? null;
        const seen = observeForEarlyStopping(config.earlyStopping, epoch, monitored, stopState);
        stopState = seen.state;
        if (seen.improved && config.earlyStopping.restoreBestWeights) bestWeights = bestSnapshot.copy(snapshot.values);
        stop = seen.stop && epoch < config.epochs - 1;
      }
      const slots = await optimizerSnapshot();
      await writeCheckpoint(job.runDir, {
        state: checkpointState(
          job.runId,
          epoch + 1,
          history,
          scheduleState,
          stopState,
          snapshot.specs,
          config.optimizer,
          slots.specs,
          bestWeights !== null,
        ),
        weights: snapshot.values,
        optimizer: slots.values,
        best: bestWeights,
      });
      hooks.onEpoch?.(logs);
      if (stop && config.earlyStopping) {
        const restored = config.earlyStopping.restoreBestWeights && bestWeights !== null;
        if (restored) writeWeights(model, bestWeights!);
        earlyStopped = {
          stoppedAt: epoch,
          bestEpoch: stopState.bestEpoch,
          monitor: config.earlyStopping.monitor,
          restored,
        };
        break;
      }
      if (await stopped()) cancelled = true;
    }

    const status = cancelled ? 'cancelled' : 'completed';
    if (batchesRun === 0 && history.length === 0)
      return { status, error: null, hasModel: false, history, batchesRun, earlyStopped };
    try {
      await saveRunModel(model, job);
    } catch (error) {
      return {
        status: 'failed',
        error: `The model was trained but could not be saved: ${(error as Error).message}`,
        hasModel: false,
        history,
        batchesRun,
        earlyStopped,
      };
    }
    return { status, error: null, hasModel: true, history, batchesRun, earlyStopped };

    /** NaN or Inf: keep the weights of the last finished epoch (the last ones known good). */
    async function divergedOutcome(message: string): Promise<TrainOutcome> {
      // The last finished epoch's weights are its checkpoint's (none before the first epoch ends).
      const lastGood = history.length > 0 ? await readCheckpoint(job.runDir).catch(() => null) : null;
      if (!lastGood) return failed(message);
      writeWeights(model, lastGood.weights);
      try {
        await saveRunModel(model, job);
      } catch {
        return failed(message);
      }
      return failed(`${message} The model keeps the weights from the end of epoch ${history.length}.`, true);
    }
    /** The optimizer's slots for the checkpoint: their names and shapes, and a snapshot of their values. */
    async function optimizerSnapshot(): Promise<{
      specs: CheckpointState['optimizer']['weights'];
      values: Float32Array[];
    }> {
      const weights = await optimizerWeights(optimizer!);
      try {
        return {
          specs: weights.map((w) => ({ name: w.name, shape: [...w.tensor.shape] })),
          values: await slotSnapshot.take(weights.map((w) => w.tensor)),
        };
      } finally {
        disposeFresh(weights);
      }
    }
  } catch (error) {
    if (error instanceof RunSetupError || error instanceof PreparedDataError || error instanceof ModelFitError)
      return failed(error.message);
    throw error;
  } finally {
    await source?.close();
    optimizer?.dispose();
    built?.model.dispose();
  }
}

/** getWeights' step count is a fresh tensor; the other entries are the optimizer's live slots. */
function disposeFresh(weights: NamedTensor[]): void {
  for (const w of weights) if (w.name === 'iter') w.tensor.dispose();
}

function checkpointState(
  runId: string,
  epochsDone: number,
  history: EpochLogs[],
  schedule: ScheduleState,
  earlyStopping: EarlyStoppingState,
  weights: CheckpointState['weights'],
  optimizer: string,
  optimizerSpecs: CheckpointState['optimizer']['weights'],
  hasBest: boolean,
): CheckpointState {
  return {
    format: 'layerlab-checkpoint',
    version: 1,
    runId,
    epochsDone,
    history,
    schedule,
    earlyStopping,
    weights,
    optimizer: { name: optimizer, weights: optimizerSpecs },
    hasBest,
  };
}
