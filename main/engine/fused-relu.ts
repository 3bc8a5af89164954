import * as tf from '@tensorflow/tfjs';
import { engineNativeKernels } from './wasm-kernel-fixes';
import { RELU_GRAD_KERNEL } from './wasm-kernels/relu-grad';

/**
 * tfjs runs a layer's matmul or convolution, its bias and its relu as one fused kernel, except
 * while a gradient is being recorded: its fused ops then fuse only a 'linear' activation
 * (shouldFuse in tfjs-core), although their fused gradient handles relu (dy·step(y)). So every
 * Dense or Conv2D layer with relu trained as three kernels and three tape nodes, each reading
 * and writing the whole activation; on the CNN bench the bias Add and the Relu alone took ~4 ms
 * of a ~35 ms step. These wrappers keep tfjs' fused ops for everything, and while recording a
 * relu with a bias they run the one fused kernel under a custom gradient that is tfjs' own fused
 * gradient for relu: dy·step(y), then the same input, weight and bias gradients.
 */

type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];
type FusedConv2dArgs = Parameters<typeof tf.fused.conv2d>[0];

interface EngineInternals {
  state: { gradientDepth: number };
  runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: tf.GradSaveFunc) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

const engine = () => tf.engine() as unknown as EngineInternals;
const recording = () => engine().state.gradientDepth > 0;
const isTensor = (t: unknown): t is tf.Tensor => t instanceof tf.Tensor;
const ones = (v: number | [number, number] | undefined) => v === undefined || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);

/**
 * One recorded op with a gradient per input that is computed only when asked for. (tf.customGrad
 * computes every input's gradient eagerly: for a first layer that is a full matmul or
 * convolution back to the data, which nothing needs — the tape asks only for what leads to a
 * weight.) `backward` gets relu's dy·step(y) and returns the input, weight and bias gradients.
 */
function reluOp(inputs: [tf.Tensor, tf.Tensor, tf.Tensor], forward: () => tf.Tensor, backward: Array<(dyRelu: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor>): tf.Tensor {
  return engine().runKernelFunc({
    forwardFunc: (_backend, save) => {
      const y = forward();
      save([inputs[0], inputs[1], y]);
      return y;
    },
    backwardsFunc: (dy, saved) => {
      const y = saved[2]!;
      const dyRelu = tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) ? (engine().runKernel(RELU_GRAD_KERNEL, { dy, y }, {}) as tf.Tensor) : tf.mul(dy, tf.step(y));
      return Object.fromEntries(backward.map((grad, i) => [String(i), () => grad(dyRelu, saved)]));
    },
    inputs: { 0: inputs[0], 1: inputs[1], 2: inputs[2] },
  });
}

/** relu(a·b + bias) for a Dense layer (2-D, untransposed, a bias per unit), fused while recording. */
function reluDense(a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  const [m, k] = a.shape;
  const n = b.shape[1];
  return reluOp(
    [a, b, bias],
    () => {
      const attrs = { transposeA: false, transposeB: false, activation: 'relu' };
      // The engine's own wasm GEMM takes the 2-D operands as they are; tfjs' kernels want them
      // batched (3-D), as tfjs' fused matMul gives them (three Reshapes, each a dispatch).
      if (tf.getBackend() === 'wasm' && engineNativeKernels()) return engine().runKernel('_FusedMatMul', { a, b, bias }, attrs) as tf.Tensor;
      return tf.reshape(engine().runKernel('_FusedMatMul', { a: tf.reshape(a, [1, m, k]), b: tf.reshape(b, [1, k, n]), bias }, attrs) as tf.Tensor, [m, n]);
    },
    [(dyRelu, [, w]) => tf.matMul(dyRelu as tf.Tensor2D, w as tf.Tensor2D, false, true), (dyRelu, [x]) => tf.matMul(x as tf.Tensor2D, dyRelu as tf.Tensor2D, true, false), (dyRelu) => tf.sum(dyRelu, 0)],
  ) as tf.Tensor2D;
}

/** relu(conv2d(x, filter) + bias), NHWC without dilation, fused while recording. */
function reluConv(args: FusedConv2dArgs & { x: tf.Tensor4D; filter: tf.Tensor4D; bias: tf.Tensor1D }): tf.Tensor4D {
  const { x, filter, bias, strides, pad, dimRoundingMode } = args;
  // The gradients as tfjs' conv2d gradient calls them (its conv2DBackpropInput/Filter ops are internal).
  const geometry = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  return reluOp(
    [x, filter, bias],
    () => engine().runKernel('FusedConv2D', { x, filter, bias }, { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode, activation: 'relu' }) as tf.Tensor,
    [
      (dyRelu, [xs, fs]) => engine().runKernel('Conv2DBackpropInput', { dy: dyRelu, filter: fs! }, { ...geometry, inputShape: xs!.shape }) as tf.Tensor,
      (dyRelu, [xs, fs]) => engine().runKernel('Conv2DBackpropFilter', { x: xs!, dy: dyRelu }, { ...geometry, filterShape: fs!.shape }) as tf.Tensor,
      (dyRelu) => tf.sum(dyRelu, [0, 1, 2]),
    ],
  ) as tf.Tensor4D;
}

let installed = false;

/** Wraps tf.fused.matMul and tf.fused.conv2d (which tfjs-layers' Dense and Conv2D call); once. */
export function installFusedReluTraining(): void {
  if (installed) return;
  const fused = tf.fused as { matMul: typeof tf.fused.matMul; conv2d: typeof tf.fused.conv2d };
  const stockMatMul = fused.matMul;
  const stockConv2d = fused.conv2d;
  fused.matMul = ((args: FusedMatMulArgs) => {
    const { a, b, bias } = args;
    if (recording() && args.activation === 'relu' && !args.transposeA && !args.transposeB && isTensor(a) && isTensor(b) && isTensor(bias) && a.rank === 2 && b.rank === 2 && bias.rank === 1 && bias.shape[0] === b.shape[1] && a.dtype === 'float32' && b.dtype === 'float32' && bias.dtype === 'float32') {
      return reluDense(a as tf.Tensor2D, b as tf.Tensor2D, bias as tf.Tensor1D);
    }
    return stockMatMul(args);
  }) as typeof tf.fused.matMul;
  fused.conv2d = ((args: FusedConv2dArgs) => {
    const { x, filter, bias } = args;
    if (
      recording() &&
      args.activation === 'relu' &&
      (args.dataFormat ?? 'NHWC') === 'NHWC' &&
      ones(args.dilations) &&
      isTensor(x) &&
      isTensor(filter) &&
      isTensor(bias) &&
      x.rank === 4 &&
      filter.rank === 4 &&
      bias.rank === 1 &&
      bias.shape[0] === filter.shape[3] &&
      x.dtype === 'float32' &&
      filter.dtype === 'float32' &&
      bias.dtype === 'float32'
    ) {
      return reluConv({ ...args, x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, bias: bias as tf.Tensor1D }) as never;
    }
    return stockConv2d(args);
  }) as typeof tf.fused.conv2d;
  installed = true;
}
