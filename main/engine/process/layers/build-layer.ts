import * as tf from '@tensorflow/tfjs';
import type { LayerConfig, LayerType } from '../../../../app/graph';
import { nextIntSeed } from '../../../../app/math/seeded-random';
import { initializer, kernelArgs, regularizer } from './weights';
import { trainableWithoutCenterOrScale } from './batch-norm-training';
import { Subtract } from './subtract-layer';

type Config<T extends LayerType> = LayerConfig<T>;
type RnnConfig = Config<'LSTM'>;

/**
 * One palette node → one tfjs layer, with Keras' config translated to tfjs' argument names.
 * `random` is the model's seeded stream: initializers and dropout masks draw from it in node order.
 */
export function buildLayer(
  type: Exclude<LayerType, 'Input'>,
  config: unknown,
  name: string,
  random: () => number,
): tf.layers.Layer {
  switch (type) {
    case 'Dense': {
      const c = config as Config<'Dense'>;
      return tf.layers.dense({ name, units: c.units, activation: c.activation, ...kernelArgs(c, random) });
    }
    case 'Output': {
      const c = config as Config<'Output'>;
      return tf.layers.dense({
        name,
        units: c.units,
        activation: c.activation,
        ...kernelArgs({ ...c, use_bias: true }, random),
      });
    }
    case 'Activation':
      return tf.layers.activation({ name, activation: (config as Config<'Activation'>).activation });
    case 'Dropout':
      return tf.layers.dropout({ name, rate: (config as Config<'Dropout'>).rate, seed: nextIntSeed(random) });
    case 'Flatten':
      return tf.layers.flatten({ name });
    case 'Reshape':
      return tf.layers.reshape({ name, targetShape: [...(config as Config<'Reshape'>).target_shape] });
    case 'Permute':
      return tf.layers.permute({ name, dims: [...(config as Config<'Permute'>).dims] });
    case 'RepeatVector':
      return tf.layers.repeatVector({ name, n: (config as Config<'RepeatVector'>).n });
    case 'BatchNormalization': {
      const c = config as Config<'BatchNormalization'>;
      const layer = tf.layers.batchNormalization({
        name,
        axis: c.axis,
        momentum: c.momentum,
        epsilon: c.epsilon,
        center: c.center,
        scale: c.scale,
      });
      return trainableWithoutCenterOrScale(layer, c.center, c.scale);
    }
    case 'LayerNormalization': {
      const c = config as Config<'LayerNormalization'>;
      return tf.layers.layerNormalization({ name, axis: c.axis, epsilon: c.epsilon, center: c.center, scale: c.scale });
    }
    case 'Conv1D': {
      const c = config as Config<'Conv1D'>;
      return tf.layers.conv1d({
        name,
        filters: c.filters,
        kernelSize: c.kernel_size,
        strides: c.strides,
        padding: c.padding,
        dilationRate: c.dilation_rate,
        activation: c.activation,
        ...kernelArgs(c, random),
      });
    }
    case 'Conv2D': {
      const c = config as Config<'Conv2D'>;
      return tf.layers.conv2d({
        name,
        filters: c.filters,
        kernelSize: [...c.kernel_size],
        strides: [...c.strides],
        padding: c.padding,
        dilationRate: [...c.dilation_rate],
        activation: c.activation,
        ...kernelArgs(c, random),
      });
    }
    case 'Conv2DTranspose': {
      const c = config as Config<'Conv2DTranspose'>;
      return tf.layers.conv2dTranspose({
        name,
        filters: c.filters,
        kernelSize: [...c.kernel_size],
        strides: [...c.strides],
        padding: c.padding,
        activation: c.activation,
        ...kernelArgs(c, random),
      });
    }
    case 'DepthwiseConv2D': {
      const c = config as Config<'DepthwiseConv2D'>;
      return tf.layers.depthwiseConv2d({
        name,
        kernelSize: [...c.kernel_size],
        strides: [...c.strides],
        padding: c.padding,
        depthMultiplier: c.depth_multiplier,
        activation: c.activation,
        useBias: c.use_bias,
        depthwiseInitializer: initializer(c.depthwise_initializer, random),
        biasInitializer: initializer(c.bias_initializer, random),
        ...optional('depthwiseRegularizer', regularizer(c.depthwise_regularizer)),
        ...optional('biasRegularizer', c.use_bias ? regularizer(c.bias_regularizer) : undefined),
      });
    }
    case 'SeparableConv2D': {
      const c = config as Config<'SeparableConv2D'>;
      return tf.layers.separableConv2d({
        name,
        filters: c.filters,
        kernelSize: [...c.kernel_size],
        strides: [...c.strides],
        padding: c.padding,
        depthMultiplier: c.depth_multiplier,
        activation: c.activation,
        useBias: c.use_bias,
        depthwiseInitializer: initializer(c.depthwise_initializer, random),
        pointwiseInitializer: initializer(c.pointwise_initializer, random),
        biasInitializer: initializer(c.bias_initializer, random),
        ...optional('depthwiseRegularizer', regularizer(c.depthwise_regularizer)),
        ...optional('pointwiseRegularizer', regularizer(c.pointwise_regularizer)),
        ...optional('biasRegularizer', c.use_bias ? regularizer(c.bias_regularizer) : undefined),
      });
    }
    case 'MaxPooling1D':
    case 'AveragePooling1D': {
      const c = config as Config<'MaxPooling1D'>;
      const args = { name, poolSize: c.pool_size, strides: c.strides ?? c.pool_size, padding: c.padding };
      return type === 'MaxPooling1D' ? tf.layers.maxPooling1d(args) : tf.layers.averagePooling1d(args);
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const c = config as Config<'MaxPooling2D'>;
      const args = {
        name,
        poolSize: [...c.pool_size] as [number, number],
        strides: [...(c.strides ?? c.pool_size)] as [number, number],
        padding: c.padding,
      };
      return type === 'MaxPooling2D' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
    }
    case 'GlobalAveragePooling1D':
      return tf.layers.globalAveragePooling1d({ name });
    case 'GlobalMaxPooling1D':
      return tf.layers.globalMaxPooling1d({ name });
    case 'GlobalAveragePooling2D':
      return tf.layers.globalAveragePooling2d({ name });
    case 'GlobalMaxPooling2D':
      return tf.layers.globalMaxPooling2d({ name });
    case 'UpSampling2D': {
      const c = config as Config<'UpSampling2D'>;
      return tf.layers.upSampling2d({ name, size: [...c.size], interpolation: c.interpolation });
    }
    case 'ZeroPadding2D': {
      const [[t, b], [l, r]] = (config as Config<'ZeroPadding2D'>).padding;
      return tf.layers.zeroPadding2d({
        name,
        padding: [
          [t, b],
          [l, r],
        ],
      });
    }
    case 'Cropping2D': {
      const [[t, b], [l, r]] = (config as Config<'Cropping2D'>).cropping;
      return tf.layers.cropping2D({
        name,
        cropping: [
          [t, b],
          [l, r],
        ],
      });
    }
    case 'Embedding': {
      const c = config as Config<'Embedding'>;
      return tf.layers.embedding({
        name,
        inputDim: c.input_dim,
        outputDim: c.output_dim,
        embeddingsInitializer: initializer(c.embeddings_initializer, random),
        ...optional('embeddingsRegularizer', regularizer(c.embeddings_regularizer)),
      });
    }
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return rnn(type, config as RnnConfig, name, random);
    case 'Bidirectional': {
      const c = config as Config<'Bidirectional'>;
      return tf.layers.bidirectional({
        name,
        layer: rnn(c.layer.class_name, c.layer.config, `${name}_rnn`, random) as tf.RNN,
        mergeMode: c.merge_mode,
      });
    }
    case 'TimeDistributed': {
      const c = (config as Config<'TimeDistributed'>).layer.config;
      return tf.layers.timeDistributed({
        name,
        layer: tf.layers.dense({
          name: `${name}_dense`,
          units: c.units,
          activation: c.activation,
          ...kernelArgs(c, random),
        }),
      });
    }
    case 'Concatenate':
      return tf.layers.concatenate({ name, axis: (config as Config<'Concatenate'>).axis });
    case 'Add':
      return tf.layers.add({ name });
    case 'Subtract':
      return new Subtract({ name });
    case 'Multiply':
      return tf.layers.multiply({ name });
    case 'Average':
      return tf.layers.average({ name });
    case 'Maximum':
      return tf.layers.maximum({ name });
  }
}

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

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
