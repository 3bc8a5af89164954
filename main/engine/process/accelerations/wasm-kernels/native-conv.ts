import * as tf from '@tensorflow/tfjs';
import { isSmallConv, type NativeKernels, type WindowGeometry } from '../native/native-kernels';
import { conv2dInfo } from './conv-filter-grad';
import { product, type KernelArgs } from './kernel-scope';

type Attrs = Record<string, unknown>;

/**
 * The geometry of a convolution the native kernels take (NHWC, no dilation, float32), or null
 * to leave it to the other path. computeConv2DInfo resolves every padding tfjs accepts.
 */
function geometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Attrs,
  tensors: tf.TensorInfo[],
): (WindowGeometry & { outChannels: number }) | null {
  if (tensors.some((t) => t.dtype !== 'float32')) return null;
  const format = (attrs['dataFormat'] as string | undefined) ?? 'NHWC';
  const dilations = attrs['dilations'] ?? 1;
  if (format !== 'NHWC' || !(dilations === 1 || (Array.isArray(dilations) && dilations.every((d) => d === 1))))
    return null;
  if (xShape.length !== 4 || filterShape.length !== 4 || product(xShape) === 0 || product(filterShape) === 0)
    return null;
  const info = conv2dInfo(xShape, filterShape, attrs, 'Conv2D');
  if (info.outHeight <= 0 || info.outWidth <= 0) return null;
  return { ...info, padInfo: { top: info.padInfo.top, left: info.padInfo.left } };
}

/** A 1×1 stride-1 convolution without padding reads x itself as its columns. */
const isPointwise = (g: WindowGeometry) =>
  g.filterHeight === 1 &&
  g.filterWidth === 1 &&
  g.strideHeight === 1 &&
  g.strideWidth === 1 &&
  g.padInfo.top === 0 &&
  g.padInfo.left === 0;

/** Whether the CPU addon's convolution takes this geometry (it refuses padding of a whole window or more). */
const cpuConvTakes = (native: NativeKernels, g: WindowGeometry) =>
  native.cpuGemm !== null && g.padInfo.top < g.filterHeight && g.padInfo.left < g.filterWidth;

/** x laid out as [pixels, taps] (a temporary unless pointwise); `done` frees it. */
function columns(
  native: NativeKernels,
  x: tf.TensorInfo,
  g: WindowGeometry,
): { cols: tf.TensorInfo; rows: number; taps: number; done: () => void } {
  const rows = g.batchSize * g.outHeight * g.outWidth;
  const taps = g.filterHeight * g.filterWidth * g.inChannels;
  if (isPointwise(g)) return { cols: x, rows, taps, done: () => undefined };
  const cols = native.output([rows, taps]);
  native.im2col(cols, x, g);
  return { cols, rows, taps, done: () => native.free(cols) };
}

/**
 * Conv2D's two gradients as im2col/col2im around the engine's own GEMM (native/kernels.wat).
 * On the CNN's shapes that is 1.5-2.3× faster than the compositions over XNNPACK's convolution
 * in conv-filter-grad.ts and conv-input-grad.ts, which remain for what this does not take
 * (dilation, other dtypes, empty tensors). The forward convolution stays with XNNPACK (its
 * indirect GEMM needs no im2col copy: im2col + GEMM measured slower, 3×3×1→16 1.5 vs 2.7 ms, and
 * on two threads 24×24×16→32 6.7 vs 8.4 ms), except a first layer's: few input channels into a
 * multiple of 16 run conv_small_forward, and their filter gradient conv_filter_grad_small, both
 * without im2col (48×48×3→16 forward at batch 32 on two threads: 3.8 → 2.6 ms).
 */
