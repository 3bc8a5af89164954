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
 * gradient for relu: dy·step(y), then the same input, weight and bias gradients. On the engine's
 * own wasm GEMM a linear Dense layer takes the same path (its operands as they are, no Reshapes).
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
const ones = (v: number | [number, number] | undefined) =>
  v === undefined || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);

/**
 * One recorded op with a gradient per input that is computed only when asked for. (tf.customGrad
 * computes every input's gradient eagerly: for a first layer that is a full matmul or
 * convolution back to the data, which nothing needs — the tape asks only for what leads to a
 * weight.) `backward` gets dy — through relu's gradient, dy·step(y), when `relu` — and the saved
 * [input, weights, output], and returns the input, weight and (when given) bias gradients.
 */
function fusedOp(
  inputs: tf.Tensor[],
  relu: boolean,
  forward: () => tf.Tensor,
  backward: Array<(dyAct: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor>,
): tf.Tensor {
  return engine().runKernelFunc({
    forwardFunc: (_backend, save) => {
      const y = forward();
      save(relu ? [inputs[0]!, inputs[1]!, y] : [inputs[0]!, inputs[1]!]);
      return y;
    },
    backwardsFunc: (dy, saved) => {
      const y = saved[2];
      const dyAct = !y
        ? dy
        : tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend())
          ? (engine().runKernel(RELU_GRAD_KERNEL, { dy, y }, {}) as tf.Tensor)
          : tf.mul(dy, tf.step(y));
      return Object.fromEntries(inputs.map((_, i) => [String(i), () => backward[i]!(dyAct, saved)]));
    },
    inputs: Object.fromEntries(inputs.map((t, i) => [String(i), t])),
  });
}

/** The engine's own wasm GEMM runs: it takes 2-D operands as they are (tfjs' kernels want 3-D ones). */
const nativeGemm = () => tf.getBackend() === 'wasm' && engineNativeKernels() !== null;

/** A Dense layer's act(a·b + bias) (2-D, untransposed; bias per unit or none), fused while recording. */
function fusedDense(a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor1D | null, relu: boolean): tf.Tensor2D {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const operands: Record<string, tf.Tensor> = bias ? { a, b, bias } : { a, b };
  const attrs = { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear' };
  return fusedOp(
    bias ? [a, b, bias] : [a, b],
    relu,
    () => {
      if (nativeGemm()) return engine().runKernel('_FusedMatMul', operands, attrs) as tf.Tensor;
      // tfjs' kernels take batched (3-D) operands, as tfjs' fused matMul gives them.
      return tf.reshape(
        engine().runKernel(
          '_FusedMatMul',
          { ...operands, a: tf.reshape(a, [1, m, k]), b: tf.reshape(b, [1, k, n]) },
          attrs,
        ) as tf.Tensor,
        [m, n],
      );
    },
    [
      (dyAct, [, w]) => tf.matMul(dyAct as tf.Tensor2D, w as tf.Tensor2D, false, true),
      (dyAct, [x]) => tf.matMul(x as tf.Tensor2D, dyAct as tf.Tensor2D, true, false),
      (dyAct) => tf.sum(dyAct, 0),
    ],
  ) as tf.Tensor2D;
}

/** relu(conv2d(x, filter) + bias), NHWC without dilation, fused while recording. */
function reluConv(args: FusedConv2dArgs & { x: tf.Tensor4D; filter: tf.Tensor4D; bias: tf.Tensor1D }): tf.Tensor4D {
  const { x, filter, bias, strides, pad, dimRoundingMode } = args;
  // The gradients as tfjs' conv2d gradient calls them (its conv2DBackpropInput/Filter ops are internal).
  const geometry = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  return fusedOp(
    [x, filter, bias],
    true,
    () =>
      engine().runKernel(
        'FusedConv2D',
        { x, filter, bias },
        { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode, activation: 'relu' },
      ) as tf.Tensor,
    [
      (dyRelu, [xs, fs]) =>
        engine().runKernel(
          'Conv2DBackpropInput',
          { dy: dyRelu, filter: fs! },
          { ...geometry, inputShape: xs!.shape },
        ) as tf.Tensor,
      (dyRelu, [xs, fs]) =>
        engine().runKernel(
          'Conv2DBackpropFilter',
          { x: xs!, dy: dyRelu },
          { ...geometry, filterShape: fs!.shape },
        ) as tf.Tensor,
      (dyRelu) => tf.sum(dyRelu, [0, 1, 2]),
    ],
  ) as tf.Tensor4D;
}

let installed = false;

/** Wraps tf.fused.matMul and tf.fused.conv2d (which tfjs-layers' Dense and Conv2D call); once. */
export function installFusedLayerTraining(): void {
  if (installed) return;
  const fused = tf.fused as { matMul: typeof tf.fused.matMul; conv2d: typeof tf.fused.conv2d };
  const stockMatMul = fused.matMul;
  const stockConv2d = fused.conv2d;
  fused.matMul = ((args: FusedMatMulArgs) => {
    const { a, b, bias } = args;
    const activation = args.activation ?? 'linear';
    const dense =
      recording() &&
      !args.transposeA &&
      !args.transposeB &&
      isTensor(a) &&
      isTensor(b) &&
      a.rank === 2 &&
      b.rank === 2 &&
      a.shape[1] === b.shape[0] &&
      a.dtype === 'float32' &&
      b.dtype === 'float32' &&
      (bias == null || (isTensor(bias) && bias.rank === 1 && bias.shape[0] === b.shape[1] && bias.dtype === 'float32'));
    // relu with a bias everywhere; a linear layer (tfjs fuses those itself) where skipping its
    // three Reshapes and eager input gradient pays: on the engine's own GEMM.
    if (dense && activation === 'relu' && bias != null)
      return fusedDense(a as tf.Tensor2D, b as tf.Tensor2D, bias as tf.Tensor1D, true);
    if (dense && activation === 'linear' && nativeGemm())
      return fusedDense(a as tf.Tensor2D, b as tf.Tensor2D, (bias ?? null) as tf.Tensor1D | null, false);
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
      x.shape[3] === filter.shape[2] &&
      bias.rank === 1 &&
      bias.shape[0] === filter.shape[3] &&
      x.dtype === 'float32' &&
      filter.dtype === 'float32' &&
      bias.dtype === 'float32'
    ) {
      return reluConv({
        ...args,
        x: x as tf.Tensor4D,
        filter: filter as tf.Tensor4D,
        bias: bias as tf.Tensor1D,
      }) as never;
    }
    return stockConv2d(args);
  }) as typeof tf.fused.conv2d;
  installed = true;
}
