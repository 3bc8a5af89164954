import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { categoricalCrossentropy } from '../../../main/engine/process/cross-entropy';

/** Σ_rows w · loss(y, p) and its gradient with respect to p. */
function valueAndGrad(loss: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor, y: tf.Tensor, p: tf.Tensor, w: tf.Tensor) {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((pp: tf.Tensor) => tf.sum(tf.mul(loss(y, pp), w)) as tf.Scalar)(p);
    return { value: value.dataSync()[0]!, grad: grad.arraySync() as number[][] };
  });
}

describe('categorical cross-entropy with a written-out gradient', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives Keras’ value and the recorded gradient, clipped, unnormalised and soft-label rows included', () => {
    const softmax = tf.tidy(() => tf.softmax(tf.randomNormal([40, 6], 0, 3, 'float32', 7)).arraySync() as number[][]);
    // A one-hot prediction (clipped at both ends), one with an exact zero, one that does not sum to 1.
    const rows = [...softmax, [1, 0, 0, 0, 0, 0], [0.5, 0.5, 1e-9, 0, 0, 0], [2, 1, 1, 1, 1, 1]];
    const labels: number[][] = rows.map((_, i) => Array.from({ length: 6 }, (_, j) => (j === i % 6 ? 1 : 0)));
    labels[1] = [0.2, 0.3, 0.5, 0, 0, 0]; // soft labels
    const p = tf.tensor2d(rows);
    const y = tf.tensor2d(labels);
    const w = tf.tensor1d(rows.map((_, i) => 0.25 + (i % 5) / 4)); // a per-row upstream gradient
    const stock = valueAndGrad((a, b) => tf.metrics.categoricalCrossentropy(a, b), y, p, w);
    const ours = valueAndGrad(categoricalCrossentropy, y, p, w);
    expect(ours.value).toBe(stock.value);
    let worst = 0;
    stock.grad.forEach((row, i) =>
      row.forEach((g, j) => (worst = Math.max(worst, Math.abs(g - ours.grad[i]![j]!) / Math.max(1, Math.abs(g))))),
    );
    expect(worst).toBeLessThan(1e-6);
    // The clipped one-hot row: no gradient through the clipped entries, as clipByValue's.
    expect(ours.grad[40]).toEqual(stock.grad[40]);
    tf.dispose([p, y, w]);
  });

  it('leaves no tensors behind (forward, saved tensors and gradient)', () => {
    const before = tf.memory().numTensors;
    const p = tf.tidy(() => tf.softmax(tf.randomNormal([8, 3], 0, 1, 'float32', 1)));
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3));
    const { grad, value } = tf.valueAndGrad((pp: tf.Tensor) => tf.mean(categoricalCrossentropy(y, pp)) as tf.Scalar)(p);
    tf.dispose([p, y, grad, value]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps y for the backward pass when the caller made it in a tidy that has ended (sparse targets)', () => {
    const p = tf.tidy(() => tf.softmax(tf.randomNormal([6, 3], 0, 1, 'float32', 2)));
    const classes = tf.tensor1d([0, 1, 2, 2, 1, 0], 'int32');
    const sparse = (pp: tf.Tensor) =>
      tf.mean(tf.tidy(() => categoricalCrossentropy(tf.oneHot(classes, 3).cast('float32'), pp))) as tf.Scalar;
    const stock = (pp: tf.Tensor) =>
      tf.mean(tf.metrics.categoricalCrossentropy(tf.oneHot(classes, 3).cast('float32'), pp)) as tf.Scalar;
    const [ours, theirs] = [tf.grad(sparse)(p), tf.grad(stock)(p)];
    expect(tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([p, classes, ours, theirs]);
  });
});
