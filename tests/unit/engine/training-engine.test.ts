import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../../app/engine/protocol';
import type { ModelGraph } from '../../../app/graph';
import type { EpochLogs } from '../../../app/project/schema';
import { OPTIMIZERS, type LossName, type RunTrainConfig } from '../../../app/training/config';
import { selectBackend } from '../../../main/engine/process/backend';
import { buildModel } from '../../../main/engine/process/build-model';
import { readCheckpoint } from '../../../main/engine/process/checkpoint';
import { loadModel } from '../../../main/engine/process/model-io';
import { train, type TrainHooks } from '../../../main/engine/process/train';
import { chainGraph, config, irisGraph, tempDir, writeIris, writeRegression } from './fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let iris: PreparedData;
let binary: PreparedData;
let regression: Awaited<ReturnType<typeof writeRegression>>;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('training');
  iris = await writeIris(path.join(tmp.dir, 'iris'));
  // Iris as setosa (1) vs the rest (0): a 0/1 target column, 40 of 120 training rows positive.
  const bin = await writeIris(path.join(tmp.dir, 'binary'));
  for (const split of ['train', 'val']) {
    const y = new Float32Array((await readFile(path.join(bin.dir, `y_${split}.f32`))).buffer.slice(0));
    await writeFile(
      path.join(bin.dir, `y_${split}.f32`),
      Buffer.from(new Float32Array(y.length / 3).map((_, i) => y[i * 3]!).buffer),
    );
  }
  binary = { ...bin, outputWidth: 1, preprocessing: { ...bin.preprocessing, labels: ['other', 'setosa'] } };
  regression = await writeRegression(path.join(tmp.dir, 'regression'));
});
afterAll(async () => {
  await tmp.cleanup();
});

const binaryGraph = () => chainGraph([4], [{ type: 'Dense', units: 4 }], { units: 1, activation: 'sigmoid' });
const regressionGraph = () => chainGraph([2], [{ type: 'Dense', units: 8 }], { units: 1, activation: 'linear' });
let runs = 0;

async function run(
  data: PreparedData,
  graph: ModelGraph,
  overrides: Partial<RunTrainConfig>,
  hooks: TrainHooks = {},
  runDir = path.join(tmp.dir, `run-${++runs}`),
) {
  const epochs: EpochLogs[] = [];
  const outcome = await train(
    { runId: 'r', runDir, data, graph, config: config(overrides) },
    { ...hooks, onEpoch: (l) => (epochs.push(l), hooks.onEpoch?.(l)) },
  );
  return { outcome, epochs, runDir };
}

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => Float32Array.from(await w.data())));
}
const l2 = (a: Float32Array[], b: Float32Array[]) =>
  Math.sqrt(a.reduce((s, w, i) => s + w.reduce((t, v, j) => t + (v - b[i]![j]!) ** 2, 0), 0));

