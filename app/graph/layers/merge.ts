import { z } from 'zod';
import { formatSampleShape, sameShape, sampleShape, type SampleShape } from '../shape';
import type { InferResult, LayerSpec } from './layer-spec';

export const ConcatenateConfig = z.object({
  axis: z
    .number({ error: 'axis must be a number' })
    .int('axis must be a whole number')
    .min(-4, 'axis must be at least -4')
    .max(4, 'axis must be at most 4')
    .default(-1),
});
export const MergeConfig = z.object({});

/** At most this many inputs to one merge node: enough for any real model, and the node stays readable. */
export const MAX_MERGE_INPUTS = 8;

const tooFew = (layer: string, inputs: readonly SampleShape[]) =>
  inputs.length < 2
    ? { error: `${layer} joins branches: connect at least two layers to it (${inputs.length} connected).` }
    : null;

/** Add, Subtract, Multiply, Average, Maximum: element by element, so every input has one shape. */
function elementwise(layer: string) {
  return (inputs: readonly SampleShape[]): InferResult => {
    const few = tooFew(layer, inputs);
    if (few) return few;
    const first = inputs[0]!;
    const other = inputs.find((s) => !sameShape(s, first));
    if (other) {
      return {
        error: `${layer} combines its inputs value by value, so they need the same shape, but receives ${inputs.map(formatSampleShape).join(' and ')}. Give the branches the same size, or use Concatenate.`,
      };
    }
    return { shape: first };
  };
}

function concatenate(inputs: readonly SampleShape[], c: { axis: number }): InferResult {
  const few = tooFew('Concatenate', inputs);
  if (few) return few;
  const first = inputs[0]!;
  const rank = first.length;
  if (inputs.some((s) => s.length !== rank))
    return {
      error: `Concatenate needs inputs with the same number of dimensions, but receives ${inputs.map(formatSampleShape).join(' and ')}. Insert a Flatten or Reshape on one branch.`,
    };
  // Keras counts the batch as axis 0.
  const index = c.axis < 0 ? rank + c.axis : c.axis - 1;
  if (c.axis === 0 || index < 0 || index >= rank)
    return {
      error: `Concatenate's axis ${c.axis} does not exist for inputs of shape ${formatSampleShape(first)}. Use -1 for the last axis.`,
    };
  const mismatch = inputs.some((s) => s.some((d, i) => i !== index && d !== first[i]));
  if (mismatch)
    return {
      error: `Concatenate joins along axis ${c.axis}; every other dimension must agree, but receives ${inputs.map(formatSampleShape).join(' and ')}.`,
    };
  return { shape: sampleShape(first.map((d, i) => (i === index ? inputs.reduce((sum, s) => sum + s[i]!, 0) : d))) };
}

const many = { min: 2, max: MAX_MERGE_INPUTS };
export const concatenateLayer: LayerSpec<'Concatenate'> = {
  type: 'Concatenate',
  family: 'Merge',
  inputs: many,
  params: () => 0,
  help: 'Joins branches side by side along an axis (the last by default): (16) and (8) give (24). Inputs are taken in the order they were connected.',
  defaults: () => ({ axis: -1 }),
  fields: [
    {
      path: ['axis'],
      label: 'Axis',
      kind: 'int',
      min: -4,
      max: 4,
      hint: '-1: the last axis. Counts from 1 otherwise; the batch is 0.',
    },
  ],
  infer: concatenate,
};
export const addLayer: LayerSpec<'Add'> = {
  type: 'Add',
  family: 'Merge',
  inputs: many,
  params: () => 0,
  fields: [],
  defaults: () => ({}),
  help: 'Sums branches of the same shape value by value: the skip connection of residual networks (ResNet).',
  infer: elementwise('Add'),
};
export const subtractLayer: LayerSpec<'Subtract'> = {
  type: 'Subtract',
  family: 'Merge',
  inputs: { min: 2, max: 2 },
  params: () => 0,
  fields: [],
  defaults: () => ({}),
  help: 'The first input minus the second (port 1 minus port 2), value by value: differences between two branches, e.g. in siamese models.',
  infer: elementwise('Subtract'),
};
export const multiplyLayer: LayerSpec<'Multiply'> = {
  type: 'Multiply',
  family: 'Merge',
  inputs: many,
  params: () => 0,
  fields: [],
  defaults: () => ({}),
  help: 'Multiplies branches value by value: gating, where one branch (e.g. a sigmoid) scales another.',
  infer: elementwise('Multiply'),
};
export const averageLayer: LayerSpec<'Average'> = {
  type: 'Average',
  family: 'Merge',
  inputs: many,
  params: () => 0,
  fields: [],
  defaults: () => ({}),
  help: 'Averages branches value by value: an ensemble of several sub-models inside one model.',
  infer: elementwise('Average'),
};
export const maximumLayer: LayerSpec<'Maximum'> = {
  type: 'Maximum',
  family: 'Merge',
  inputs: many,
  params: () => 0,
  fields: [],
  defaults: () => ({}),
  help: 'Keeps the largest value of the branches at each position (maxout).',
  infer: elementwise('Maximum'),
};
