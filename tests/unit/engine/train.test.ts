import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EpochLogs } from '../../../app/project/schema';
import { OPTIMIZERS } from '../../../app/training/config';
import { selectBackend } from '../../../main/engine/process/backend';
import { loadModel } from '../../../main/engine/process/model-io';
import { train } from '../../../main/engine/process/train';
import { chainGraph, config, irisGraph, tempDir, writeIris, writeRegression } from './fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('train');
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('train (in process)', () => {
  it('leaves the tensor count unchanged from epoch to epoch, and releases everything at the end', async () => {
    const dir = path.join(tmp.dir, 'leak');
    const data = await writeIris(dir);
    const graph = chainGraph(
      [4],
      [
        { type: 'Dense', units: 8 },
        { type: 'Dropout', rate: 0.2 },
      ],
      { units: 3, activation: 'softmax' },
    );
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const outcome = await train(
      { runId: 'leak', runDir: dir, data, graph, config: config({ epochs: 5 }) },
      { onEpoch: () => counts.push(tf.memory().numTensors) },
    );
    expect(outcome.status).toBe('completed');
    expect(counts).toHaveLength(5);
    expect(new Set(counts).size, `tensors after each epoch: ${counts.join(', ')}`).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("reports regression loss and MAE in the target's own units", async () => {
    const dir = path.join(tmp.dir, 'regression');
    const data = await writeRegression(dir);
    const graph = chainGraph([2], [], { units: 1, activation: 'linear' });
    const epochs: EpochLogs[] = [];
    const outcome = await train(
      { runId: 'reg', runDir: dir, data, graph, config: config({ epochs: 40, learningRate: 0.05 }) },
      { onEpoch: (logs) => epochs.push(logs) },
    );
    expect(outcome.status).toBe('completed');
    const last = epochs.at(-1)!;
    expect(Object.keys(last).sort()).toEqual(['epoch', 'loss', 'mae', 'val_loss', 'val_mae']);

    // Recompute the validation metrics in original units from the saved model's predictions.
    const model = await loadModel(path.join(dir, 'model'));
    const xVal = new Float32Array((await readFile(path.join(data.dir, 'x_val.f32'))).buffer.slice(0));
    const pred = model.predict(tf.tensor2d(xVal, [data.valRows, 2])) as tf.Tensor;
    const scaled = Array.from(await pred.data());
    pred.dispose();
    model.dispose();
    const { mean, std } = data.preprocessing.targetScaling!;
    const errors = scaled.map((p, i) => p * std + mean - data.rawYVal[i]!);
    const mae = errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length;
    const mse = errors.reduce((s, e) => s + e * e, 0) / errors.length;
    expect(last.val_mae).toBeCloseTo(mae, 2);
    expect(last.val_loss! / mse).toBeCloseTo(1, 3);
    // The noise is σ = 5 in target units: a fitted linear model's MAE is about 4, far from its
    // standardized value (about 0.1), so the units are unmistakable.
    expect(last.val_mae).toBeGreaterThan(2);
    expect(last.val_mae).toBeLessThan(8);
  });

  it('binary classification: sigmoid head, binary cross-entropy, accuracy at 0.5', async () => {
    const dir = path.join(tmp.dir, 'binary');
    const iris = await writeIris(dir);
    // setosa vs the rest: rewrite the targets as one 0/1 column.
    const oneHot = async (file: string) =>
      new Float32Array((await readFile(path.join(iris.dir, file))).buffer.slice(0));
    for (const split of ['train', 'val']) {
      const y = await oneHot(`y_${split}.f32`);
      const binary = new Float32Array(y.length / 3).map((_, i) => y[i * 3]!);
      await writeFile(path.join(iris.dir, `y_${split}.f32`), Buffer.from(binary.buffer));
    }
    const data = { ...iris, outputWidth: 1, preprocessing: { ...iris.preprocessing, labels: ['other', 'setosa'] } };
    const graph = chainGraph([4], [{ type: 'Dense', units: 4 }], { units: 1, activation: 'sigmoid' });
    const epochs: EpochLogs[] = [];
    const outcome = await train(
      { runId: 'bin', runDir: dir, data, graph, config: config({ epochs: 10 }) },
      { onEpoch: (l) => epochs.push(l) },
    );
    expect(outcome.status).toBe('completed');
    expect(Object.keys(epochs[0]!).sort()).toEqual(['accuracy', 'epoch', 'loss', 'val_accuracy', 'val_loss']);
    expect(epochs.at(-1)!.val_accuracy).toBe(1); // setosa is linearly separable
  });

  it('stops on a NaN/infinite loss with a clear reason and saves nothing', async () => {
    const dir = path.join(tmp.dir, 'diverge');
    const data = await writeRegression(dir);
    // Plain SGD at the largest allowed learning rate overshoots further on every step.
    const graph = chainGraph([2], [{ type: 'Dense', units: 8, activation: 'linear' }], {
      units: 1,
      activation: 'linear',
    });
    const outcome = await train({
      runId: 'nan',
      runDir: dir,
      data,
      graph,
      config: config({ epochs: 50, optimizer: 'sgd', learningRate: 10 }),
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(
      /^Training stopped at epoch \d+, batch \d+: the (loss|model's outputs) became (NaN|infinite)\. The model diverged: lower the learning rate \(it is 10\)/,
    );
    expect(outcome.hasModel).toBe(false);
    expect(existsSync(path.join(dir, 'model'))).toBe(false);
  });

  it('refuses graphs that do not fit the data, naming the node', async () => {
    const dir = path.join(tmp.dir, 'misfit');
    const data = await writeIris(dir);
    const cases: Array<[ReturnType<typeof chainGraph>, RegExp]> = [
      [chainGraph([5], [], { units: 3, activation: 'softmax' }), /Input "input".*\(5\).*4 input values/],
      [chainGraph([4], [], { units: 2, activation: 'softmax' }), /Output "output".*\(2\).*3 target/],
      [chainGraph([4], [], { units: 3, activation: 'linear' }), /Output "output" uses the linear activation.*softmax/],
      [{ ...irisGraph(), edges: [] }, /cannot be built/],
    ];
    for (const [graph, message] of cases) {
      const outcome = await train({ runId: 'misfit', runDir: dir, data, graph, config: config({ epochs: 1 }) });
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatch(message);
    }
  });

  it('names a prepared data file that is missing or the wrong size', async () => {
    const dir = path.join(tmp.dir, 'baddata');
    const data = await writeIris(dir);
    await writeFile(path.join(data.dir, 'y_val.f32'), Buffer.alloc(12));
    const outcome = await train({ runId: 'bad', runDir: dir, data, graph: irisGraph(), config: config({ epochs: 1 }) });
    expect(outcome.error).toMatch(/y_val\.f32 has 12 bytes, but 30 rows × 3 values/);
    const missing = await train({
      runId: 'bad',
      runDir: dir,
      data: { ...data, dir: path.join(dir, 'nowhere') },
      graph: irisGraph(),
      config: config({ epochs: 1 }),
    });
    expect(missing.error).toMatch(/nowhere.*x_train\.f32.*does not exist/);
  });

  it('trains with every optimizer, and the saved model loads back', async () => {
    const dir = path.join(tmp.dir, 'optimizers');
    const data = await writeIris(dir);
    for (const optimizer of OPTIMIZERS) {
      const runDir = path.join(dir, optimizer);
      const epochs: EpochLogs[] = [];
      const outcome = await train(
        {
          runId: optimizer,
          runDir,
          data,
          graph: irisGraph(),
          config: config({ epochs: 3, optimizer, learningRate: 0.05 }),
        },
        { onEpoch: (l) => epochs.push(l) },
      );
      expect(outcome, optimizer).toMatchObject({ status: 'completed', hasModel: true });
      expect(epochs, optimizer).toHaveLength(3);
      expect(epochs.at(-1)!.loss!, optimizer).toBeLessThan(epochs[0]!.loss!);
      const model = await loadModel(path.join(runDir, 'model'));
      expect(model.countParams()).toBe(4 * 16 + 16 + 16 * 3 + 3);
      model.dispose();
    }
  });

  it('is reproducible with Dropout: same seed, same curve; another seed, another curve', async () => {
    const dir = path.join(tmp.dir, 'seeded');
    const data = await writeIris(dir);
    const graph = chainGraph(
      [4],
      [
        { type: 'Dense', units: 16 },
        { type: 'Dropout', rate: 0.5 },
      ],
      { units: 3, activation: 'softmax' },
    );
    const curve = async (seed: number) => {
      const losses: number[] = [];
      await train(
        { runId: 's', runDir: dir, data, graph, config: config({ epochs: 4, seed }) },
        { onBatch: (b) => losses.push(b.loss!) },
      );
      return losses;
    };
    const a = await curve(11);
    expect(await curve(11)).toEqual(a);
    expect(await curve(12)).not.toEqual(a);
  });
});
