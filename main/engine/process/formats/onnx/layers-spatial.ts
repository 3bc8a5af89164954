import { channelsFirst } from './layers-conv';
import type { Attr } from './onnx-graph';
import { staticDims, tuple, type LayerContext, type LayerConverter } from './layer-context';
import { onnxPads } from './padding';
import { refuse } from './unsupported';

/**
 * Max and average pooling in NCHW between explicit Transposes. 'same' pads explicitly (extra at
 * the end, as TensorFlow does): MaxPool pads with −∞, and AveragePool's count_include_pad = 0
 * divides by the in-bounds count only, which is Keras' 'same' average.
 */
export function pool(op: 'MaxPool' | 'AveragePool', rank: number): LayerConverter {
  return (ctx) => {
    const c = ctx.config;
    if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast')
      refuse(ctx.ref, 'data_format', c.dataFormat, 'only channels_last models are exported');
    if (c.padding !== 'same' && c.padding !== 'valid')
      refuse(ctx.ref, 'padding', c.padding, "only 'same' and 'valid' are exported");
    const spatial = staticDims(ctx.ref, ctx.inputs[0]!.shape).slice(0, rank);
    const kernel = tuple(c.poolSize, rank);
    const strides = tuple(c.strides ?? c.poolSize, rank);
    const pads = onnxPads(spatial, kernel, strides, Array<number>(rank).fill(1), c.padding);
    const attrs = {
      kernel_shape: { ints: kernel },
      strides: { ints: strides },
      pads: { ints: pads },
      ...(op === 'AveragePool' ? { count_include_pad: { int: 0 } } : {}),
    };
    return channelsFirst(ctx, rank, (x) => ctx.g.node(op, [x], attrs, ctx.ref.name));
  };
}

/** Global pooling reduces the spatial axes of the channels-last tensor directly: no transpose needed. */
export function globalPool(op: 'ReduceMean' | 'ReduceMax', rank: number): LayerConverter {
  return (ctx: LayerContext) => {
    if (ctx.config.dataFormat !== undefined && ctx.config.dataFormat !== 'channelsLast')
      refuse(ctx.ref, 'data_format', ctx.config.dataFormat, 'only channels_last models are exported');
    if (ctx.config.keepdims === true)
      refuse(ctx.ref, 'keepdims', true, 'the exporter drops the pooled axes, as the palette does');
    return ctx.g.node(
      op,
      [ctx.inputs[0]!.name],
      { axes: { ints: Array.from({ length: rank }, (_, i) => i + 1) }, keepdims: { int: 0 } },
      ctx.ref.name,
    );
  };
}

/**
 * UpSampling2D as Resize with tfjs' coordinates: resizeNearestNeighbor and resizeBilinear with
 * align_corners and half_pixel_centers off map output x to input x / scale ('asymmetric'), and
 * nearest takes the floor.
 */
export const upSampling2D: LayerConverter = (ctx) => {
  const [sh, sw] = tuple(ctx.config.size, 2) as [number, number];
  const interpolation = ctx.config.interpolation ?? 'nearest';
  if (interpolation !== 'nearest' && interpolation !== 'bilinear')
    refuse(ctx.ref, 'interpolation', interpolation, "only 'nearest' and 'bilinear' are exported");
  const scales = ctx.g.floatConstant(`${ctx.ref.name}/scales`, [1, 1, sh, sw], [4]);
  const attrs: Record<string, Attr> =
    interpolation === 'nearest'
      ? {
          mode: { string: 'nearest' },
          coordinate_transformation_mode: { string: 'asymmetric' },
          nearest_mode: { string: 'floor' },
        }
      : { mode: { string: 'linear' }, coordinate_transformation_mode: { string: 'asymmetric' } };
  return channelsFirst(ctx, 2, (x) => ctx.g.node('Resize', [x, '', scales], attrs, ctx.ref.name));
};

/** tfjs writes ZeroPadding2D / Cropping2D amounts as n, [h, w] or [[top, bottom], [left, right]]. */
function amounts(value: unknown): [[number, number], [number, number]] {
  if (typeof value === 'number')
    return [
      [value, value],
      [value, value],
    ];
  const [h, w] = value as [unknown, unknown];
  const pair = (v: unknown): [number, number] =>
    Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)];
  return [pair(h), pair(w)];
}

export const zeroPadding2D: LayerConverter = (ctx) => {
  const [[t, b], [l, r]] = amounts(ctx.config.padding);
  return ctx.g.node(
    'Pad',
    [ctx.inputs[0]!.name, ctx.g.int64(`${ctx.ref.name}/pads`, [0, t, l, 0, 0, b, r, 0])],
    { mode: { string: 'constant' } },
    ctx.ref.name,
  );
};

export const cropping2D: LayerConverter = (ctx) => {
  const [[t, b], [l, r]] = amounts(ctx.config.cropping);
  const [h, w] = staticDims(ctx.ref, ctx.inputs[0]!.shape) as [number, number];
  const g = ctx.g;
  return g.node(
    'Slice',
    [
      ctx.inputs[0]!.name,
      g.int64(`${ctx.ref.name}/starts`, [t, l]),
      g.int64(`${ctx.ref.name}/ends`, [h - b, w - r]),
      g.int64(`${ctx.ref.name}/axes`, [1, 2]),
    ],
    {},
    ctx.ref.name,
  );
};