export function createNativeConvKernels(
  native: NativeKernels,
  fallback: Record<'Conv2D' | 'FusedConv2D' | 'Conv2DBackpropFilter' | 'Conv2DBackpropInput', tf.KernelFunc>,
): Record<string, tf.KernelFunc> {
  const backpropFilter = (args: KernelArgs): tf.TensorInfo | null => {
    const x = args.inputs['x']!;
    const dy = args.inputs['dy']!;
    const attrs = (args.attrs ?? {}) as Attrs;
    const filterShape = attrs['filterShape'] as number[];
    const g = geometry(x.shape, filterShape, attrs, [x, dy]);
    if (!g) return null;
    const outChannels = filterShape[3]!;
    // The addon first: on a first layer too (32×32×1→16 at batch 32: 0.5 ms on two threads,
    // conv_filter_grad_small 0.55 ms on one).
    if (cpuConvTakes(native, g) && !isPointwise(g)) {
      const dw = native.output([...filterShape]);
      native.cpuConv('filter', dw, x, dy, undefined, g, outChannels, false);
      return dw;
    }
    if (isSmallConv(g, outChannels)) {
      const dw = native.output([...filterShape]);
      native.convFilterGradSmall(dw, x, dy, g, outChannels);
      return dw;
    }
    const { cols, rows, taps, done } = columns(native, x, g);
    try {
      const dw = native.output([...filterShape]);
      native.gemm(dw, { m: taps, k: rows, n: filterShape[3]!, a: cols, transposeA: true, b: dy, transposeB: false });
      return dw;
    } finally {
      done();
    }
  };

  const backpropInput = (args: KernelArgs): tf.TensorInfo | null => {
    const dy = args.inputs['dy']!;
    const filter = args.inputs['filter']!;
    const attrs = (args.attrs ?? {}) as Attrs;
    const inputShape = attrs['inputShape'] as number[];
    const g = geometry(inputShape, filter.shape, attrs, [dy, filter]);
    if (!g) return null;
    const rows = g.batchSize * g.outHeight * g.outWidth;
    const taps = g.filterHeight * g.filterWidth * g.inChannels;
    const dx = native.output([...inputShape]);
    if (isPointwise(g)) {
      native.gemm(dx, { m: rows, k: filter.shape[3]!, n: taps, a: dy, transposeA: false, b: filter, transposeB: true });
      return dx;
    }
    if (cpuConvTakes(native, g)) {
      native.cpuConv('input', dx, dy, filter, undefined, g, filter.shape[3]!, false);
      return dx;
    }
    const dcols = native.output([rows, taps]);
    try {
      native.gemm(dcols, {
        m: rows,
        k: filter.shape[3]!,
        n: taps,
        a: dy,
        transposeA: false,
        b: filter,
        transposeB: true,
      });
      native.col2im(dx, dcols, g);
      return dx;
    } finally {
      native.free(dcols);
    }
  };

  /**
   * A Conv2D / FusedConv2D either forward kernel below takes (float32, bias over the output
   * channels, relu or linear), with its geometry and an output of its shape; null otherwise.
   */
  const forwardCall = (args: KernelArgs) => {
    const x = args.inputs['x']!;
    const filter = args.inputs['filter']!;
    const bias = args.inputs['bias'];
    const attrs = (args.attrs ?? {}) as Attrs;
    const activation = (attrs['activation'] as string | undefined) ?? 'linear';
    if ((activation !== 'linear' && activation !== 'relu') || args.inputs['preluActivationWeights']) return null;
    const outChannels = filter.shape[3]!;
    if (bias && (bias.dtype !== 'float32' || product(bias.shape) !== outChannels)) return null;
    const g = geometry(x.shape, filter.shape, attrs, [x, filter]);
    if (!g) return null;
    return { x, filter, bias, g, outChannels, relu: activation === 'relu' };
  };

  /** Conv2D / FusedConv2D of a first layer (few input channels, bias, relu or linear): conv_small_forward. */
  const smallForward = (args: KernelArgs): tf.TensorInfo | null => {
    const call = forwardCall(args);
    if (!call || !isSmallConv(call.g, call.outChannels)) return null;
    const { x, filter, bias, g, outChannels, relu } = call;
    const y = native.output([g.batchSize, g.outHeight, g.outWidth, outChannels]);
    native.convSmallForward(y, x, filter, bias, g, outChannels, relu);
    return y;
  };

  /**
   * Any other Conv2D / FusedConv2D (bias, relu or linear) on the CPU addon, when it is loaded
   * (its im2col read while packing): with the CPU's full vector width that beats XNNPACK's wasm
   * convolution; im2col + the wasm GEMM does not (above).
   */
  const gemmForward = (args: KernelArgs): tf.TensorInfo | null => {
    if (!native.cpuGemm) return null;
    const call = forwardCall(args);
    if (!call || !cpuConvTakes(native, call.g)) return null;
    const { x, filter, bias, g, outChannels, relu } = call;
    const y = native.output([g.batchSize, g.outHeight, g.outWidth, outChannels]);
    native.cpuConv('forward', y, x, filter, bias, g, outChannels, relu);
    return y;
  };

  return {
    // The addon's convolution first: it also beats conv_small_forward on a first layer (32×32×1→16
    // at batch 32: 0.3 ms on two threads against 0.6 ms on one); conv_small_forward without it.
    Conv2D: (args) => gemmForward(args) ?? smallForward(args) ?? fallback.Conv2D(args),
    FusedConv2D: (args) => gemmForward(args) ?? smallForward(args) ?? fallback.FusedConv2D(args),
    Conv2DBackpropFilter: (args) => backpropFilter(args) ?? fallback.Conv2DBackpropFilter(args),
    Conv2DBackpropInput: (args) => backpropInput(args) ?? fallback.Conv2DBackpropInput(args),
  };
}
