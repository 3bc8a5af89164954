import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../../app/engine/protocol';
import type { ModelGraph } from '../../../app/graph';
import type { EpochLogs } from '../../../app/project/schema';
import type { RunTrainConfig } from '../../../app/training/config';
import { selectBackend } from '../../../main/engine/process/backend';
import { readCheckpoint } from '../../../main/engine/process/checkpoint';
import { train } from '../../../main/engine/process/train';
import { chainGraph, config, tempDir, writeIris } from './fixtures';

// The plain-MLP step on the engine's own kernels (main/engine/process/accelerations/dense-fast-path.ts) against the
// general tfjs path it replaces, both on wasm: same curve, same weights, same optimizer state.

let tmp: Awaited<ReturnType<typeof tempDir>>;
let iris: PreparedData;
let runs = 0;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('dense-fast-path');
  iris = await writeIris(path.join(tmp.dir, 'iris'));
});
afterAll(async () => {
  await tmp.cleanup();
});
afterEach(() => {
  delete process.env['LAYERLAB_DENSE_FAST_PATH'];
});

async function run(graph: ModelGraph, overrides: Partial<RunTrainConfig>, fast: boolean) {
  process.env['LAYERLAB_DENSE_FAST_PATH'] = fast ? 'on' : 'off';
  const runDir = path.join(tmp.dir, `run-${++runs}`);
  const epochs: EpochLogs[] = [];
  const batchLosses: number[] = [];
  const outcome = await train(
    { runId: 'r', runDir, data: iris, graph, config: config(overrides) },
    { onEpoch: (l) => epochs.push(l), onBatch: (b) => batchLosses.push(b.loss ?? NaN) },
  );
  expect(outcome.status).toBe('completed');
  const checkpoint = await readCheckpoint(runDir);
  return { epochs, batchLosses, weights: checkpoint!.weights, slots: checkpoint!.optimizer };
}

/** Largest |a − b| / max(1, |a|) over matching numbers. */
function worst(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let w = 0;
  a.forEach((x, i) =>
    Array.from(x).forEach((v, j) => (w = Math.max(w, Math.abs(v - b[i]![j]!) / Math.max(1, Math.abs(v))))),
  );
  return w;
}

const mlp = () =>
  chainGraph(
    [4],
    [
      { type: 'Dense', units: 24, activation: 'relu' },
      { type: 'Dense', units: 12, activation: 'linear' },
      { type: 'Dense', units: 8, activation: 'relu' },
    ],
    { units: 3, activation: 'softmax' },
  );

describe('the plain-MLP training step on the engine’s own kernels', () => {
  for (const [label, overrides] of [
    [
      'categorical cross-entropy, Adam',
      { epochs: 4, loss: 'categoricalCrossentropy', optimizer: 'adam', learningRate: 0.02 },
    ],
    [
      'sparse categorical cross-entropy, momentum with gradient clipping',
      { epochs: 4, loss: 'sparseCategoricalCrossentropy', optimizer: 'momentum', learningRate: 0.05, clipNorm: 0.5 },
    ],
  ] as const) {
    it(`${label}: the same curve, weights and optimizer state as the general path (≤ 1e-4)`, async () => {
      const general = await run(mlp(), overrides, false);
      const fast = await run(mlp(), overrides, true);
      expect(fast.batchLosses).toHaveLength(general.batchLosses.length);
      expect(worst([general.batchLosses], [fast.batchLosses])).toBeLessThan(1e-4);
      const metrics = (e: EpochLogs[]) =>
        e.map((l) => [
          l.loss!,
          l.val_loss!,
          (l as Record<string, number>)['accuracy']!,
          (l as Record<string, number>)['val_accuracy']!,
        ]);
      expect(worst(metrics(general.epochs), metrics(fast.epochs))).toBeLessThan(1e-4);
      expect(worst(general.weights, fast.weights)).toBeLessThan(1e-4);
      expect(worst(general.slots, fast.slots)).toBeLessThan(1e-4);
      // And it trained: the loss went down.
      expect(fast.epochs.at(-1)!.loss!).toBeLessThan(fast.epochs[0]!.loss!);
    });
  }

  it('is taken for a plain MLP and not for what it does not cover, and leaves no tensors behind', async () => {
    const { denseFastPath } = await import('../../../main/engine/process/accelerations/dense-fast-path');
    const { buildModel } = await import('../../../main/engine/process/build-model');
    const { fitModelToData } = await import('../../../main/engine/process/model-fit');
    const { resolveHeadsConfig, headsOf } = { ...(await import('../../../app/engine/heads')) };
    const fastFor = (
      graph: ModelGraph,
      overrides: Partial<RunTrainConfig> = {},
      classWeights: number[] | null = null,
    ) => {
      const { config: resolved, metrics } = resolveHeadsConfig(config(overrides), headsOf(iris));
      const built = buildModel(graph, 1);
      try {
        return (
          denseFastPath(built.model, fitModelToData(built, iris, graph, resolved, metrics), { classWeights }) !== null
        );
      } finally {
        built.model.dispose();
      }
    };
    expect(fastFor(mlp())).toBe(true);
    expect(
      fastFor(
        chainGraph(
          [4],
          [
            { type: 'Dense', units: 8 },
            { type: 'Dropout', rate: 0.2 },
          ],
          { units: 3, activation: 'softmax' },
        ),
      ),
    ).toBe(false);
    expect(
      fastFor(chainGraph([4], [{ type: 'Dense', units: 8, activation: 'tanh' }], { units: 3, activation: 'softmax' })),
    ).toBe(false);
    expect(fastFor(mlp(), { loss: 'meanSquaredError' })).toBe(false);
    expect(fastFor(mlp(), {}, [1, 2, 1])).toBe(false);
    process.env['LAYERLAB_DENSE_FAST_PATH'] = 'off';
    expect(fastFor(mlp())).toBe(false);
    delete process.env['LAYERLAB_DENSE_FAST_PATH'];

    const before = tf.memory().numTensors;
    await run(mlp(), { epochs: 2 }, true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
