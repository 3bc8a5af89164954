import * as tf from '@tensorflow/tfjs';
import type { LayerConfig } from '../../../../../app/graph';
import * as onnx from '../../formats/onnx/layers-recurrent';
import { initializer, regularizer } from '../weights';
import { optional, type KerasEntry, type LayerEntries } from './entry';

type RnnConfig = LayerConfig<'LSTM'>;

function rnn(type: 'SimpleRNN' | 'LSTM' | 'GRU', c: RnnConfig, name: string, random: () => number): tf.layers.Layer {
  const args = {
    name,
    units: c.units,
    activation: c.activation,
    useBias: c.use_bias,
    returnSequences: c.return_sequences,
    dropout: c.dropout,
    recurrentDropout: c.recurrent_dropout,
    kernelInitializer: initializer(c.kernel_initializer, random),
    recurrentInitializer: initializer(c.recurrent_initializer, random),
    biasInitializer: initializer(c.bias_initializer, random),
    ...optional('kernelRegularizer', regularizer(c.kernel_regularizer)),
    ...optional('recurrentRegularizer', regularizer(c.recurrent_regularizer)),
    ...optional('biasRegularizer', c.use_bias ? regularizer(c.bias_regularizer) : undefined),
  };
  if (type === 'SimpleRNN') return tf.layers.simpleRNN(args);
  // tfjs defaults recurrentActivation to hardSigmoid; Keras (and our config) to sigmoid.
  if (type === 'GRU') return tf.layers.gru({ ...args, recurrentActivation: c.recurrent_activation });
  // Keras' unit_forget_bias: the forget gate starts open, so early training remembers.
  return tf.layers.lstm({ ...args, recurrentActivation: c.recurrent_activation, unitForgetBias: c.use_bias });
}

/** tfjs writes implementation null (Keras wants 1 or 2) and unit_forget_bias null for false. */
const rnnKeras: KerasEntry = {
  config(out) {
    delete out.implementation;
    if ('unit_forget_bias' in out) out.unit_forget_bias = out.unit_forget_bias === true;
  },
};

/** The recurrent layers and Bidirectional (around one of them). */
export const recurrentLayers = {
  SimpleRNN: {
    build: (c, name, random) => rnn('SimpleRNN', c as RnnConfig, name, random),
    onnx: onnx.recurrent('SimpleRNN'),
    keras: rnnKeras,
  },
  LSTM: { build: (c, name, random) => rnn('LSTM', c, name, random), onnx: onnx.recurrent('LSTM'), keras: rnnKeras },
  GRU: {
    build: (c, name, random) => rnn('GRU', c as RnnConfig, name, random),
    onnx: onnx.recurrent('GRU'),
    keras: rnnKeras,
  },
  Bidirectional: {
    build: (c, name, random) =>
      tf.layers.bidirectional({
        name,
        layer: rnn(c.layer.class_name, c.layer.config, `${name}_rnn`, random) as tf.RNN,
        mergeMode: c.merge_mode,
      }),
    onnx: onnx.bidirectional,
  },
} satisfies LayerEntries<'SimpleRNN' | 'LSTM' | 'GRU' | 'Bidirectional'>;
