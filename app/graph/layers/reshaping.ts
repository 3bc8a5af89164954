import { z } from 'zod';
import { formatSampleShape, sampleShape } from '../shape';
import { needsRank, noInput, nonNegativeInt, pair, positiveInt, product, TO_IMAGE } from './common';
import type { LayerSpec } from './layer-spec';

export const FlattenConfig = z.object({});
export const ReshapeConfig = z.object({
  target_shape: z
    .array(positiveInt('target_shape'), { error: 'target_shape must be a list of whole numbers' })
    .min(1, 'target_shape needs at least one dimension')
    .max(4, 'target_shape has at most 4 dimensions'),
});
export const PermuteConfig = z.object({
  dims: z
    .array(positiveInt('dims', 4), { error: 'dims must be a list of whole numbers' })
    .min(1, 'dims needs at least one entry')
    .max(4, 'dims has at most 4 entries'),
});
export const RepeatVectorConfig = z.object({ n: positiveInt('n', 100_000) });
export const UpSampling2DConfig = z.object({
  size: pair('size'),
  interpolation: z.enum(['nearest', 'bilinear']).default('nearest'),
});
const sides = (field: string) =>
  z.tuple([nonNegativeInt(field), nonNegativeInt(field)], { error: `${field} must be two whole numbers` });
const Sides2D = (field: string) =>
  z.tuple([sides(field), sides(field)], { error: `${field} must be ((top, bottom), (left, right))` });
export const ZeroPadding2DConfig = z.object({ padding: Sides2D('padding') });
export const Cropping2DConfig = z.object({ cropping: Sides2D('cropping') });

export const flattenLayer: LayerSpec<'Flatten'> = {
  type: 'Flatten',
  family: 'Reshaping',
  help: 'Lays every value of a sample out in one vector, e.g. between Conv2D/pooling layers and Dense. No weights.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({}),
  fields: [],
  infer: (inputs) => {
    const input = inputs[0];
    return input ? { shape: sampleShape([product(input)]) } : noInput('Flatten');
  },
  params: () => 0,
};

export const reshapeLayer: LayerSpec<'Reshape'> = {
  type: 'Reshape',
  family: 'Reshaping',
  help: 'Rearranges the values of a sample into a new shape with the same number of values, e.g. (784) → (28, 28, 1) to feed a Conv2D, or (12) → (12, 1) to feed an LSTM.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ target_shape: [1, 1] }),
  fields: [
    {
      path: ['target_shape'],
      label: 'Target shape',
      kind: 'ints',
      min: 1,
      hint: 'Per sample; the product must equal the input size.',
    },
  ],
  infer: (inputs, c) => {
    const input = inputs[0];
    if (!input) return noInput('Reshape');
    if (product(input) !== product(c.target_shape)) {
      return {
        error: `Reshape cannot turn ${formatSampleShape(input)} (${product(input)} values) into (${c.target_shape.join(', ')}) (${product(c.target_shape)} values): the number of values must stay the same.`,
      };
    }
    return { shape: sampleShape(c.target_shape) };
  },
  params: () => 0,
};

export const permuteLayer: LayerSpec<'Permute'> = {
  type: 'Permute',
  family: 'Reshaping',
  help: 'Reorders the axes of a sample; dims counts from 1 (the batch is not counted). (2, 1) swaps steps and features.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ dims: [2, 1] }),
  fields: [{ path: ['dims'], label: 'Dims', kind: 'ints', min: 1, hint: 'A reordering of 1..rank, e.g. (2, 1).' }],
  infer: (inputs, c) => {
    const input = inputs[0];
    if (!input) return noInput('Permute');
    const sorted = [...c.dims].sort((a, b) => a - b);
    if (c.dims.length !== input.length || sorted.some((d, i) => d !== i + 1)) {
      return {
        error: `Permute dims (${c.dims.join(', ')}) must list each of 1..${input.length} once for its input ${formatSampleShape(input)}.`,
      };
    }
    return { shape: sampleShape(c.dims.map((d) => input[d - 1]!)) };
  },
  params: () => 0,
};

