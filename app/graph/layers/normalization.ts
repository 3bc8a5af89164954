import { z } from 'zod';
import { formatSampleShape, type SampleShape } from '../shape';
import { noInput } from './common';
import type { FieldSpec } from './fields';
import type { InferResult, LayerSpec } from './layer-spec';

const axis = z
  .number({ error: 'axis must be a number' })
  .int('axis must be a whole number')
  .min(-4, 'axis must be at least -4')
  .max(4, 'axis must be at most 4');
const epsilon = z
  .number({ error: 'epsilon must be a number' })
  .positive('epsilon must be above 0')
  .max(1, 'epsilon must be at most 1');
export const BatchNormalizationConfig = z.object({
  axis: axis.default(-1),
  momentum: z
    .number({ error: 'momentum must be a number' })
    .min(0, 'momentum must be at least 0')
    .lt(1, 'momentum must be below 1')
    .default(0.99),
  epsilon: epsilon.default(0.001),
  center: z.boolean().default(true),
  scale: z.boolean().default(true),
});
export const LayerNormalizationConfig = z.object({
  axis: axis.default(-1),
  epsilon: epsilon.default(0.001),
  center: z.boolean().default(true),
  scale: z.boolean().default(true),
});

const axisField: FieldSpec = {
  path: ['axis'],
  label: 'Axis',
  kind: 'int',
  min: -4,
  max: 4,
  hint: '-1: the last axis (features or channels). Counts from 1 otherwise; the batch is 0.',
};
const shared: FieldSpec[] = [
  axisField,
  {
    path: ['epsilon'],
    label: 'Epsilon',
    kind: 'float',
    min: 0,
    max: 1,
    step: 0.001,
    hint: 'Added to the variance so it never divides by zero.',
  },
  { path: ['center'], label: 'Center (learn an offset, beta)', kind: 'bool' },
  { path: ['scale'], label: 'Scale (learn a factor, gamma)', kind: 'bool' },
];

/** The size of the normalised axis (Keras counts the batch as axis 0), or a plain error. */
function axisSize(layer: string, input: SampleShape, a: number): number | { error: string } {
  const index = a < 0 ? input.length + a : a - 1;
  if (a === 0 || index < 0 || index >= input.length)
    return {
      error: `${layer}'s axis ${a} does not exist for its input ${formatSampleShape(input)}. Use -1 for the last axis.`,
    };
  return input[index]!;
}

function infer(layer: string) {
  return (inputs: readonly SampleShape[], c: { axis: number }): InferResult => {
    const input = inputs[0];
    if (!input) return noInput(layer);
    const size = axisSize(layer, input, c.axis);
    return typeof size === 'number' ? { shape: input } : size;
  };
}
const size = (inputs: readonly SampleShape[], a: number) => {
  const s = inputs[0] ? axisSize('', inputs[0], a) : 0;
  return typeof s === 'number' ? s : 0;
};

export const batchNormalizationLayer: LayerSpec<'BatchNormalization'> = {
  type: 'BatchNormalization',
  family: 'Normalization',
  help: 'Rescales each feature to mean 0 and variance 1 over the batch, then learns a scale and offset. Trains deep nets faster and more stably. Its moving mean and variance are counted as (non-trainable) parameters.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true }),
  fields: [
    shared[0]!,
    {
      path: ['momentum'],
      label: 'Momentum',
      kind: 'float',
      min: 0,
      max: 0.999,
      step: 0.01,
      hint: 'How slowly the moving statistics used at prediction time follow the batches.',
    },
    ...shared.slice(1),
  ],
  infer: infer('BatchNormalization'),
  // gamma and beta (when on) plus the moving mean and variance, as tfjs' countParams counts them.
  params: (inputs, c) => size(inputs, c.axis) * (2 + (c.center ? 1 : 0) + (c.scale ? 1 : 0)),
  // The moving mean and variance are updated from batch statistics, not by the optimizer.
  nonTrainableParams: (inputs, c) => size(inputs, c.axis) * 2,
};

export const layerNormalizationLayer: LayerSpec<'LayerNormalization'> = {
  type: 'LayerNormalization',
  family: 'Normalization',
  help: 'Normalises each sample across its features (not across the batch), so it behaves the same for any batch size. The usual choice in recurrent and attention models.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ axis: -1, epsilon: 0.001, center: true, scale: true }),
  fields: shared,
  infer: infer('LayerNormalization'),
  params: (inputs, c) => size(inputs, c.axis) * ((c.center ? 1 : 0) + (c.scale ? 1 : 0)),
};
