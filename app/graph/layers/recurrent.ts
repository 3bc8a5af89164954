import { z } from 'zod';
import { sampleShape, type SampleShape } from '../shape';
import { Activation, Initializer, needsRank, noInput, positiveInt, rate, Regularizer } from './common';
import { activationField, initializerField, regularizerField, type FieldSpec } from './fields';
import type { InferResult, KerasSpec, LayerSpec } from './layer-spec';

const rnnSettings = {
  units: positiveInt('units', 100_000),
  activation: Activation.default('tanh'),
  use_bias: z.boolean().default(true),
  return_sequences: z.boolean().default(false),
  dropout: rate('dropout').default(0),
  recurrent_dropout: rate('recurrent_dropout').default(0),
  kernel_initializer: Initializer.default('glorot_uniform'),
  recurrent_initializer: Initializer.default('orthogonal'),
  bias_initializer: Initializer.default('zeros'),
  kernel_regularizer: Regularizer.default(null),
  recurrent_regularizer: Regularizer.default(null),
  bias_regularizer: Regularizer.default(null),
};
export const SimpleRNNConfig = z.object(rnnSettings);
/** LSTM and GRU gate with recurrent_activation (Keras' default sigmoid; tfjs' own default differs, so it is always set). */
export const GatedRNNConfig = z.object({ ...rnnSettings, recurrent_activation: Activation.default('sigmoid') });
export type GatedRNNConfig = z.infer<typeof GatedRNNConfig>;

export const RNN_TYPES = ['SimpleRNN', 'LSTM', 'GRU'] as const;
export type RnnType = (typeof RNN_TYPES)[number];
/** Weight blocks per unit: one for SimpleRNN, four gates for LSTM, three for GRU (tfjs' GRU has one bias per gate). */
const GATES: Record<RnnType, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

export const rnnDefaults = (units = 32): GatedRNNConfig => ({
  units,
  activation: 'tanh',
  recurrent_activation: 'sigmoid',
  use_bias: true,
  return_sequences: false,
  dropout: 0,
  recurrent_dropout: 0,
  kernel_initializer: 'glorot_uniform',
  recurrent_initializer: 'orthogonal',
  bias_initializer: 'zeros',
  kernel_regularizer: null,
  recurrent_regularizer: null,
  bias_regularizer: null,
});

export function rnnFields(
  prefix: readonly string[] = [],
  gated: (c: Record<string, unknown>) => boolean = () => true,
): FieldSpec[] {
  const at = (k: string) => [...prefix, k];
  const inner = (c: Record<string, unknown>) =>
    prefix.reduce<Record<string, unknown>>((o, k) => (o[k] ?? {}) as Record<string, unknown>, c);
  return [
    { path: at('units'), label: 'Units', kind: 'int', min: 1, hint: 'Size of the memory carried from step to step.' },
    activationField(at('activation')),
    { ...activationField(at('recurrent_activation'), 'Recurrent activation'), when: gated },
    {
      path: at('return_sequences'),
      label: 'Return sequences',
      kind: 'bool',
      hint: 'On: one output per step (to stack another recurrent layer). Off: only the last step.',
    },
    {
      path: at('dropout'),
      label: 'Dropout',
      kind: 'float',
      min: 0,
      max: 0.95,
      step: 0.05,
      hint: 'Fraction of inputs dropped during training.',
    },
    {
      path: at('recurrent_dropout'),
      label: 'Recurrent dropout',
      kind: 'float',
      min: 0,
      max: 0.95,
      step: 0.05,
      hint: 'Fraction of the carried state dropped during training.',
    },
    { path: at('use_bias'), label: 'Use bias', kind: 'bool' },
    initializerField(at('kernel_initializer'), 'Kernel initializer'),
    initializerField(at('recurrent_initializer'), 'Recurrent initializer'),
    { ...initializerField(at('bias_initializer'), 'Bias initializer'), when: (c) => inner(c).use_bias !== false },
    regularizerField(at('kernel_regularizer'), 'Kernel regularizer'),
    regularizerField(at('recurrent_regularizer'), 'Recurrent regularizer'),
    { ...regularizerField(at('bias_regularizer'), 'Bias regularizer'), when: (c) => inner(c).use_bias !== false },
  ];
}

export function rnnInfer(
  layer: string,
  inputs: readonly SampleShape[],
  c: { units: number; return_sequences: boolean },
  width = c.units,
): InferResult {
  const input = inputs[0];
  if (!input) return noInput(layer);
  const bad = needsRank(
    layer,
    2,
    '(steps, features)',
    input,
    'Insert a Reshape (e.g. (12) → (12, 1)), an Embedding, or a RepeatVector before it.',
  );
  if (bad) return bad;
  return { shape: sampleShape(c.return_sequences ? [input[0]!, width] : [width]) };
}

export function rnnParams(
  type: RnnType,
  inputs: readonly SampleShape[],
  c: { units: number; use_bias: boolean },
): number {
  const features = inputs[0]?.at(-1) ?? 0;
  return GATES[type] * c.units * (features + c.units + (c.use_bias ? 1 : 0));
}

/**
 * Keras keeps an RNN's weights in its cell. Settings tfjs and Layerlab do not implement are taken
 * at their default only; unit_forget_bias only sets the initial forget bias (imported weights
 * replace it) and implementation only how Keras computes the same thing.
 */
const rnnKeras = {
  weights: 'cell',
  fixed: {
    unroll: false,
    stateful: false,
    go_backwards: false,
    time_major: false,
    return_state: false,
    zero_output_for_mask: false,
  },
  ignored: ['unit_forget_bias', 'implementation'],
} as const satisfies KerasSpec;

const one = { min: 1, max: 1 };
export const simpleRNNLayer: LayerSpec<'SimpleRNN'> = {
  type: 'SimpleRNN',
  family: 'Recurrent',
  help: 'Reads a sequence step by step, carrying a memory. Simple and fast, but forgets long-range context; prefer LSTM or GRU for long sequences.',
  inputs: one,
  defaults: () => {
    const { recurrent_activation: _unused, ...rest } = rnnDefaults();
    return rest;
  },
  fields: rnnFields().filter((f) => f.path.at(-1) !== 'recurrent_activation'),
  infer: (inputs, c) => rnnInfer('SimpleRNN', inputs, c),
  params: (inputs, c) => rnnParams('SimpleRNN', inputs, c),
  keras: rnnKeras,
};
export const lstmLayer: LayerSpec<'LSTM'> = {
  type: 'LSTM',
  family: 'Recurrent',
  help: 'A recurrent layer with gates that decide what to remember and forget: learns long-range patterns in time series and text. Input (steps, features).',
  inputs: one,
  defaults: () => rnnDefaults(),
  fields: rnnFields(),
  infer: (inputs, c) => rnnInfer('LSTM', inputs, c),
  params: (inputs, c) => rnnParams('LSTM', inputs, c),
  keras: rnnKeras,
};
export const gruLayer: LayerSpec<'GRU'> = {
  type: 'GRU',
  family: 'Recurrent',
  help: 'A lighter LSTM (two gates instead of three): similar accuracy with fewer weights, often faster to train. Input (steps, features).',
  inputs: one,
  defaults: () => rnnDefaults(),
  fields: rnnFields(),
  infer: (inputs, c) => rnnInfer('GRU', inputs, c),
  params: (inputs, c) => rnnParams('GRU', inputs, c),
  // tfjs' GRU is Keras' reset_after=False GRU (bias 3 × units); it refuses reset_after=True.
  keras: { ...rnnKeras, fixed: { ...rnnKeras.fixed, reset_after: false } },
};
