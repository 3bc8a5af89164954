import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BatchLogs, PreparedData } from '../../app/engine/protocol';
import { formatSampleShape, sampleShape, type ModelGraph } from '../../app/graph';
import type { EpochLogs } from '../../app/project/schema';
import type { TrainConfig } from '../../app/training/config';
import { stageFolder } from './atomic-folder';
import { buildModel, GraphBuildError, setDropoutSeed, type BuiltModel } from './build-model';
import { PREPROCESSING_JSON, saveModel } from './model-io';
import { objectiveFor, type Objective } from './objective';
import { createOptimizer } from './optimizers';
import { PreparedDataError, readSplits } from './prepared-data';
import { deriveSeed, mulberry32, nextIntSeed, shuffledIndices } from './seeded-random';

export interface TrainJob {
  runId: string;
  /** runs/<id>/: model/ is written here when training ends (completed or cancelled). */
  runDir: string;
  data: PreparedData;
  graph: ModelGraph;
  config: TrainConfig;
}

export interface TrainHooks {
  /** After every batch (the engine process throttles what it forwards). */
  onBatch?(logs: BatchLogs): void;
  /** After every epoch, validation included. */
  onEpoch?(logs: EpochLogs): void;
  /** Polled between batches; true stops the run after the batch in progress. */
  isCancelled?(): boolean;
}

export interface TrainOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  error: string | null;
  /** Whether <runDir>/model/ was written. */
  hasModel: boolean;
  history: EpochLogs[];
  batchesRun: number;
}

export const MODEL_FOLDER = 'model';
/** Rows per forward pass when evaluating the validation split: bounds memory, not results. */
const EVAL_CHUNK = 1024;

/** An error whose message is already meant for the user (bad graph, data that does not fit it). */
class RunSetupError extends Error {}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);
const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** The one Input and one Output the engine feeds, checked against the data's widths. */
function checkModelFitsData(built: BuiltModel, data: PreparedData, objective: Objective, graph: ModelGraph): number[] {
  const { analysis } = built;
  if (analysis.inputs.length !== 1 || analysis.outputs.length !== 1) {
    throw new RunSetupError(
      `The engine trains models with exactly one Input and one Output; this graph has ${analysis.inputs.length} Input(s) and ${analysis.outputs.length} Output(s).`,
    );
  }
  const inputNode = graph.nodes.find((n) => n.id === analysis.inputs[0]);
  const outputNode = graph.nodes.find((n) => n.id === analysis.outputs[0]);
  if (inputNode?.type !== 'Input' || outputNode?.type !== 'Output') throw new RunSetupError('The graph has no usable Input or Output node.');
  const inputShape = inputNode.config.shape;
  if (product(inputShape) !== data.inputWidth) {
    throw new RunSetupError(
      `The Input "${inputNode.id}" takes ${formatSampleShape(sampleShape(inputShape))} per sample, but the data has ${data.inputWidth} input values per row. Set the Input's shape to (${data.inputWidth}).`,
    );
  }
  const outShape = analysis.nodes[outputNode.id]?.outputShape;
  if (!outShape || outShape.length !== 1 || outShape[0] !== data.outputWidth) {
    throw new RunSetupError(
      `The Output "${outputNode.id}" gives ${outShape ? formatSampleShape(outShape) : 'an unknown shape'} per sample, but the data has ${data.outputWidth} target value(s) per row. Set its units to ${data.outputWidth}${outShape && outShape.length > 1 ? ' and give the Input a flat shape' : ''}.`,
    );
  }
  // Cross-entropy is only meaningful on probabilities; regression accepts any activation.
  if (data.preprocessing.task === 'classification' && outputNode.config.activation !== objective.head.activation) {
    throw new RunSetupError(
      `The Output "${outputNode.id}" uses the ${outputNode.config.activation} activation, but ${objective.loss} needs ${objective.head.activation} for this task. Set its activation to ${objective.head.activation}.`,
    );
  }
  return [...inputShape];
}

