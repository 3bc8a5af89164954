import { z } from 'zod';
import { KERNEL_DEFAULTS, needsRank, noInput } from './common';
import { DenseConfig, denseInfer, denseParams } from './core';
import { activationField, kernelFields } from './fields';
import type { LayerSpec } from './layer-spec';
import { GatedRNNConfig, RNN_TYPES, rnnDefaults, rnnFields, rnnInfer, rnnParams } from './recurrent';

/** Keras' wrapper config: the wrapped layer as { class_name, config }. */
export const BidirectionalConfig = z.object({
  layer: z.object({
    class_name: z.enum(RNN_TYPES, { error: 'Bidirectional wraps a SimpleRNN, LSTM or GRU' }),
    config: GatedRNNConfig,
  }),
  merge_mode: z.enum(['concat', 'sum', 'mul', 'ave']).default('concat'),
});
export const TimeDistributedConfig = z.object({
  layer: z.object({
    class_name: z.literal('Dense', { error: 'TimeDistributed wraps a Dense layer' }),
    config: DenseConfig,
  }),
});

export const bidirectionalLayer: LayerSpec<'Bidirectional'> = {
  type: 'Bidirectional',
  family: 'Recurrent',
  help: 'Runs a recurrent layer forwards and a copy backwards over the sequence and joins their outputs, so each step sees both past and future context. Twice the weights.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ layer: { class_name: 'LSTM', config: rnnDefaults(16) }, merge_mode: 'concat' }),
  fields: [
    { path: ['layer', 'class_name'], label: 'Wrapped layer', kind: 'enum', options: RNN_TYPES },
    {
      path: ['merge_mode'],
      label: 'Merge mode',
      kind: 'enum',
      options: ['concat', 'sum', 'mul', 'ave'],
      hint: 'concat doubles the width; the others keep it.',
    },
    ...rnnFields(
      ['layer', 'config'],
      (c) => (c.layer as { class_name?: string } | undefined)?.class_name !== 'SimpleRNN',
    ),
  ],
  infer: (inputs, c) =>
    rnnInfer(
      'Bidirectional',
      inputs,
      c.layer.config,
      c.merge_mode === 'concat' ? 2 * c.layer.config.units : c.layer.config.units,
    ),
  params: (inputs, c) => 2 * rnnParams(c.layer.class_name, inputs, c.layer.config),
  keras: { weights: 'forward-backward' },
};

export const timeDistributedLayer: LayerSpec<'TimeDistributed'> = {
  type: 'TimeDistributed',
  family: 'Recurrent',
  help: 'Applies the same Dense layer to every step of a sequence (steps, features) → (steps, units): a per-step prediction after a recurrent layer with return_sequences.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ layer: { class_name: 'Dense', config: { units: 16, activation: 'relu', ...KERNEL_DEFAULTS } } }),
  fields: [
    { path: ['layer', 'config', 'units'], label: 'Units (of the Dense)', kind: 'int', min: 1 },
    activationField(['layer', 'config', 'activation']),
    ...kernelFields(['layer', 'config']),
  ],
  infer: (inputs, c) => {
    const input = inputs[0];
    if (!input) return noInput('TimeDistributed');
    if (input.length < 2)
      return needsRank(
        'TimeDistributed',
        2,
        '(steps, features)',
        input,
        'Insert a Reshape or a RepeatVector before it.',
      )!;
    return denseInfer('TimeDistributed', inputs, c.layer.config.units);
  },
  params: (inputs, c) => denseParams(inputs, c.layer.config.units, c.layer.config.use_bias),
  keras: { weights: 'wrapped' },
};
