import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { installWasmKernelFixes } from '../../../main/engine/process/accelerations/wasm-kernel-fixes';
import { mulberry32 } from '../../../app/math/seeded-random';

// Shared by the wasm-vs-cpu tests: the same computation on both backends, compared.

tf.enableProdMode(); // the cpu backend would print tfjs' "install tfjs-node" notice

export const TOLERANCE = 1e-4;

export async function useWasmWithFixes(): Promise<void> {
  expect(await tf.setBackend('wasm')).toBe(true);
  installWasmKernelFixes();
}

/** Deterministic values in [lo, hi): the same data on every backend and every run. */
export function values(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: count }, () => lo + (hi - lo) * random());
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  return tf.tensor(values(size(shape), seed, lo, hi), shape);
}

/**
 * Runs `compute` on `backend` and reads its tensors back. Also checks that nothing it ran kept
 * backend memory: a composed kernel must free every intermediate it made.
 */
export async function runOn(
  backend: 'cpu' | 'wasm',
  compute: () => tf.Tensor[],
): Promise<{ shapes: number[][]; data: Float32Array[] }> {
  expect(await tf.setBackend(backend)).toBe(true);
  const before = tf.engine().backend.numDataIds();
  const outs = tf.tidy(compute);
  const data = (await Promise.all(outs.map((t) => t.data()))).map((d) => Float32Array.from(d));
  const shapes = outs.map((t) => t.shape);
  tf.dispose(outs);
  expect(tf.engine().backend.numDataIds(), `${backend} kept intermediate buffers`).toBe(before);
  return { shapes, data };
}

/** Largest |a - b| over the largest |a|: the error relative to the result's scale. */
export function relativeError(reference: Float32Array, actual: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(reference[i]! - actual[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** `compute` on cpu and on wasm (with the engine's kernels): equal shapes, relative error ≤ 1e-4. */
export async function expectWasmMatchesCpu(label: string, compute: () => tf.Tensor[]): Promise<number> {
  const cpu = await runOn('cpu', compute);
  const wasm = await runOn('wasm', compute);
  expect(wasm.shapes, label).toEqual(cpu.shapes);
  let worst = 0;
  cpu.data.forEach((reference, i) => {
    expect(reference.every(Number.isFinite), `${label}: cpu output ${i} is finite`).toBe(true);
    const error = relativeError(reference, wasm.data[i]!);
    if (process.env['WASM_COMPARE_VERBOSE'])
      console.log(`${label}: output ${i} relative error ${error.toExponential(1)}`);
    expect(error, `${label}: output ${i} (shape ${cpu.shapes[i]!.join('×')})`).toBeLessThanOrEqual(TOLERANCE);
    worst = Math.max(worst, error);
  });
  return worst;
}

/**
 * Value and gradients of Σ f(inputs) · r for a fixed random r, so every output position sends a
 * different upstream gradient (a plain sum would send ones and hide routing mistakes).
 */
export function valueAndGrads(inputs: tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor, seed = 99): tf.Tensor[] {
  const y = f(...inputs);
  const r = randomTensor(y.shape, seed);
  const grads = tf.grads((...xs: tf.Tensor[]) =>
    f(...xs)
      .mul(r)
      .sum(),
  )(inputs);
  return [y, ...grads];
}