/** Copy the rows `order[start..end)` of a row-major matrix into a fresh array (one batch). */
function gatherRows(source: Float32Array, width: number, order: Uint32Array, start: number, end: number): Float32Array {
  const out = new Float32Array((end - start) * width);
  for (let i = start; i < end; i++) {
    const row = order[i]!;
    out.set(source.subarray(row * width, row * width + width), (i - start) * width);
  }
  return out;
}

/** Mean loss and metric over the whole validation split, in chunks, leaving no tensors behind. */
async function evaluate(model: tf.LayersModel, xVal: tf.Tensor, yVal: tf.Tensor, objective: Objective): Promise<{ loss: number; metric: number; outputsFinite: boolean }> {
  const rows = xVal.shape[0] ?? 0;
  let outputSum = 0;
  let lossSum = 0;
  let metricSum = 0;
  for (let start = 0; start < rows; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, rows - start);
    const sums = tf.tidy(() => {
      const x = rows <= EVAL_CHUNK ? xVal : xVal.slice(start, size);
      const y = rows <= EVAL_CHUNK ? yVal : yVal.slice(start, size);
      const p = model.predict(x) as tf.Tensor;
      return tf.stack([objective.perSampleLoss(y, p).sum(), objective.perSampleMetric(y, p).sum(), p.sum()]);
    });
    const [l = NaN, m = NaN, o = NaN] = await sums.data();
    sums.dispose();
    lossSum += l;
    metricSum += m;
    outputSum += o;
  }
  return { loss: lossSum / rows, metric: metricSum / rows, outputsFinite: Number.isFinite(outputSum) };
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

/**
 * Train one run. A custom loop rather than model.fit: it gives per-batch control that fit does
 * not (yield to the event loop so a cancel message arrives within one batch, stop on the first
 * NaN loss, reseed Dropout each step), avoids fit's per-step GatherV2 by gathering each batch
 * in JS, and reports losses in the target's own units. Never throws for a user's mistake:
 * problems with the graph or data come back as a failed outcome with a message.
 */
