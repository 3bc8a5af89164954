import { applyActivation } from './activations';
import {
  requireWeight,
  staticDims,
  toChannelsFirst,
  toChannelsLast,
  transposeValues,
  tuple,
  weightsOf,
  type LayerContext,
  type LayerConverter,
} from './layer-context';
import { onnxPads } from './padding';
import { refuse } from './unsupported';

interface ConvSettings {
  spatial: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  padding: 'same' | 'valid';
}

/** The settings every convolution shares, each refused by name when the export cannot honour it. */
function convSettings(ctx: LayerContext, rank: number, kernelShape?: number[]): ConvSettings {
  const c = ctx.config;
  if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast')
    refuse(ctx.ref, 'data_format', c.dataFormat, 'only channels_last models are exported');
  if (c.padding !== 'same' && c.padding !== 'valid')
    refuse(ctx.ref, 'padding', c.padding, "only 'same' and 'valid' are exported");
  const dims = staticDims(ctx.ref, ctx.inputs[0]!.shape);
  return {
    spatial: dims.slice(0, rank),
    kernel: kernelShape ?? tuple(c.kernelSize ?? c.poolSize, rank),
    strides: tuple(c.strides, rank),
    dilations: tuple(c.dilationRate ?? 1, rank),
    padding: c.padding,
  };
}

/** NHWC in, NHWC out; `body` sees the NCHW tensor. Explicit Transposes, so the graph's layout is Keras'. */
export function channelsFirst(ctx: LayerContext, rank: number, body: (nchw: string) => string): string {
  const n = rank + 2;
  const nchw = ctx.g.node('Transpose', [ctx.inputs[0]!.name], { perm: { ints: toChannelsFirst(n) } }, ctx.ref.name);
  return ctx.g.node('Transpose', [body(nchw)], { perm: { ints: toChannelsLast(n) } }, ctx.ref.name);
}

/** Conv1D / Conv2D: tfjs kernel (k..., in, out) → ONNX (out, in, k...). */
export function conv(rank: number): LayerConverter {
  return (ctx) => {
    const s = convSettings(ctx, rank);
    const weights = weightsOf(ctx.layer);
    const k = requireWeight(ctx, weights, 'kernel');
    const w = transposeValues(k.values, k.shape, [rank + 1, rank, ...Array.from({ length: rank }, (_, i) => i)]);
    const inputs = [ctx.g.weight(`${ctx.ref.name}/kernel`, w.values, w.shape)];
    const bias = weights.get('bias');
    if (ctx.config.useBias !== false && bias)
      inputs.push(ctx.g.weight(`${ctx.ref.name}/bias`, bias.values, bias.shape));
    const y = channelsFirst(ctx, rank, (x) =>
      ctx.g.node(
        'Conv',
        [x, ...inputs],
        {
          kernel_shape: { ints: s.kernel },
          strides: { ints: s.strides },
          dilations: { ints: s.dilations },
          pads: { ints: onnxPads(s.spatial, s.kernel, s.strides, s.dilations, s.padding) },
        },
        ctx.ref.name,
      ),
    );
    return applyActivation(ctx.g, y, ctx.config.activation, ctx.ref);
  };
}

/**
 * A depthwise kernel (kh, kw, in, multiplier) as ONNX grouped-conv weights (in·multiplier, 1, kh, kw):
 * TensorFlow numbers output channel c·multiplier + m, which is group c's m-th output in ONNX.
 */
function depthwiseWeights(values: Float32Array, shape: number[]): { values: Float32Array; shape: number[] } {
  const [kh, kw, channels, multiplier] = shape as [number, number, number, number];
  const t = transposeValues(values, [kh, kw, channels * multiplier], [2, 0, 1]);
  return { values: t.values, shape: [channels * multiplier, 1, kh, kw] };
}

function depthwiseNode(
  ctx: LayerContext,
  x: string,
  s: ConvSettings,
  kernel: { values: Float32Array; shape: number[] },
  bias: string[],
): string {
  const channels = kernel.shape[2]!;
  const w = depthwiseWeights(kernel.values, kernel.shape);
  return ctx.g.node(
    'Conv',
    [x, ctx.g.weight(`${ctx.ref.name}/depthwise_kernel`, w.values, w.shape), ...bias],
    {
      group: { int: channels },
      kernel_shape: { ints: s.kernel },
      strides: { ints: s.strides },
      dilations: { ints: s.dilations },
      pads: { ints: onnxPads(s.spatial, s.kernel, s.strides, s.dilations, s.padding) },
    },
    ctx.ref.name,
  );
}