describe('training features (in process, wasm)', () => {
  it('every optimizer, Nesterov included, brings the loss down', async () => {
    const cases: Array<Partial<RunTrainConfig>> = [
      ...OPTIMIZERS.map((optimizer) => ({ optimizer })),
      { optimizer: 'momentum', nesterov: true },
    ];
    for (const c of cases) {
      // Adadelta's rate is a multiplier on its own adaptive step; Keras' 1.0 is its natural setting.
      const learningRate = c.optimizer === 'adadelta' ? 1 : c.optimizer === 'sgd' ? 0.1 : 0.02;
      const { outcome, epochs } = await run(iris, irisGraph(), { ...c, epochs: 4, learningRate });
      const name = JSON.stringify(c);
      expect(outcome.status, name).toBe('completed');
      expect(epochs.at(-1)!.loss!, name).toBeLessThan(epochs[0]!.loss! * 0.95);
    }
  });

  it('every loss trains a problem it fits (loss goes down), in the units it reports', async () => {
    const cases: Array<[PreparedData, () => ModelGraph, LossName]> = [
      [regression, regressionGraph, 'meanSquaredError'],
      [regression, regressionGraph, 'meanAbsoluteError'],
      [regression, regressionGraph, 'huber'],
      [binary, binaryGraph, 'binaryCrossentropy'],
      [binary, binaryGraph, 'meanSquaredError'],
      [iris, irisGraph, 'categoricalCrossentropy'],
      [iris, irisGraph, 'sparseCategoricalCrossentropy'],
    ];
    const firstLosses: Record<string, number> = {};
    for (const [data, graph, loss] of cases) {
      const { outcome, epochs } = await run(data, graph(), { loss, epochs: 4, learningRate: 0.05 });
      expect(outcome.status, loss).toBe('completed');
      expect(epochs.at(-1)!.loss!, loss).toBeLessThan(epochs[0]!.loss!);
      firstLosses[`${data.outputWidth}-${loss}`] = epochs[0]!.val_loss!;
    }
    // On one-hot targets sparse and categorical cross-entropy are the same number.
    expect(firstLosses['3-sparseCategoricalCrossentropy']).toBeCloseTo(firstLosses['3-categoricalCrossentropy']!, 5);
  });

  it('refuses an impossible loss for the task with a message naming the setting', async () => {
    const { outcome } = await run(regression, regressionGraph(), { loss: 'sparseCategoricalCrossentropy', epochs: 1 });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(
      /^The training settings cannot work for this data: loss: sparseCategoricalCrossentropy compares class probabilities, but this is a regression task/,
    );
  });

  it('reports precision, recall and AUC (binary) and RMSE and R² (regression) matching the saved model', async () => {
    const { epochs: bin, runDir: binDir } = await run(binary, binaryGraph(), {
      metrics: ['accuracy', 'precision', 'recall', 'auc'],
      epochs: 3,
    });
    expect(Object.keys(bin[0]!).sort()).toEqual([
      'accuracy',
      'auc',
      'epoch',
      'loss',
      'precision',
      'recall',
      'val_accuracy',
      'val_auc',
      'val_loss',
      'val_precision',
      'val_recall',
    ]);
    const predict = async (dir: string, data: PreparedData) => {
      const model = await loadModel(path.join(dir, 'model'));
      const x = new Float32Array((await readFile(path.join(data.dir, 'x_val.f32'))).buffer.slice(0));
      const y = Array.from(new Float32Array((await readFile(path.join(data.dir, 'y_val.f32'))).buffer.slice(0)));
      const p = tf.tidy(() => model.predict(tf.tensor2d(x, [data.valRows, data.inputWidth])) as tf.Tensor);
      const values = Array.from(await p.data());
      p.dispose();
      model.dispose();
      return { y, p: values };
    };
    const b = await predict(binDir, binary);
    let tp = 0, fp = 0, fn = 0, pairs = 0, wins = 0; // prettier-ignore
    b.y.forEach((y, i) => {
      const hit = b.p[i]! > 0.5;
      if (hit && y === 1) tp++;
      else if (hit) fp++;
      else if (y === 1) fn++;
      if (y !== 1) return;
      b.y.forEach((z, j) => {
        if (z !== 0) return;
        pairs++;
        wins += b.p[i]! > b.p[j]! ? 1 : b.p[i] === b.p[j] ? 0.5 : 0;
      });
    });
    const last = bin.at(-1)!;
    expect(last.val_precision).toBeCloseTo(tp / (tp + fp), 6);
    expect(last.val_recall).toBeCloseTo(tp / (tp + fn), 6);
    expect(last.val_auc).toBeCloseTo(wins / pairs, 6);

    const { epochs: reg, runDir: regDir } = await run(regression, regressionGraph(), {
      metrics: ['mae', 'rmse', 'r2'],
      epochs: 5,
      learningRate: 0.05,
    });
    const r = await predict(regDir, regression);
    const { mean, std } = regression.preprocessing.targetScaling!;
    const errors = r.p.map((p, i) => p * std + mean - regression.rawYVal[i]!);
    const yMean = regression.rawYVal.reduce((s, v) => s + v, 0) / errors.length;
    const ssTot = regression.rawYVal.reduce((s, v) => s + (v - yMean) ** 2, 0);
    const ssRes = errors.reduce((s, e) => s + e * e, 0);
    const rl = reg.at(-1)!;
    expect(rl.val_rmse! / Math.sqrt(ssRes / errors.length)).toBeCloseTo(1, 4);
    expect(rl.val_r2).toBeCloseTo(1 - ssRes / ssTot, 4);
  });

  it('class weights change the loss exactly as computed by hand', async () => {
    // One batch holding every training row: the first batch's loss is taken with the initial
    // weights, which the same seed rebuilds here.
    const firstLoss = async (classWeights: RunTrainConfig['classWeights']) => {
      let loss = NaN;
      await run(
        binary,
        binaryGraph(),
        { classWeights, epochs: 1, batchSize: 1000, optimizer: 'sgd' },
        { onBatch: (b) => (loss = b.batch === 0 ? b.loss! : loss) },
      );
      return loss;
    };
    const { model } = buildModel(binaryGraph(), config().seed);
    const x = new Float32Array((await readFile(path.join(binary.dir, 'x_train.f32'))).buffer.slice(0));
    const y = Array.from(new Float32Array((await readFile(path.join(binary.dir, 'y_train.f32'))).buffer.slice(0)));
    const pt = tf.tidy(() => model.predict(tf.tensor2d(x, [binary.trainRows, 4])) as tf.Tensor);
    const p = Array.from(await pt.data());
    pt.dispose();
    model.dispose();
    const eps = 1e-7;
    const perRow = y.map((t, i) => {
      const q = Math.min(1 - eps, Math.max(eps, p[i]!));
      return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
    });
    const positives = y.filter((t) => t === 1).length;
    const n = y.length;
    const balanced = [n / (2 * (n - positives)), n / (2 * positives)];
    const weighted = (w: number[]) => perRow.reduce((s, l, i) => s + w[y[i]!]! * l, 0) / n;
    expect(await firstLoss(null)).toBeCloseTo(weighted([1, 1]), 5);
    expect(await firstLoss('balanced')).toBeCloseTo(weighted(balanced), 5);
    expect(await firstLoss([1, 4])).toBeCloseTo(weighted([1, 4]), 5);
    expect(weighted([1, 4])).not.toBeCloseTo(weighted([1, 1]), 2);
  });

  it('gradient clipping bounds the size of an update', async () => {
    const step = async (clipNorm: number | null) => {
      const { runDir } = await run(iris, irisGraph(), {
        clipNorm,
        optimizer: 'sgd',
        learningRate: 1,
        epochs: 1,
        batchSize: 1000,
      });
      const { model: start } = buildModel(irisGraph(), config().seed);
      const trained = await loadModel(path.join(runDir, 'model'));
      const moved = l2(await weightsOf(start), await weightsOf(trained));
      start.dispose();
      trained.dispose();
      return moved;
    };
    // SGD at rate 1: the weights move by exactly the (clipped) gradient.
    expect(await step(null)).toBeGreaterThan(0.1);
    expect(await step(0.05)).toBeCloseTo(0.05, 4);
  });

  it("minimises the layers' L1/L2 penalties as well (the reported loss stays the data loss)", async () => {
    const withL2 = (l2: number): ModelGraph => {
      const g = irisGraph();
      return {
        ...g,
        nodes: g.nodes.map((n) =>
          n.id === 'l1' ? ({ ...n, config: { ...n.config, kernel_regularizer: { l1: 0, l2 } } } as typeof n) : n,
        ),
      };
    };
    const kernelNorm = async (graph: ModelGraph) => {
      const { runDir } = await run(iris, graph, { epochs: 5, optimizer: 'sgd', learningRate: 0.1 });
      const model = await loadModel(path.join(runDir, 'model'));
      const kernel = Float32Array.from(await model.getLayer('l1').getWeights()[0]!.data());
      model.dispose();
      return Math.sqrt(kernel.reduce((s, v) => s + v * v, 0));
    };
    expect(await kernelNorm(withL2(0.5))).toBeLessThan((await kernelNorm(withL2(0))) * 0.7);
  });

  it('applies the learning-rate schedule it logs', async () => {
    const { epochs } = await run(iris, irisGraph(), {
      epochs: 5,
      optimizer: 'sgd',
      learningRate: 0.2,
      warmupEpochs: 2,
      lrSchedule: { type: 'step', every: 1, factor: 0.5 },
    });
    expect(epochs.map((e) => e.lr)).toEqual([0.1, 0.2, 0.2, 0.1, 0.05]);
    // ... and really trains with it: a zero-rate epoch would leave the weights as they are.
    const frozen = await run(iris, irisGraph(), {
      epochs: 3,
      optimizer: 'sgd',
      learningRate: 0.2,
      lrSchedule: { type: 'exponential', rate: 1e-30 },
    });
    expect(frozen.epochs[2]!.loss).toBeCloseTo(frozen.epochs[1]!.loss!, 6);
    expect(frozen.epochs[1]!.loss).not.toBeCloseTo(frozen.epochs[0]!.loss!, 3);
  });

  it("early stopping stops after patience epochs and keeps the best epoch's weights", async () => {
    // minDelta so large that only the first epoch counts as an improvement.
    const earlyStopping = { monitor: 'val_loss', patience: 2, minDelta: 100, restoreBestWeights: true };
    const { outcome, epochs, runDir } = await run(iris, irisGraph(), { epochs: 10, learningRate: 0.05, earlyStopping });
    expect(outcome.status).toBe('completed');
    expect(epochs).toHaveLength(3);
    expect(outcome.earlyStopped).toEqual({ stoppedAt: 2, bestEpoch: 0, monitor: 'val_loss', restored: true });
    // The saved model scores epoch 0's validation loss, not epoch 2's.
    const model = await loadModel(path.join(runDir, 'model'));
    const x = new Float32Array((await readFile(path.join(iris.dir, 'x_val.f32'))).buffer.slice(0));
    const y = new Float32Array((await readFile(path.join(iris.dir, 'y_val.f32'))).buffer.slice(0));
    const loss = tf.tidy(
      () =>
        tf.metrics
          .categoricalCrossentropy(tf.tensor2d(y, [30, 3]), model.predict(tf.tensor2d(x, [30, 4])) as tf.Tensor)
          .mean()
          .dataSync()[0]!,
    );
    model.dispose();
    expect(loss).toBeCloseTo(epochs[0]!.val_loss!, 5);
    expect(epochs[2]!.val_loss).not.toBeCloseTo(epochs[0]!.val_loss!, 3);
  });

  it('a run resumed from its checkpoint follows the same curve as one never interrupted', async () => {
    const graph = chainGraph(
      [4],
      [
        { type: 'Dense', units: 12 },
        { type: 'Dropout', rate: 0.3 },
      ],
      { units: 3, activation: 'softmax' },
    );
    for (const optimizer of ['adam', 'adamax', 'momentum'] as const) {
      const settings = {
        epochs: 4,
        optimizer,
        lrSchedule: { type: 'plateau', factor: 0.5, patience: 1, minDelta: 0, minLearningRate: 0 } as const,
      };
      const whole = await run(iris, graph, settings);
      const runDir = path.join(tmp.dir, `resume-${optimizer}`);
      // Stop after epoch 2 (cancel lands after the epoch's checkpoint), then resume.
      let seen = 0;
      const first = await run(iris, graph, settings, { onEpoch: () => seen++, isCancelled: () => seen >= 2 }, runDir);
      expect(first.outcome.status).toBe('cancelled');
      expect((await readCheckpoint(runDir))?.state.epochsDone).toBe(2);
      const resumed = await train({ runId: 'r', runDir, data: iris, graph, config: config(settings), resume: true });
      expect(resumed.status, optimizer).toBe('completed');
      expect(resumed.history, optimizer).toEqual(whole.epochs);
    }
  });

  it('same seed, same curve (with every new setting on)', async () => {
    const settings: Partial<RunTrainConfig> = {
      epochs: 3,
      classWeights: 'balanced',
      clipNorm: 1,
      warmupEpochs: 1,
      lrSchedule: { type: 'cosine', minLearningRate: 0 },
      metrics: ['accuracy', 'auc'],
    };
    const curve = async () => (await run(binary, binaryGraph(), settings)).epochs;
    expect(await curve()).toEqual(await curve());
  });

  it('on a NaN loss after good epochs, keeps the last good weights', async () => {
    // Plain SGD on a deep linear net, its rate ramped up by a long warm-up: the first epochs
    // train, then the rate passes the point where every step overshoots further.
    const graph = chainGraph(
      [2],
      [
        { type: 'Dense', units: 8, activation: 'linear' },
        { type: 'Dense', units: 8, activation: 'linear' },
      ],
      { units: 1, activation: 'linear' },
    );
    const runDir = path.join(tmp.dir, 'diverge-late');
    let good = 0;
    const diverged = await run(
      regression,
      graph,
      { epochs: 60, optimizer: 'sgd', learningRate: 10, warmupEpochs: 50 },
      { onEpoch: () => good++ },
      runDir,
    );
    expect(diverged.outcome.status).toBe('failed');
    expect(good).toBeGreaterThan(0);
    expect(diverged.outcome.error).toMatch(
      new RegExp(`became (NaN|infinite).*The model keeps the weights from the end of epoch ${good}\\.`),
    );
    expect(diverged.outcome.hasModel).toBe(true);
    const model = await loadModel(path.join(runDir, 'model'));
    const weights = await weightsOf(model);
    model.dispose();
    expect(weights.every((w) => w.every(Number.isFinite))).toBe(true);
    const checkpoint = await readCheckpoint(runDir);
    expect(checkpoint?.state.epochsDone).toBe(good);
    expect(l2(weights, checkpoint!.weights)).toBe(0);
  });
});
