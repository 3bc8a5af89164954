import type * as tf from '@tensorflow/tfjs';
import { applyActivation } from './activations';
import { requireWeight, staticDims, weightsOf, type LayerContext, type LayerConverter } from './layer-context';
import type { OnnxGraph } from './onnx-graph';
import { refuse, type LayerRef } from './unsupported';

/** x·kernel + bias on the last axis (MatMul broadcasts over batch and steps), then the activation. */
export function dense(
  g: OnnxGraph,
  x: string,
  layer: tf.layers.Layer,
  ref: LayerRef,
  config: Record<string, unknown>,
): string {
  const weights = weightsOf(layer);
  const kernel = requireWeight({ ref, layer }, weights, 'kernel');
  let y = g.node('MatMul', [x, g.weight(`${ref.name}/kernel`, kernel.values, kernel.shape)], {}, ref.name);
  const bias = weights.get('bias');
  if (config.useBias !== false && bias)
    y = g.node('Add', [y, g.weight(`${ref.name}/bias`, bias.values, bias.shape)], {}, ref.name);
  return applyActivation(g, y, config.activation, ref);
}

const only = (ctx: LayerContext): string => ctx.inputs[0]!.name;

// Our Output head is a Dense with the task's activation, so it arrives here as a Dense.
export const denseLayer: LayerConverter = (ctx) => dense(ctx.g, only(ctx), ctx.layer, ctx.ref, ctx.config);
export const activation: LayerConverter = (ctx) => applyActivation(ctx.g, only(ctx), ctx.config.activation, ctx.ref);
// Inference drops nothing: Dropout is the identity in an exported model, as in predict().
export const dropout: LayerConverter = (ctx) => only(ctx);
// The ONNX graph keeps Keras' channels-last layout between layers, so flattening it gives
// Keras' element order without any transpose.
export const flatten: LayerConverter = (ctx) => ctx.g.node('Flatten', [only(ctx)], { axis: { int: 1 } }, ctx.ref.name);
export const reshape: LayerConverter = (ctx) => {
  const target = staticDims(ctx.ref, ctx.outputShape);
  // 0 copies the (dynamic) batch dimension from the input.
  return ctx.g.node('Reshape', [only(ctx), ctx.g.int64(`${ctx.ref.name}/shape`, [0, ...target])], {}, ctx.ref.name);
};
export const permute: LayerConverter = (ctx) => {
  const dims = ctx.config.dims as number[];
  return ctx.g.node('Transpose', [only(ctx)], { perm: { ints: [0, ...dims] } }, ctx.ref.name);
};
export const repeatVector: LayerConverter = (ctx) => {
  const n = Number(ctx.config.n);
  const expanded = ctx.g.node('Unsqueeze', [only(ctx), ctx.g.int64(`${ctx.ref.name}/axes`, [1])], {}, ctx.ref.name);
  return ctx.g.node('Tile', [expanded, ctx.g.int64(`${ctx.ref.name}/repeats`, [1, n, 1])], {}, ctx.ref.name);
};
export const embedding: LayerConverter = (ctx) => {
  // A zero-masking Embedding changes what later recurrent layers compute; ONNX has no masks.
  if (ctx.config.maskZero === true)
    refuse(ctx.ref, 'mask_zero', true, 'ONNX has no masking; turn it off before exporting');
  const weights = weightsOf(ctx.layer);
  const table = requireWeight(ctx, weights, 'embeddings');
  // tfjs casts float indices to int32 (truncation); Cast to int64 truncates the same way.
  const indices = ctx.g.node('Cast', [only(ctx)], { to: { int: 7 } }, ctx.ref.name);
  return ctx.g.node(
    'Gather',
    [ctx.g.weight(`${ctx.ref.name}/embeddings`, table.values, table.shape), indices],
    { axis: { int: 0 } },
    ctx.ref.name,
  );
};
export const timeDistributed: LayerConverter = (ctx) => {
  const inner = (ctx.layer as unknown as { layer: tf.layers.Layer }).layer;
  const className = inner.getClassName();
  if (className !== 'Dense')
    refuse(ctx.ref, 'layer', className, 'TimeDistributed is exported around a Dense layer only');
  // Dense already acts on the last axis of a (batch, steps, features) tensor.
  return dense(
    ctx.g,
    only(ctx),
    inner,
    { name: ctx.ref.name, className: 'TimeDistributed(Dense)' },
    inner.getConfig() as Record<string, unknown>,
  );
};