export const repeatVectorLayer: LayerSpec<'RepeatVector'> = {
  type: 'RepeatVector',
  family: 'Reshaping',
  help: 'Repeats a vector n times into a sequence (n, features): how an encoder output feeds a recurrent decoder.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ n: 4 }),
  fields: [{ path: ['n'], label: 'Repeats (n)', kind: 'int', min: 1 }],
  infer: (inputs, c) => {
    const input = inputs[0];
    if (!input) return noInput('RepeatVector');
    const bad = needsRank('RepeatVector', 1, 'one vector', input, 'Insert a Flatten before it.');
    return bad ?? { shape: sampleShape([c.n, input[0]!]) };
  },
  params: () => 0,
};

export const upSampling2DLayer: LayerSpec<'UpSampling2D'> = {
  type: 'UpSampling2D',
  family: 'Reshaping',
  help: 'Enlarges an image by repeating rows and columns (size times each). Used in decoders and segmentation models. No weights.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ size: [2, 2], interpolation: 'nearest' }),
  fields: [
    { path: ['size'], label: 'Size', kind: 'ints', length: 2, min: 1, labels: ['rows', 'cols'] },
    { path: ['interpolation'], label: 'Interpolation', kind: 'enum', options: ['nearest', 'bilinear'] },
  ],
  infer: (inputs, c) => {
    const input = inputs[0];
    if (!input) return noInput('UpSampling2D');
    const bad = needsRank('UpSampling2D', 3, '(height, width, channels)', input, TO_IMAGE);
    return bad ?? { shape: sampleShape([input[0]! * c.size[0], input[1]! * c.size[1], input[2]!]) };
  },
  params: () => 0,
};

export const zeroPadding2DLayer: LayerSpec<'ZeroPadding2D'> = {
  type: 'ZeroPadding2D',
  family: 'Reshaping',
  help: 'Adds rows and columns of zeros around an image, so a following convolution keeps the border. No weights.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({
    padding: [
      [1, 1],
      [1, 1],
    ],
  }),
  fields: [{ path: ['padding'], label: 'Padding ((top, bottom), (left, right))', kind: 'pairs' }],
  infer: (inputs, c) => {
    const input = inputs[0];
    if (!input) return noInput('ZeroPadding2D');
    const bad = needsRank('ZeroPadding2D', 3, '(height, width, channels)', input, TO_IMAGE);
    const [[t, b], [l, r]] = c.padding;
    return bad ?? { shape: sampleShape([input[0]! + t + b, input[1]! + l + r, input[2]!]) };
  },
  params: () => 0,
};

export const cropping2DLayer: LayerSpec<'Cropping2D'> = {
  type: 'Cropping2D',
  family: 'Reshaping',
  help: 'Cuts rows and columns off the edges of an image, e.g. to match the size of another branch before a merge. No weights.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({
    cropping: [
      [1, 1],
      [1, 1],
    ],
  }),
  fields: [{ path: ['cropping'], label: 'Cropping ((top, bottom), (left, right))', kind: 'pairs' }],
  infer: (inputs, c) => {
    const input = inputs[0];
    if (!input) return noInput('Cropping2D');
    const bad = needsRank('Cropping2D', 3, '(height, width, channels)', input, TO_IMAGE);
    if (bad) return bad;
    const [[t, b], [l, r]] = c.cropping;
    const h = input[0]! - t - b;
    const w = input[1]! - l - r;
    if (h < 1 || w < 1)
      return {
        error: `Cropping2D crops ${t + b} rows and ${l + r} columns from ${formatSampleShape(input)}: nothing would be left. Crop less.`,
      };
    return { shape: sampleShape([h, w, input[2]!]) };
  },
  params: () => 0,
};