export async function train(job: TrainJob, hooks: TrainHooks = {}): Promise<TrainOutcome> {
  const { data, config } = job;
  const history: EpochLogs[] = [];
  let batchesRun = 0;
  const failed = (error: string): TrainOutcome => ({ status: 'failed', error, hasModel: false, history, batchesRun });

  let built: BuiltModel | null = null;
  let optimizer: tf.Optimizer | null = null;
  const constants: tf.Tensor[] = [];
  try {
    const objective = objectiveFor(data.preprocessing, data.outputWidth);
    try {
      built = buildModel(job.graph, config.seed);
    } catch (error) {
      if (error instanceof GraphBuildError) return failed(`The model graph cannot be built: ${error.message}`);
      throw error;
    }
    const inputShape = checkModelFitsData(built, data, objective, job.graph);
    const { model, dropoutLayers } = built;
    const splits = await readSplits(data);

    optimizer = createOptimizer(config.optimizer, config.learningRate);
    const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);

    const xVal = tf.tensor(splits.xVal, [data.valRows, ...inputShape]);
    const yVal = tf.tensor2d(splits.yVal, [data.valRows, data.outputWidth]);
    constants.push(xVal, yVal);

    const shuffleRandom = mulberry32(deriveSeed(config.seed, 'shuffle'));
    const dropoutRandom = mulberry32(deriveSeed(config.seed, 'dropout'));
    const order = new Uint32Array(data.trainRows);
    const batches = Math.ceil(data.trainRows / config.batchSize);
    let cancelled = false;

    for (let epoch = 0; epoch < config.epochs && !cancelled; epoch++) {
      shuffledIndices(data.trainRows, shuffleRandom, order);
      let lossSum = 0;
      let metricSum = 0;
      let rowsSeen = 0;
      for (let batch = 0; batch < batches; batch++) {
        const start = batch * config.batchSize;
        const end = Math.min(start + config.batchSize, data.trainRows);
        const n = end - start;
        const xb = tf.tensor(gatherRows(splits.xTrain, data.inputWidth, order, start, end), [n, ...inputShape]);
        const yb = tf.tensor2d(gatherRows(splits.yTrain, data.outputWidth, order, start, end), [n, data.outputWidth]);
        for (const layer of dropoutLayers) setDropoutSeed(layer, nextIntSeed(dropoutRandom));
        let stats: tf.Tensor | null = null;
        try {
          const lossT = optimizer.minimize(
            () => {
              const pred = model.apply(xb, { training: true }) as tf.Tensor;
              const loss = objective.perSampleLoss(yb, pred).mean() as tf.Scalar;
              // One read-back per step: the loss, the batch metric from the same forward pass,
              // and the outputs' sum, which is NaN or infinite as soon as any output is
              // (cross-entropy clips probabilities, so its loss can look fine on NaN outputs).
              stats = tf.keep(tf.stack([loss, objective.perSampleMetric(yb, pred).mean(), pred.sum()]));
              return loss;
            },
            false,
            trainable,
          );
          lossT?.dispose();
        } catch (error) {
          (stats as tf.Tensor | null)?.dispose();
          throw error;
        } finally {
          tf.dispose([xb, yb]);
        }
        const kept = stats as tf.Tensor | null;
        const [lossValue = NaN, metricValue = NaN, outputSum = NaN] = kept ? await kept.data() : [];
        kept?.dispose();
        batchesRun++;

        const bad = !Number.isFinite(lossValue) ? { what: 'loss', value: lossValue } : !Number.isFinite(outputSum) ? { what: "model's outputs", value: outputSum } : null;
        if (bad) {
          return failed(
            `Training stopped at epoch ${epoch + 1}, batch ${batch + 1}: the ${bad.what} became ${Number.isNaN(bad.value) ? 'NaN' : 'infinite'}. The model diverged: lower the learning rate (it is ${config.learningRate}) or check the data for extreme values.`,
          );
        }
        lossSum += lossValue * n;
        metricSum += metricValue * n;
        rowsSeen += n;
        hooks.onBatch?.({
          epoch,
          batch,
          batches,
          loss: finiteOrNull(lossValue * objective.lossScale),
          metric: finiteOrNull(metricValue * objective.metricScale),
        });
        // Let IPC messages (a cancel) in between batches; a tight loop would starve them.
        await yieldToEventLoop();
        if (hooks.isCancelled?.()) {
          cancelled = true;
          break;
        }
      }
      if (cancelled) break;

      const val = await evaluate(model, xVal, yVal, objective);
      if (!Number.isFinite(val.loss) || !val.outputsFinite) {
        return failed(
          `Training stopped at epoch ${epoch + 1}: the model's ${Number.isFinite(val.loss) ? 'outputs' : 'loss'} on the validation rows became NaN or infinite. The model diverged: lower the learning rate (it is ${config.learningRate}) or check the data for extreme values.`,
        );
      }
      const trainMetric = finiteOrNull((metricSum / rowsSeen) * objective.metricScale);
      const valMetric = finiteOrNull(val.metric * objective.metricScale);
      const logs: EpochLogs = {
        epoch,
        loss: finiteOrNull((lossSum / rowsSeen) * objective.lossScale),
        val_loss: finiteOrNull(val.loss * objective.lossScale),
        ...(objective.metric === 'accuracy' ? { accuracy: trainMetric, val_accuracy: valMetric } : { mae: trainMetric, val_mae: valMetric }),
      };
      history.push(logs);
      hooks.onEpoch?.(logs);
      await yieldToEventLoop();
      if (hooks.isCancelled?.()) cancelled = true;
    }

    const status = cancelled ? 'cancelled' : 'completed';
    if (batchesRun === 0) return { status, error: null, hasModel: false, history, batchesRun };
    try {
      await saveRunModel(model, job);
    } catch (error) {
      return { status: 'failed', error: `The model was trained but could not be saved: ${(error as Error).message}`, hasModel: false, history, batchesRun };
    }
    return { status, error: null, hasModel: true, history, batchesRun };
  } catch (error) {
    if (error instanceof RunSetupError || error instanceof PreparedDataError) return failed(error.message);
    throw error;
  } finally {
    tf.dispose(constants);
    optimizer?.dispose();
    built?.model.dispose();
  }
}
