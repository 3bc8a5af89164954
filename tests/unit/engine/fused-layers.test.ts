import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { installFusedLayerTraining } from '../../../main/engine/process/accelerations/fused-layers';
import { expectWasmMatchesCpu, randomTensor, useWasmWithFixes, valueAndGrads } from './wasm-compare';

/** Largest |a − b| over matching tensors, relative to max(1, |a|). */
function worst(a: tf.Tensor[], b: tf.Tensor[]): number {
  let w = 0;
  a.forEach((t, i) => {
    const x = t.dataSync();
    const y = b[i]!.dataSync();
    x.forEach((v, j) => (w = Math.max(w, Math.abs(v - y[j]!) / Math.max(1, Math.abs(v)))));
  });
  return w;
}

/** The value and the gradients of Σ w·f(x, kernel, bias) with respect to all three. */
function gradsOf(
  f: (x: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  k: tf.Tensor,
  b: tf.Tensor,
  w: tf.Tensor,
) {
  const { value, grads } = tf.valueAndGrads(
    (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, kk, bb), w)) as tf.Scalar,
  )([x, k, b]);
  return [value, ...grads];
}

describe('relu layers fused while training (tf.fused wrappers)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    installFusedLayerTraining();
  });

  it('a Dense relu layer: one fused kernel recorded, the same value and gradients as matMul + bias + relu', async () => {
    const x = tf.randomNormal([16, 12], 0, 1, 'float32', 1);
    const k = tf.randomNormal([12, 8], 0, 1, 'float32', 2);
    const b = tf.randomNormal([8], 0, 1, 'float32', 3);
    const w = tf.randomNormal([16, 8], 0, 1, 'float32', 4);
    const fused = (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) =>
      tf.fused.matMul({ a: xx as tf.Tensor2D, b: kk as tf.Tensor2D, bias: bb, activation: 'relu' });
    const plain = (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) => tf.relu(tf.add(tf.matMul(xx, kk), bb));
    // tf.profile records until its promise settles: nothing else may run meanwhile.
    const profile = await tf.profile(() => gradsOf(fused, x, k, b, w));
    expect(profile.kernelNames).toContain('_FusedMatMul');
    expect(profile.kernelNames).not.toContain('Relu');
    expect(profile.kernelNames).not.toContain('Add');
    expect(worst(gradsOf(fused, x, k, b, w), gradsOf(plain, x, k, b, w))).toBeLessThan(1e-6);
    // A first layer: only the weights' gradients are asked for, and only they are computed.
    const weightsOnly = await tf.profile(() =>
      tf.grads((kk: tf.Tensor, bb: tf.Tensor) => tf.sum(fused(x, kk, bb)) as tf.Scalar)([k, b]),
    );
    expect(weightsOnly.kernels.filter((kernel) => kernel.name === 'BatchMatMul')).toHaveLength(1);
  });

  it('Conv2D relu layers (valid and same padding, strides 1 and 2): the same value and gradients as conv + bias + relu', async () => {
    for (const [pad, stride] of [
      ['valid', 1],
      ['same', 1],
      ['same', 2],
      ['valid', 2],
    ] as const) {
      const x = tf.randomNormal([3, 9, 8, 4], 0, 1, 'float32', 5);
      const k = tf.randomNormal([3, 3, 4, 6], 0, 1, 'float32', 6);
      const b = tf.randomNormal([6], 0, 1, 'float32', 7);
      const conv = tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, stride, pad);
      const w = tf.randomNormal(conv.shape, 0, 1, 'float32', 8);
      const fused = (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) =>
        tf.fused.conv2d({
          x: xx as tf.Tensor4D,
          filter: kk as tf.Tensor4D,
          strides: stride,
          pad,
          bias: bb,
          activation: 'relu',
        });
      const plain = (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) =>
        tf.relu(tf.add(tf.conv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, stride, pad), bb));
      expect(worst(gradsOf(fused, x, k, b, w), gradsOf(plain, x, k, b, w)), `${pad} stride ${stride}`).toBeLessThan(
        1e-5,
      );
      if (pad === 'same' && stride === 2) {
        const profile = await tf.profile(() => gradsOf(fused, x, k, b, w));
        expect(profile.kernelNames).toContain('FusedConv2D');
        expect(profile.kernelNames).not.toContain('Relu');
      }
    }
  });

  it('leaves other activations and inference to tfjs', async () => {
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 9);
    const k = tf.randomNormal([3, 2], 0, 1, 'float32', 10);
    const b = tf.randomNormal([2], 0, 1, 'float32', 11);
    const sigmoid = await tf.profile(() =>
      tf.grads(
        (xx: tf.Tensor) =>
          tf.sum(
            tf.fused.matMul({ a: xx as tf.Tensor2D, b: k as tf.Tensor2D, bias: b, activation: 'sigmoid' }),
          ) as tf.Scalar,
      )([x]),
    );
    expect(sigmoid.kernelNames).toContain('Sigmoid');
    const inference = await tf.profile(() =>
      tf.fused.matMul({ a: x as tf.Tensor2D, b: k as tf.Tensor2D, bias: b, activation: 'relu' }),
    );
    expect(inference.kernelNames).toContain('_FusedMatMul');
    expect(inference.kernelNames).not.toContain('forward'); // no custom gradient outside training
  });
});

describe('fused Dense layers on the engine’s own wasm GEMM (2-D operands, linear layers too)', () => {
  beforeAll(useWasmWithFixes);

  for (const [label, activation, withBias] of [
    ['relu with a bias', 'relu', true],
    ['linear with a bias', 'linear', true],
    ['linear without a bias', 'linear', false],
  ] as const) {
    it(`${label}: wasm equals the cpu backend's plain matMul + bias (+ relu), value and gradients`, async () => {
      const act = activation === 'relu' ? tf.relu : (t: tf.Tensor) => t;
      const f = (x: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) =>
        tf.getBackend() === 'wasm'
          ? tf.fused.matMul({ a: x as tf.Tensor2D, b: k as tf.Tensor2D, bias: b, activation })
          : act(b ? tf.add(tf.matMul(x, k), b) : tf.matMul(x, k));
      await expectWasmMatchesCpu(label, () =>
        valueAndGrads(
          [randomTensor([9, 13], 1), randomTensor([13, 6], 2), ...(withBias ? [randomTensor([6], 3)] : [])],
          f,
        ),
      );
    });
  }
});
