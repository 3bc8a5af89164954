import { z } from 'zod';
import { formatSampleShape, sampleShape, type SampleShape } from '../shape';
import { needsRank, noInput, Padding, pair, positiveInt, TO_IMAGE, TO_SEQUENCE, windowOutput } from './common';
import { paddingField, type FieldSpec } from './fields';
import type { InferResult, LayerSpec } from './layer-spec';

export const Pooling1DConfig = z.object({
  pool_size: positiveInt('pool_size', 1000).default(2),
  /** null: the same as pool_size (Keras' default). */
  strides: positiveInt('strides', 1000).nullable().default(null),
  padding: Padding.default('valid'),
});
export const Pooling2DConfig = z.object({
  pool_size: pair('pool_size').default([2, 2]),
  strides: pair('strides').nullable().default(null),
  padding: Padding.default('valid'),
});
export const GlobalPoolingConfig = z.object({});

const fields1D: FieldSpec[] = [
  { path: ['pool_size'], label: 'Pool size', kind: 'int', min: 1 },
  { path: ['strides'], label: 'Strides', kind: 'optional-ints', length: 1, min: 1, nullLabel: 'same as pool size' },
  paddingField,
];
const fields2D: FieldSpec[] = [
  { path: ['pool_size'], label: 'Pool size', kind: 'ints', length: 2, min: 1, labels: ['rows', 'cols'] },
  { path: ['strides'], label: 'Strides', kind: 'optional-ints', length: 2, min: 1, nullLabel: 'same as pool size' },
  paddingField,
];

function pool1D(layer: string) {
  return (inputs: readonly SampleShape[], c: z.infer<typeof Pooling1DConfig>): InferResult => {
    const input = inputs[0];
    if (!input) return noInput(layer);
    const bad = needsRank(layer, 2, '(steps, channels)', input, TO_SEQUENCE);
    if (bad) return bad;
    const steps = windowOutput(input[0]!, c.pool_size, c.strides ?? c.pool_size, c.padding);
    if (steps < 1)
      return {
        error: `${layer}'s pool of ${c.pool_size} steps does not fit in its ${input[0]} steps. Use a smaller pool_size or padding "same".`,
      };
    return { shape: sampleShape([steps, input[1]!]) };
  };
}

function pool2D(layer: string) {
  return (inputs: readonly SampleShape[], c: z.infer<typeof Pooling2DConfig>): InferResult => {
    const input = inputs[0];
    if (!input) return noInput(layer);
    const bad = needsRank(layer, 3, '(height, width, channels)', input, TO_IMAGE);
    if (bad) return bad;
    const strides = c.strides ?? c.pool_size;
    const h = windowOutput(input[0]!, c.pool_size[0], strides[0], c.padding);
    const w = windowOutput(input[1]!, c.pool_size[1], strides[1], c.padding);
    if (h < 1 || w < 1)
      return {
        error: `${layer}'s ${c.pool_size[0]}×${c.pool_size[1]} pool does not fit in its input ${formatSampleShape(input)}. Use a smaller pool_size, padding "same", or fewer pooling layers.`,
      };
    return { shape: sampleShape([h, w, input[2]!]) };
  };
}

function global(layer: string, rank: number) {
  return (inputs: readonly SampleShape[]): InferResult => {
    const input = inputs[0];
    if (!input) return noInput(layer);
    const bad =
      rank === 2
        ? needsRank(layer, 2, '(steps, channels)', input, TO_SEQUENCE)
        : needsRank(layer, 3, '(height, width, channels)', input, TO_IMAGE);
    return bad ?? { shape: sampleShape([input.at(-1)!]) };
  };
}

const one = { min: 1, max: 1 };
const MAX_HELP = 'keeps the strongest response in each window, so a pattern counts wherever it appears nearby';
const AVG_HELP = 'averages each window, a smoother summary than max pooling';

export const maxPooling1DLayer: LayerSpec<'MaxPooling1D'> = {
  type: 'MaxPooling1D',
  family: 'Pooling',
  inputs: one,
  fields: fields1D,
  params: () => 0,
  help: `Shortens a sequence: ${MAX_HELP}. Follows Conv1D.`,
  defaults: () => ({ pool_size: 2, strides: null, padding: 'valid' }),
  infer: pool1D('MaxPooling1D'),
};
export const averagePooling1DLayer: LayerSpec<'AveragePooling1D'> = {
  type: 'AveragePooling1D',
  family: 'Pooling',
  inputs: one,
  fields: fields1D,
  params: () => 0,
  help: `Shortens a sequence: ${AVG_HELP}. Follows Conv1D.`,
  defaults: () => ({ pool_size: 2, strides: null, padding: 'valid' }),
  infer: pool1D('AveragePooling1D'),
};
export const maxPooling2DLayer: LayerSpec<'MaxPooling2D'> = {
  type: 'MaxPooling2D',
  family: 'Pooling',
  inputs: one,
  fields: fields2D,
  params: () => 0,
  help: `Shrinks an image (2×2 halves it): ${MAX_HELP}. Follows Conv2D.`,
  defaults: () => ({ pool_size: [2, 2], strides: null, padding: 'valid' }),
  infer: pool2D('MaxPooling2D'),
};
export const averagePooling2DLayer: LayerSpec<'AveragePooling2D'> = {
  type: 'AveragePooling2D',
  family: 'Pooling',
  inputs: one,
  fields: fields2D,
  params: () => 0,
  help: `Shrinks an image (2×2 halves it): ${AVG_HELP}. Follows Conv2D.`,
  defaults: () => ({ pool_size: [2, 2], strides: null, padding: 'valid' }),
  infer: pool2D('AveragePooling2D'),
};
export const globalAveragePooling1DLayer: LayerSpec<'GlobalAveragePooling1D'> = {
  type: 'GlobalAveragePooling1D',
  family: 'Pooling',
  inputs: one,
  fields: [],
  params: () => 0,
  help: 'Averages each channel over all steps: one vector per sequence, ready for a Dense head. Works for any sequence length.',
  defaults: () => ({}),
  infer: global('GlobalAveragePooling1D', 2),
};
export const globalMaxPooling1DLayer: LayerSpec<'GlobalMaxPooling1D'> = {
  type: 'GlobalMaxPooling1D',
  family: 'Pooling',
  inputs: one,
  fields: [],
  params: () => 0,
  help: 'Keeps the strongest value of each channel over all steps: "did this pattern occur anywhere?". One vector per sequence.',
  defaults: () => ({}),
  infer: global('GlobalMaxPooling1D', 2),
};
export const globalAveragePooling2DLayer: LayerSpec<'GlobalAveragePooling2D'> = {
  type: 'GlobalAveragePooling2D',
  family: 'Pooling',
  inputs: one,
  fields: [],
  params: () => 0,
  help: 'Averages each channel over the whole image: one vector per image with few weights after it. The modern alternative to Flatten in CNNs.',
  defaults: () => ({}),
  infer: global('GlobalAveragePooling2D', 3),
};
export const globalMaxPooling2DLayer: LayerSpec<'GlobalMaxPooling2D'> = {
  type: 'GlobalMaxPooling2D',
  family: 'Pooling',
  inputs: one,
  fields: [],
  params: () => 0,
  help: 'Keeps the strongest value of each channel over the whole image: one vector per image.',
  defaults: () => ({}),
  infer: global('GlobalMaxPooling2D', 3),
};
