import * as tf from '@tensorflow/tfjs';
import { nextIntSeed } from '../../../../../app/math/seeded-random';
import { initializer, kernelArgs, regularizer } from '../weights';
import * as onnx from '../../formats/onnx/layers-core';
import { optional, type LayerEntries } from './entry';

/** Dense and its Output head, reshaping layers, Embedding and TimeDistributed (around a Dense). */
export const coreLayers = {
  Dense: {
    build: (c, name, random) =>
      tf.layers.dense({ name, units: c.units, activation: c.activation, ...kernelArgs(c, random) }),
    onnx: onnx.denseLayer,
  },
  // The task's head: a Dense layer with a bias always.
  Output: {
    build: (c, name, random) =>
      tf.layers.dense({
        name,
        units: c.units,
        activation: c.activation,
        ...kernelArgs({ ...c, use_bias: true }, random),
      }),
  },
  Activation: { build: (c, name) => tf.layers.activation({ name, activation: c.activation }), onnx: onnx.activation },
  Dropout: {
    build: (c, name, random) => tf.layers.dropout({ name, rate: c.rate, seed: nextIntSeed(random) }),
    onnx: onnx.dropout,
  },
  Flatten: { build: (_c, name) => tf.layers.flatten({ name }), onnx: onnx.flatten },
  Reshape: { build: (c, name) => tf.layers.reshape({ name, targetShape: [...c.target_shape] }), onnx: onnx.reshape },
  Permute: { build: (c, name) => tf.layers.permute({ name, dims: [...c.dims] }), onnx: onnx.permute },
  RepeatVector: { build: (c, name) => tf.layers.repeatVector({ name, n: c.n }), onnx: onnx.repeatVector },
  Embedding: {
    build: (c, name, random) =>
      tf.layers.embedding({
        name,
        inputDim: c.input_dim,
        outputDim: c.output_dim,
        embeddingsInitializer: initializer(c.embeddings_initializer, random),
        ...optional('embeddingsRegularizer', regularizer(c.embeddings_regularizer)),
      }),
    onnx: onnx.embedding,
    keras: {
      config(out, flavor) {
        // tfjs adds the batch shape it derived to every Embedding; in Keras only an input layer has one.
        delete out.batch_input_shape;
        out.mask_zero = out.mask_zero === true;
        if (flavor === 'keras3' || out.input_length === null) delete out.input_length;
      },
    },
  },
  TimeDistributed: {
    build: ({ layer: { config: c } }, name, random) =>
      tf.layers.timeDistributed({
        name,
        layer: tf.layers.dense({
          name: `${name}_dense`,
          units: c.units,
          activation: c.activation,
          ...kernelArgs(c, random),
        }),
      }),
    onnx: onnx.timeDistributed,
  },
} satisfies LayerEntries<
  | 'Dense'
  | 'Output'
  | 'Activation'
  | 'Dropout'
  | 'Flatten'
  | 'Reshape'
  | 'Permute'
  | 'RepeatVector'
  | 'Embedding'
  | 'TimeDistributed'
>;
