import type { LayerConverter } from './layer-context';
import { refuse } from './unsupported';

/** Folds n inputs left to right with a binary op, in tfjs' order (so rounding matches). */
function fold(op: 'Add' | 'Mul' | 'Max'): LayerConverter {
  return (ctx) =>
    ctx.inputs.slice(1).reduce((acc, v) => ctx.g.node(op, [acc, v.name], {}, ctx.ref.name), ctx.inputs[0]!.name);
}

export const concatenate: LayerConverter = (ctx) => {
  // Keras counts the batch as axis 0; negative axes count from the end in both.
  const axis = Number(ctx.config.axis ?? -1);
  if (axis === 0) refuse(ctx.ref, 'axis', axis, 'joining along the batch axis cannot be exported');
  return ctx.g.node(
    'Concat',
    ctx.inputs.map((v) => v.name),
    { axis: { int: axis } },
    ctx.ref.name,
  );
};
export const add: LayerConverter = fold('Add');
export const multiply: LayerConverter = fold('Mul');
export const maximum: LayerConverter = fold('Max');
export const subtract: LayerConverter = (ctx) => {
  if (ctx.inputs.length !== 2) refuse(ctx.ref, 'inputs', ctx.inputs.length, 'Subtract takes exactly two inputs');
  return ctx.g.node('Sub', [ctx.inputs[0]!.name, ctx.inputs[1]!.name], {}, ctx.ref.name);
};
// tfjs sums, then multiplies by 1/n.
export const average: LayerConverter = (ctx) =>
  ctx.g.node(
    'Mul',
    [fold('Add')(ctx), ctx.g.floatConstant(`${ctx.ref.name}/inverse_n`, [1 / ctx.inputs.length], [])],
    {},
    ctx.ref.name,
  );
