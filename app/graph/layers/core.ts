import { z } from 'zod';
import { formatSampleShape, sampleShape, type SampleShape } from '../shape';
import {
  Activation,
  Initializer,
  KERNEL_DEFAULTS,
  kernelSettings,
  noInput,
  positiveInt,
  rate,
  Regularizer,
} from './common';
import { activationField, initializerField, kernelFields, regularizerField } from './fields';
import type { LayerSpec } from './layer-spec';

const columnName = z
  .string()
  .min(1, 'a column name cannot be empty')
  .max(200, 'a column name has at most 200 characters');
export const InputConfig = z.object({
  shape: z
    .array(positiveInt('shape'), { error: 'shape must be a list of whole numbers' })
    .min(1, 'shape needs at least one dimension')
    .max(4, 'shape has at most 4 dimensions'),
  /**
   * The dataset's feature columns this Input takes (tables only). Absent: every feature column
   * no other Input claims, so a single-input graph (and every older project.json) reads them all.
   */
  columns: z
    .array(columnName, { error: 'columns must be a list of column names' })
    .min(1, 'columns needs at least one column (or leave it out for all the others)')
    .max(2000)
    .optional(),
});
export const DenseConfig = z.object({ units: positiveInt('units'), activation: Activation, ...kernelSettings });
/** The output head: a Dense layer whose units and activation follow the task (see headFor). It always has a bias. */
export const OutputConfig = z.object({
  units: positiveInt('units'),
  activation: Activation,
  kernel_initializer: Initializer.default('glorot_uniform'),
  bias_initializer: Initializer.default('zeros'),
  kernel_regularizer: Regularizer.default(null),
  bias_regularizer: Regularizer.default(null),
  /** The column this head predicts (tables only). Absent: the dataset's target. */
  target: columnName.optional(),
});
export const ActivationConfig = z.object({ activation: Activation });
export const DropoutConfig = z.object({ rate: rate('rate') });

/** Dense acts on the last axis; Keras allows any rank >= 1 and keeps the leading axes. */
export function denseInfer(name: string, inputs: readonly SampleShape[], units: number) {
  const input = inputs[0];
  if (!input) return noInput(name);
  if (input.length === 0)
    return { error: `${name} needs at least one dimension per sample, but receives ${formatSampleShape(input)}.` };
  return { shape: sampleShape([...input.slice(0, -1), units]) };
}

export function denseParams(inputs: readonly SampleShape[], units: number, useBias: boolean): number {
  const last = inputs[0]?.at(-1) ?? 0;
  return last * units + (useBias ? units : 0);
}

const passThrough = (name: string) => (inputs: readonly SampleShape[]) => {
  const input = inputs[0];
  return input ? { shape: input } : noInput(name);
};

export const inputLayer: LayerSpec<'Input'> = {
  type: 'Input',
  family: 'Core',
  help: 'Where data enters the model. Its shape comes from the dataset: one number per encoded feature. A second Input makes a multi-input model.',
  inputs: { min: 0, max: 0 },
  defaults: () => ({ shape: [1] }),
  fields: [
    {
      path: ['columns'],
      label: 'Columns',
      kind: 'columns',
      hint: 'The feature columns this Input takes; none chosen: every column no other Input takes.',
    },
    {
      path: ['shape'],
      label: 'Shape',
      kind: 'ints',
      min: 1,
      hint: 'Per sample, without the batch. Follows the dataset (the encoded width of its columns).',
    },
  ],
  infer: (_inputs, config) => ({ shape: sampleShape(config.shape) }),
  params: () => 0,
};

export const denseLayer: LayerSpec<'Dense'> = {
  type: 'Dense',
  family: 'Core',
  help: 'A fully connected layer: every output unit sees every input. More units learn more complex patterns but overfit sooner. relu is a good default activation.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ units: 16, activation: 'relu', ...KERNEL_DEFAULTS }),
  fields: [
    { path: ['units'], label: 'Units', kind: 'int', min: 1, hint: 'How many outputs this layer has.' },
    activationField(),
    ...kernelFields(),
  ],
  infer: (inputs, c) => denseInfer('Dense', inputs, c.units),
  params: (inputs, c) => denseParams(inputs, c.units, c.use_bias),
};

export const outputLayer: LayerSpec<'Output'> = {
  type: 'Output',
  family: 'Core',
  help: 'The prediction head: a Dense layer whose size and activation follow the task (softmax over classes, sigmoid for two classes, linear for a number). Several Outputs make a multi-head model.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({
    units: 1,
    activation: 'linear',
    kernel_initializer: 'glorot_uniform',
    bias_initializer: 'zeros',
    kernel_regularizer: null,
    bias_regularizer: null,
  }),
  fields: [
    {
      path: ['target'],
      label: 'Target',
      kind: 'target',
      hint: "The column this head predicts; none chosen: the dataset's target.",
    },
    { path: ['units'], label: 'Units', kind: 'int', min: 1, readonly: true },
    { ...activationField(), readonly: true },
    initializerField('kernel_initializer', 'Kernel initializer'),
    regularizerField('kernel_regularizer', 'Kernel regularizer'),
    regularizerField('bias_regularizer', 'Bias regularizer'),
  ],
  // Like Dense, on the last axis; whether the result matches the targets is checked against the data when training starts.
  infer: (inputs, c) => denseInfer('Output', inputs, c.units),
  params: (inputs, c) => denseParams(inputs, c.units, true),
};

export const activationLayer: LayerSpec<'Activation'> = {
  type: 'Activation',
  family: 'Core',
  help: 'Applies an activation function on its own, e.g. after a BatchNormalization that follows a linear Conv2D or Dense. No weights.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ activation: 'relu' }),
  fields: [activationField()],
  infer: passThrough('Activation'),
  params: () => 0,
};

export const dropoutLayer: LayerSpec<'Dropout'> = {
  type: 'Dropout',
  family: 'Core',
  help: 'During training, zeroes a random fraction (rate) of its inputs so the model cannot rely on any single one. A remedy for overfitting; 0.2-0.5 is typical. Does nothing at prediction time.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ rate: 0.2 }),
  fields: [
    {
      path: ['rate'],
      label: 'Rate',
      kind: 'float',
      min: 0,
      max: 0.95,
      step: 0.05,
      hint: 'Fraction of inputs zeroed during training (0 to below 1).',
    },
  ],
  infer: passThrough('Dropout'),
  params: () => 0,
};
