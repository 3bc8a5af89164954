import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../main/engine/process/backend';
import { reloadInFreshProcess } from '../../../main/engine/process/formats/tfjs';
import { Subtract } from '../../../main/engine/process/layers/subtract-layer';
import { dirHandler } from '../../../main/engine/process/model-io';
import { tempDir } from './fixtures';

// The TF.js export is proven in a runtime the engine has not touched: a fresh Node process with
// plain @tensorflow/tfjs, as a user's code loads it. What only this engine can load must fail there.
let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('tfjs-fresh');
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('reloadInFreshProcess', () => {
  it('predicts what the engine predicts, with plain tfjs of the same version', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.dense({ units: 2 })],
    });
    const dir = path.join(tmp.dir, 'plain');
    await model.save(dirHandler(dir));
    const x = tf.tensor2d([1, 2, 3, -1, 0.5, 4], [2, 3]);
    const expected = (model.predict(x) as tf.Tensor).dataSync();
    for (const runner of ['process', 'thread'] as const) {
      const { predictions, version, where } = await reloadInFreshProcess(dir, x, runner);
      expect(where).toBe(runner === 'process' ? 'a fresh process' : 'a fresh worker thread');
      expect(version).toBe(tf.version.tfjs);
      expect(predictions).toHaveLength(4);
      predictions.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    }
    x.dispose();
    model.dispose();
  });

  it("fails on a layer only this engine registers (Subtract), which a user's tfjs cannot load", async () => {
    const input = tf.input({ shape: [3] });
    const a = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor;
    const out = new Subtract({}).apply([a, b]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const dir = path.join(tmp.dir, 'subtract');
    await model.save(dirHandler(dir));
    // The engine itself loads it back: an in-process reload would have passed.
    (await tf.loadLayersModel(dirHandler(dir))).dispose();
    const x = tf.ones([1, 3]);
    await expect(reloadInFreshProcess(dir, x)).rejects.toThrow(
      /^plain TensorFlow\.js in a fresh process could not load and run the exported model: Unknown layer: Subtract/,
    );
    // The desktop app's way (a worker thread: Electron cannot start itself as Node there) is as fresh.
    await expect(reloadInFreshProcess(dir, x, 'thread')).rejects.toThrow(
      /^plain TensorFlow\.js in a fresh worker thread could not load and run the exported model: Unknown layer: Subtract/,
    );
    x.dispose();
    model.dispose();
  });
});
