import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { installLeanTapeSaves } from '../../../main/engine/process/accelerations/lean-tape';

describe('tensors saved for the backward pass share their buffers (lean tape)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    installLeanTapeSaves();
  });

  // f(x) = Σ sigmoid(x·w)², with a custom-gradient op in the middle: df/dx analytically.
  const w = tf.tensor2d([
    [0.5, -1],
    [2, 0.25],
  ]);
  const square = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    return { value: tf.square(x), gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(dy, tf.mul(2, saved!)) };
  });
  const f = (x: tf.Tensor) => tf.sum(square(tf.sigmoid(tf.matMul(x, w)))) as tf.Scalar;

  it('computes the same gradients without an Identity kernel per saved tensor, and leaves no tensors behind', async () => {
    const x = tf.tensor2d([
      [0.1, -0.3],
      [1.2, 0.7],
      [-2, 0.05],
    ]);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const g = tf.grad(f)(x);
      g.dispose();
    });
    expect(profile.kernelNames).not.toContain('Identity');
    expect(tf.memory().numTensors).toBe(before);
    const grad = tf.grad(f)(x).arraySync() as number[][];
    const s = tf.sigmoid(tf.matMul(x, w)).arraySync() as number[][];
    const expected = s.map((row) =>
      [0, 1].map((i) => row.reduce((acc, v, j) => acc + 2 * v * v * (1 - v) * w.arraySync()[i]![j]!, 0)),
    );
    grad.forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(expected[r]![c]!, 6)));
  });

  it('tf.clone outside a kernel keeps its gradient', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.clone(x), 3)) as tf.Scalar)(tf.tensor1d([1, 2]));
    expect(Array.from(g.dataSync())).toEqual([3, 3]);
  });
});
