import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/native-kernels';
import { product, type KernelArgs } from './kernel-scope';
import { shareIdentity } from './identity';

/**
 * Sum over every axis but the last (a bias gradient: dy summed over batch and pixels) in one
 * pass with the engine's own kernel; stock tfjs-backend-wasm 4.22 first transposes the whole
 * tensor so the reduced axes come last. Other reductions go to the stock kernel.
 */
export function createSum(native: NativeKernels, stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs['x']!;
    const attrs = (args.attrs ?? {}) as Record<string, unknown>;
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank < 2 || product(x.shape) === 0) return stock(args);
    const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape).sort((a, b) => a - b);
    const leading = axes.length === rank - 1 && axes.every((a, i) => a === i);
    if (!leading) return stock(args);
    const cols = x.shape[rank - 1]!;
    const out = native.output(attrs['keepDims'] ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols]);
    native.sumRows(out, x, product(x.shape) / cols, cols);
    return out;
  };
}

/**
 * Cast to the dtype a tensor already has shares its buffer (as the cpu backend does) instead
 * of copying it: tfjs' relu gradient casts its float32 step mask to float32 on every step.
 */
export function createCast(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) =>
    args.inputs['x']!.dtype === (args.attrs ?? {})['dtype'] ? shareIdentity(args) : stock(args);
}