export const depthwiseConv2D: LayerConverter = (ctx) => {
  const weights = weightsOf(ctx.layer);
  const kernel = requireWeight(ctx, weights, 'depthwise_kernel');
  const s = convSettings(ctx, 2, kernel.shape.slice(0, 2));
  const bias = weights.get('bias');
  const biasInput =
    ctx.config.useBias !== false && bias ? [ctx.g.weight(`${ctx.ref.name}/bias`, bias.values, bias.shape)] : [];
  const y = channelsFirst(ctx, 2, (x) => depthwiseNode(ctx, x, s, kernel, biasInput));
  return applyActivation(ctx.g, y, ctx.config.activation, ctx.ref);
};

/** A depthwise convolution (strides, padding, dilation) followed by a 1×1 pointwise one with the bias. */
export const separableConv2D: LayerConverter = (ctx) => {
  const weights = weightsOf(ctx.layer);
  const depthwise = requireWeight(ctx, weights, 'depthwise_kernel');
  const pointwise = requireWeight(ctx, weights, 'pointwise_kernel');
  const s = convSettings(ctx, 2, depthwise.shape.slice(0, 2));
  const p = transposeValues(pointwise.values, pointwise.shape, [3, 2, 0, 1]);
  const bias = weights.get('bias');
  const pointInputs = [ctx.g.weight(`${ctx.ref.name}/pointwise_kernel`, p.values, p.shape)];
  if (ctx.config.useBias !== false && bias)
    pointInputs.push(ctx.g.weight(`${ctx.ref.name}/bias`, bias.values, bias.shape));
  const y = channelsFirst(ctx, 2, (x) =>
    ctx.g.node(
      'Conv',
      [depthwiseNode(ctx, x, s, depthwise, []), ...pointInputs],
      { kernel_shape: { ints: [1, 1] } },
      ctx.ref.name,
    ),
  );
  return applyActivation(ctx.g, y, ctx.config.activation, ctx.ref);
};

/**
 * Conv2DTranspose: tfjs kernel (kh, kw, out, in) → ONNX ConvTranspose (in, out, kh, kw). Keras'
 * output length is L·s for 'same' and (L−1)·s + k for 'valid'. 'same' is the gradient of a 'same'
 * convolution: it crops that convolution's padding (the extra one at the end), and when the
 * kernel is shorter than the stride it pads the end instead (output_padding).
 */
export const conv2DTranspose: LayerConverter = (ctx) => {
  const s = convSettings(ctx, 2);
  if (s.dilations.some((d) => d !== 1))
    refuse(
      ctx.ref,
      'dilation_rate',
      ctx.config.dilationRate,
      'transposed convolutions are exported without dilation only',
    );
  const weights = weightsOf(ctx.layer);
  const k = requireWeight(ctx, weights, 'kernel');
  const w = transposeValues(k.values, k.shape, [3, 2, 0, 1]);
  const inputs = [ctx.g.weight(`${ctx.ref.name}/kernel`, w.values, w.shape)];
  const bias = weights.get('bias');
  if (ctx.config.useBias !== false && bias) inputs.push(ctx.g.weight(`${ctx.ref.name}/bias`, bias.values, bias.shape));
  const begins: number[] = [];
  const ends: number[] = [];
  const extra: number[] = [];
  s.spatial.forEach((_, i) => {
    const kernel = s.kernel[i]!;
    const stride = s.strides[i]!;
    const total = s.padding === 'same' ? Math.max(kernel - stride, 0) : 0;
    begins.push(Math.floor(total / 2));
    ends.push(total - Math.floor(total / 2));
    extra.push(s.padding === 'same' ? Math.max(stride - kernel, 0) : 0);
  });
  const y = channelsFirst(ctx, 2, (x) =>
    ctx.g.node(
      'ConvTranspose',
      [x, ...inputs],
      {
        kernel_shape: { ints: s.kernel },
        strides: { ints: s.strides },
        pads: { ints: [...begins, ...ends] },
        output_padding: { ints: extra },
      },
      ctx.ref.name,
    ),
  );
  return applyActivation(ctx.g, y, ctx.config.activation, ctx.ref);
};
