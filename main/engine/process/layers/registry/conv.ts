import * as tf from '@tensorflow/tfjs';
import { initializer, kernelArgs, regularizer } from '../weights';
import * as onnx from '../../formats/onnx/layers-conv';
import { optional, type LayerEntries } from './entry';

/** The convolutions. */
export const convLayers = {
  Conv1D: {
    build: (c, name, random) =>
      tf.layers.conv1d({
        name,
        filters: c.filters,
        kernelSize: c.kernel_size,
        strides: c.strides,
        padding: c.padding,
        dilationRate: c.dilation_rate,
        activation: c.activation,
        ...kernelArgs(c, random),
      }),
    onnx: onnx.conv(1),
  },
  Conv2D: {
    build: (c, name, random) =>
      tf.layers.conv2d({
        name,
        filters: c.filters,
        kernelSize: [...c.kernel_size],
        strides: [...c.strides],
        padding: c.padding,
        dilationRate: [...c.dilation_rate],
        activation: c.activation,
        ...kernelArgs(c, random),
      }),
    onnx: onnx.conv(2),
  },
  Conv2DTranspose: {
    build: (c, name, random) =>
      tf.layers.conv2dTranspose({
        name,
        filters: c.filters,
        kernelSize: [...c.kernel_size],
        strides: [...c.strides],
        padding: c.padding,
        activation: c.activation,
        ...kernelArgs(c, random),
      }),
    onnx: onnx.conv2DTranspose,
  },
  DepthwiseConv2D: {
    build: (c, name, random) =>
      tf.layers.depthwiseConv2d({
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
      }),
    onnx: onnx.depthwiseConv2D,
  },
  SeparableConv2D: {
    build: (c, name, random) =>
      tf.layers.separableConv2d({
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
      }),
    onnx: onnx.separableConv2D,
    keras: {
      // tfjs forgets depth_multiplier in SeparableConv2D's config; without it Keras builds the wrong kernel.
      fromLayer: (layer) => ({ depth_multiplier: (layer as unknown as { depthMultiplier: number }).depthMultiplier }),
    },
  },
} satisfies LayerEntries<'Conv1D' | 'Conv2D' | 'Conv2DTranspose' | 'DepthwiseConv2D' | 'SeparableConv2D'>;
