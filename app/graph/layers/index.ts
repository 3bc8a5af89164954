import type { LayerType } from '../schema';
import {
  conv1DLayer,
  conv2DLayer,
  conv2DTransposeLayer,
  depthwiseConv2DLayer,
  separableConv2DLayer,
} from './convolution';
import { activationLayer, denseLayer, dropoutLayer, inputLayer, outputLayer } from './core';
import { embeddingLayer } from './embedding';
import { addLayer, averageLayer, concatenateLayer, maximumLayer, multiplyLayer, subtractLayer } from './merge';
import { batchNormalizationLayer, layerNormalizationLayer } from './normalization';
import {
  averagePooling1DLayer,
  averagePooling2DLayer,
  globalAveragePooling1DLayer,
  globalAveragePooling2DLayer,
  globalMaxPooling1DLayer,
  globalMaxPooling2DLayer,
  maxPooling1DLayer,
  maxPooling2DLayer,
} from './pooling';
import { gruLayer, lstmLayer, simpleRNNLayer } from './recurrent';
import {
  cropping2DLayer,
  flattenLayer,
  permuteLayer,
  repeatVectorLayer,
  reshapeLayer,
  upSampling2DLayer,
  zeroPadding2DLayer,
} from './reshaping';
import { bidirectionalLayer, timeDistributedLayer } from './wrappers';
import type { KerasSpec, LayerSpec } from './layer-spec';

export type { LayerSpec, InferResult, KerasSpec, LayerFamily } from './layer-spec';
export { FAMILIES } from './layer-spec';
export type { FieldSpec } from './fields';
export { MAX_MERGE_INPUTS } from './merge';

/** The layer catalogue: one entry per node type, keyed on the Keras-style class name. */
export const LAYERS: { [T in LayerType]: LayerSpec<T> } = {
  Input: inputLayer,
  Dense: denseLayer,
  Activation: activationLayer,
  Dropout: dropoutLayer,
  Flatten: flattenLayer,
  Reshape: reshapeLayer,
  Permute: permuteLayer,
  RepeatVector: repeatVectorLayer,
  BatchNormalization: batchNormalizationLayer,
  LayerNormalization: layerNormalizationLayer,
  Conv1D: conv1DLayer,
  Conv2D: conv2DLayer,
  SeparableConv2D: separableConv2DLayer,
  DepthwiseConv2D: depthwiseConv2DLayer,
  Conv2DTranspose: conv2DTransposeLayer,
  MaxPooling1D: maxPooling1DLayer,
  AveragePooling1D: averagePooling1DLayer,
  MaxPooling2D: maxPooling2DLayer,
  AveragePooling2D: averagePooling2DLayer,
  GlobalAveragePooling1D: globalAveragePooling1DLayer,
  GlobalMaxPooling1D: globalMaxPooling1DLayer,
  GlobalAveragePooling2D: globalAveragePooling2DLayer,
  GlobalMaxPooling2D: globalMaxPooling2DLayer,
  UpSampling2D: upSampling2DLayer,
  ZeroPadding2D: zeroPadding2DLayer,
  Cropping2D: cropping2DLayer,
  Embedding: embeddingLayer,
  SimpleRNN: simpleRNNLayer,
  LSTM: lstmLayer,
  GRU: gruLayer,
  Bidirectional: bidirectionalLayer,
  TimeDistributed: timeDistributedLayer,
  Concatenate: concatenateLayer,
  Add: addLayer,
  Subtract: subtractLayer,
  Multiply: multiplyLayer,
  Average: averageLayer,
  Maximum: maximumLayer,
  Output: outputLayer,
};

export function layerSpec<T extends LayerType>(type: T): LayerSpec<T> {
  return LAYERS[type];
}

/**
 * The catalogue's Keras facts for a class a Keras file names (Dense for an Output too); none for
 * InputLayer or a class Layerlab does not have.
 */
export function kerasSpecOf(className: string): KerasSpec {
  if (className === 'Input' || className === 'Output' || !Object.hasOwn(LAYERS, className)) return {};
  return LAYERS[className as LayerType].keras ?? {};
}
