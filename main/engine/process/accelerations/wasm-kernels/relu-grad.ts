import type * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/native-kernels';
import { product, type KernelArgs } from './kernel-scope';

/** The kernel's name: inputs dy and y (relu's output), result dy·step(y). */
export const RELU_GRAD_KERNEL = 'LayerlabReluGrad';

/**
 * relu's gradient from its output, dy·step(y), as one native pass (kernels.wat relu_grad) where
 * tfjs runs Step and Multiply over the whole activation: on the CNN bench's first layer
 * (128×26×26×16) those two took ~2.7 ms a step. Same bits as mul(dy, step(y)), NaN included.
 * Used by the fused relu layers' gradient (fused-layers.ts), which falls back to the two tfjs ops
 * on backends without it.
 */
export function createReluGrad(native: NativeKernels): tf.KernelFunc {
  return (args: KernelArgs) => {
    const dy = args.inputs['dy']!;
    const y = args.inputs['y']!;
    const n = product(y.shape);
    if (dy.dtype !== 'float32' || y.dtype !== 'float32' || product(dy.shape) !== n) {
      throw new Error(
        `relu's gradient needs float32 dy and y of one size, got ${dy.dtype} [${dy.shape.join(', ')}] and ${y.dtype} [${y.shape.join(', ')}]`,
      );
    }
    const out = native.output([...y.shape]);
    native.reluGrad(out, dy, y, n);
    return out;
  };
}
