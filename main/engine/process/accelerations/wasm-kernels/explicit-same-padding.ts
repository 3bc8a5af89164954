import * as tf from '@tensorflow/tfjs';
import { wasmKernel, type KernelArgs } from './kernel-scope';

const { backend_util } = tf;

/** The forward convolution kernels whose 'same' padding stock wasm 4.22 gets wrong. */
export const SAME_PADDING_KERNELS = ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D'] as const;

/**
 * tfjs-backend-wasm 4.22 hands 'same' padding to XNNPACK as its TensorFlow-SAME flag, and for a
 * quarter of the small filter/stride combinations (a 2-wide filter with stride 3, a 1×2 filter
 * with stride 2, …) the result differs from the cpu backend's by whole values. Given the same
 * padding as explicit numbers the kernels are right, so the wrapper computes them the way the
 * cpu backend does and passes them on.
 */
export function withExplicitSamePadding(kernelName: string, stock: tf.KernelFunc): tf.KernelFunc {
  const depthwise = kernelName.includes('Depthwise');
  return (args: KernelArgs) => {
    const attrs = args.attrs ?? {};
    if (attrs['pad'] !== 'same') return stock(args);
    const x = args.inputs['x']!;
    const filter = args.inputs['filter']!;
    const dataFormat = backend_util.convertConv2DDataFormat(
      (attrs['dataFormat'] as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC',
    );
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs['strides'] as [number, number],
      (attrs['dilations'] as [number, number] | undefined) ?? 1,
      'same',
      undefined,
      depthwise,
      dataFormat,
    );
    const { top, bottom, left, right } = info.padInfo;
    const pad = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    return stock({ ...args, attrs: { ...attrs, pad } as tf.NamedAttrMap });
  };
}

/** The replacements, for the names this tfjs build registers on wasm. */
export function createSamePaddingKernels(): Record<string, tf.KernelFunc> {
  const out: Record<string, tf.KernelFunc> = {};
  for (const name of SAME_PADDING_KERNELS) {
    if (tf.getKernel(name, 'wasm')) out[name] = withExplicitSamePadding(name, wasmKernel(name));
  }
  return out;
}
