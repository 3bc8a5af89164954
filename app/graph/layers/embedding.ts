import { z } from 'zod';
import { sampleShape } from '../shape';
import { Initializer, noInput, positiveInt, Regularizer } from './common';
import { initializerField, regularizerField } from './fields';
import type { LayerSpec } from './layer-spec';

export const EmbeddingConfig = z.object({
  input_dim: positiveInt('input_dim', 10_000_000),
  output_dim: positiveInt('output_dim', 100_000),
  embeddings_initializer: Initializer.default('random_uniform'),
  embeddings_regularizer: Regularizer.default(null),
});

export const embeddingLayer: LayerSpec<'Embedding'> = {
  type: 'Embedding',
  family: 'Core',
  help: 'Turns whole-number ids (words, categories, 0 to input_dim - 1) into learned vectors of output_dim numbers. Use it first for text or high-cardinality categories.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({
    input_dim: 100,
    output_dim: 8,
    embeddings_initializer: 'random_uniform',
    embeddings_regularizer: null,
  }),
  fields: [
    {
      path: ['input_dim'],
      label: 'Input dim (vocabulary size)',
      kind: 'int',
      min: 1,
      hint: 'How many distinct ids; the largest id plus one.',
    },
    { path: ['output_dim'], label: 'Output dim', kind: 'int', min: 1, hint: 'Numbers per id.' },
    initializerField('embeddings_initializer', 'Embeddings initializer'),
    regularizerField('embeddings_regularizer', 'Embeddings regularizer'),
  ],
  infer: (inputs, c) => {
    const input = inputs[0];
    if (!input) return noInput('Embedding');
    return { shape: sampleShape([...input, c.output_dim]) };
  },
  params: (_inputs, c) => c.input_dim * c.output_dim,
  // Keras 2 writes input_length, accepted when null (the Input gives the length). The engine does not
  // mask padded ids, so a Keras model with mask_zero: true is refused on import, naming the setting.
  keras: { fixed: { mask_zero: false, input_length: null } },
};
