import type * as tf from '@tensorflow/tfjs';
import type { OnnxGraph } from './onnx-graph';
import { refuse, type LayerRef } from './unsupported';

/** A tensor in the ONNX graph: its name and its Keras-layout shape (batch first, null). */
export interface Value {
  name: string;
  shape: readonly (number | null)[];
}

/** What a converter gets for one call of one tfjs layer. */
export interface LayerContext {
  g: OnnxGraph;
  layer: tf.layers.Layer;
  ref: LayerRef;
  /** tfjs' config (camelCase keys). */
  config: Record<string, unknown>;
  inputs: Value[];
  /** The output shape tfjs inferred, used to size reshapes and checked by ORT at run time. */
  outputShape: readonly (number | null)[];
}

export type LayerConverter = (ctx: LayerContext) => string;

/** A layer's weights by their short name ("kernel", "bias", "moving_mean"), read without disposing them. */
export function weightsOf(layer: tf.layers.Layer): Map<string, { values: Float32Array; shape: number[] }> {
  const out = new Map<string, { values: Float32Array; shape: number[] }>();
  for (const w of layer.weights) {
    const short = (w.originalName ?? w.name).split('/').pop()!;
    out.set(short, { values: Float32Array.from(w.read().dataSync() as Float32Array), shape: [...w.shape] as number[] });
  }
  return out;
}

export function requireWeight(
  ctx: { ref: LayerRef; layer: tf.layers.Layer },
  weights: Map<string, { values: Float32Array; shape: number[] }>,
  key: string,
): { values: Float32Array; shape: number[] } {
  const w = weights.get(key);
  if (!w) return refuse(ctx.ref, 'weights', [...weights.keys()], `it has no "${key}" weight`);
  return w;
}

/** A sample dimension the writer must know (only the batch may be dynamic). */
export function staticDims(ref: LayerRef, shape: readonly (number | null)[]): number[] {
  const rest = shape.slice(1);
  if (rest.some((d) => d === null)) refuse(ref, 'input shape', shape, 'only the batch dimension may be unknown');
  return rest as number[];
}

/** tfjs writes kernel sizes, strides and dilations as a number or a tuple. */
export function tuple(value: unknown, n: number): number[] {
  if (Array.isArray(value))
    return value.length === 1 && n > 1 ? Array<number>(n).fill(Number(value[0])) : value.map(Number);
  return Array<number>(n).fill(Number(value ?? 1));
}

/** Rank-n axis permutations between Keras' channels-last and ONNX's channels-first. */
export function toChannelsFirst(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}
export function toChannelsLast(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

/** Float32 weights permuted (numpy's transpose): one implementation for ONNX and the PyTorch export. */
export { transposeValues } from '../../../../../app/math/transpose';
