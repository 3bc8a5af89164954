import { requireWeight, weightsOf, type LayerContext, type LayerConverter } from './layer-context';
import { refuse } from './unsupported';

/** Normalised axes (Keras counts the batch as 0; negative counts from the end), checked. */
function axesOf(ctx: LayerContext): number[] {
  const rank = ctx.inputs[0]!.shape.length;
  const raw = Array.isArray(ctx.config.axis) ? (ctx.config.axis as number[]) : [Number(ctx.config.axis ?? -1)];
  const axes = raw.map((a) => (a < 0 ? a + rank : a));
  if (axes.some((a) => a <= 0 || a >= rank))
    refuse(ctx.ref, 'axis', ctx.config.axis, `it must name a sample axis of a rank-${rank} input`);
  return axes;
}

/** Shape that broadcasts per-feature parameters over the other axes (a 1 everywhere but `axes`). */
function broadcastShape(ctx: LayerContext, axes: number[]): number[] {
  return ctx.inputs[0]!.shape.map((d, i) => (i > 0 && axes.includes(i) ? Number(d) : 1)).slice(1);
}

/**
 * Inference BatchNormalization with the moving statistics: (x − mean) / √(var + ε) · γ + β, as
 * ONNX arithmetic on any axis. γ and β read as 1 and 0 when scale or center is off (tfjs then
 * has no such weight).
 */
export const batchNormalization: LayerConverter = (ctx) => {
  const axes = axesOf(ctx);
  if (axes.length !== 1) refuse(ctx.ref, 'axis', ctx.config.axis, 'BatchNormalization is exported on one axis');
  // tfjs 4.22's batchNorm kernels (cpu and wasm) walk the flat tensor and cycle through the
  // parameters, so on any axis but the last the in-app model applies channel k % C's statistics
  // to element k: not Keras' BatchNormalization, and nothing an honest ONNX graph should copy.
  if (axes[0] !== ctx.inputs[0]!.shape.length - 1) {
    refuse(
      ctx.ref,
      'axis',
      ctx.config.axis,
      "tfjs normalises any axis but the last one along the last axis instead, so the trained model is not Keras' BatchNormalization; use axis -1",
    );
  }
  const shape = broadcastShape(ctx, axes);
  const weights = weightsOf(ctx.layer);
  const g = ctx.g;
  const name = ctx.ref.name;
  const w = (key: string) => {
    const v = requireWeight(ctx, weights, key);
    return g.weight(`${name}/${key}`, v.values, shape);
  };
  const epsilon = g.floatConstant(`${name}/epsilon`, [Number(ctx.config.epsilon ?? 1e-3)], []);
  const centred = g.node('Sub', [ctx.inputs[0]!.name, w('moving_mean')], {}, name);
  let y = g.node(
    'Div',
    [centred, g.node('Sqrt', [g.node('Add', [w('moving_variance'), epsilon], {}, name)], {}, name)],
    {},
    name,
  );
  if (weights.has('gamma')) y = g.node('Mul', [y, w('gamma')], {}, name);
  if (weights.has('beta')) y = g.node('Add', [y, w('beta')], {}, name);
  return y;
};

/** LayerNormalization over the configured axes, from ReduceMean (attributes: opset 17). */
export const layerNormalization: LayerConverter = (ctx) => {
  const axes = axesOf(ctx);
  const shape = broadcastShape(ctx, axes);
  const weights = weightsOf(ctx.layer);
  const g = ctx.g;
  const name = ctx.ref.name;
  const x = ctx.inputs[0]!.name;
  const reduce = { axes: { ints: axes }, keepdims: { int: 1 } };
  const centred = g.node('Sub', [x, g.node('ReduceMean', [x], reduce, name)], {}, name);
  const variance = g.node('ReduceMean', [g.node('Mul', [centred, centred], {}, name)], reduce, name);
  const epsilon = g.floatConstant(`${name}/epsilon`, [Number(ctx.config.epsilon ?? 1e-3)], []);
  let y = g.node('Div', [centred, g.node('Sqrt', [g.node('Add', [variance, epsilon], {}, name)], {}, name)], {}, name);
  const gamma = weights.get('gamma');
  if (gamma) y = g.node('Mul', [y, g.weight(`${name}/gamma`, gamma.values, shape)], {}, name);
  const beta = weights.get('beta');
  if (beta) y = g.node('Add', [y, g.weight(`${name}/beta`, beta.values, shape)], {}, name);
  return y;
};
