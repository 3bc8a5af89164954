import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { expectWasmMatchesCpu, size, useWasmWithFixes, values } from './wasm-compare';

beforeAll(useWasmWithFixes);

const BATCH = 8;
const BATCHES = 3;
const CLASSES = 3;

interface LayerCase {
  name: string;
  inputShape: number[];
  /** Integer inputs in [0, vocabulary) instead of floats (Embedding). */
  vocabulary?: number;
  layers: () => tf.layers.Layer[];
}

const conv = (config: Partial<Parameters<typeof tf.layers.conv2d>[0]>) =>
  tf.layers.conv2d({ filters: 4, kernelSize: 3, ...config });

// One model per palette layer, small enough for the cpu backend, each ending in a softmax.
const cases: LayerCase[] = [
  {
    name: 'Conv1D (stride 2, same)',
    inputShape: [12, 3],
    layers: () => [
      tf.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.flatten(),
    ],
  },
  {
    name: 'Conv2D + MaxPooling2D + Conv2D (stride 2, same)',
    inputShape: [9, 9, 2],
    layers: () => [
      conv({ activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv({ strides: 2, padding: 'same' }),
      tf.layers.flatten(),
    ],
  },
  {
    name: 'linear Conv2D + MaxPooling2D (all-negative windows)',
    inputShape: [8, 8, 1],
    layers: () => [conv({ padding: 'same' }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten()],
  },
  {
    name: 'Conv2D + overlapping MaxPooling2D 3×3/2',
    inputShape: [9, 9, 2],
    layers: () => [conv({}), tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), tf.layers.flatten()],
  },
  {
    name: 'Conv2D + AveragePooling2D + GlobalAveragePooling2D',
    inputShape: [8, 8, 2],
    layers: () => [
      conv({ padding: 'same', activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.globalAveragePooling2d({}),
    ],
  },
  {
    name: 'DepthwiseConv2D (multiplier 2, stride 2)',
    inputShape: [8, 8, 3],
    layers: () => [
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.flatten(),
    ],
  },
  {
    name: 'SeparableConv2D',
    inputShape: [8, 8, 3],
    layers: () => [
      tf.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.globalMaxPooling2d({}),
    ],
  },
  {
    name: 'Conv2DTranspose (stride 2)',
    inputShape: [4, 4, 3],
    layers: () => [
      tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.flatten(),
    ],
  },
  // Without a conv bias, as Keras advises before BatchNormalization: that bias's gradient is zero
  // in exact arithmetic, rounding noise (~1e-7) in float32 on any backend, and Adam turns noise
  // into full-size steps, so two correct backends would disagree on it.
  {
    name: 'BatchNormalization after Conv2D',
    inputShape: [8, 8, 2],
    layers: () => [
      conv({ useBias: false }),
      tf.layers.batchNormalization({}),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.flatten(),
    ],
  },
  {
    name: 'Embedding',
    inputShape: [6],
    vocabulary: 20,
    layers: () => [tf.layers.embedding({ inputDim: 20, outputDim: 4 }), tf.layers.flatten()],
  },
  { name: 'LSTM', inputShape: [5, 3], layers: () => [tf.layers.lstm({ units: 4 })] },
  {
    name: 'GRU (sequences)',
    inputShape: [5, 3],
    layers: () => [tf.layers.gru({ units: 4, returnSequences: true }), tf.layers.flatten()],
  },
  { name: 'SimpleRNN', inputShape: [5, 3], layers: () => [tf.layers.simpleRNN({ units: 4 })] },
  {
    name: 'Dense + LayerNormalization',
    inputShape: [7],
    layers: () => [tf.layers.dense({ units: 8, activation: 'relu' }), tf.layers.layerNormalization({})],
  },
];

function buildModel(c: LayerCase): tf.LayersModel {
  const model = tf.sequential();
  c.layers().forEach((layer, i) => {
    if (i === 0) (layer as unknown as { batchInputShape: (number | null)[] }).batchInputShape = [null, ...c.inputShape];
    model.add(layer);
  });
  model.add(tf.layers.dense({ units: CLASSES, activation: 'softmax' }));
  // The same starting weights on both backends; variances and scales stay positive.
  model.setWeights(
    model.weights.map((w, i) => {
      const positive = /variance|gamma/.test(w.name);
      return tf.tensor(
        values(size(w.shape as number[]), 100 + i, positive ? 0.5 : -0.5, positive ? 1.5 : 0.5),
        w.shape as number[],
      );
    }),
  );
  return model;
}

function batchesFor(c: LayerCase): Array<{ x: tf.Tensor; y: tf.Tensor }> {
  return Array.from({ length: BATCHES }, (_, b) => {
    const count = BATCH * size(c.inputShape);
    const x = c.vocabulary
      ? tf.tensor(
          Int32Array.from(values(count, 10 + b, 0, c.vocabulary), Math.floor),
          [BATCH, ...c.inputShape],
          'int32',
        )
      : tf.tensor(values(count, 10 + b), [BATCH, ...c.inputShape]);
    const labels = Int32Array.from(values(BATCH, 20 + b, 0, CLASSES), Math.floor);
    return { x, y: tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES).toFloat() };
  });
}

/**
 * The gradients of the first batch, then one epoch (three batches) of Adam, and the weights
 * and loss it ends with: a layer that trains wrongly on wasm shows up in either.
 */
function gradientsAndOneEpoch(c: LayerCase): tf.Tensor[] {
  const model = buildModel(c);
  const batches = batchesFor(c);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const lossOf = (b: { x: tf.Tensor; y: tf.Tensor }) => () =>
    tf.losses.softmaxCrossEntropy(b.y, tf.log(model.apply(b.x, { training: true }) as tf.Tensor)) as tf.Scalar;
  const { grads } = tf.variableGrads(lossOf(batches[0]!), trainable);
  const out = trainable.map((v) => grads[v.name]!.clone());
  const optimizer = tf.train.adam(0.01);
  const losses = batches.map((b) => optimizer.minimize(lossOf(b), true, trainable)!);
  out.push(...losses, ...model.getWeights().map((w) => w.clone()));
  optimizer.dispose();
  model.dispose();
  return out;
}

describe('every palette layer trains the same on wasm as on cpu (gradients, one epoch of Adam; relative error ≤ 1e-4)', () => {
  it.each(cases)('$name', async (c) => {
    await expectWasmMatchesCpu(c.name, () => gradientsAndOneEpoch(c));
  });
});
