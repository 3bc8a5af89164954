import * as tf from '@tensorflow/tfjs';
import type { LayerConfig } from '../../../../../app/graph';
import * as onnx from '../../formats/onnx/layers-spatial';
import type { LayerEntries } from './entry';

function pool1d(c: LayerConfig<'MaxPooling1D'>, name: string) {
  return { name, poolSize: c.pool_size, strides: c.strides ?? c.pool_size, padding: c.padding };
}

function pool2d(c: LayerConfig<'MaxPooling2D'>, name: string) {
  return {
    name,
    poolSize: [...c.pool_size] as [number, number],
    strides: [...(c.strides ?? c.pool_size)] as [number, number],
    padding: c.padding,
  };
}

/** Pooling, upsampling, padding and cropping. */
export const spatialLayers = {
  MaxPooling1D: { build: (c, name) => tf.layers.maxPooling1d(pool1d(c, name)), onnx: onnx.pool('MaxPool', 1) },
  AveragePooling1D: {
    build: (c, name) => tf.layers.averagePooling1d(pool1d(c, name)),
    onnx: onnx.pool('AveragePool', 1),
  },
  MaxPooling2D: { build: (c, name) => tf.layers.maxPooling2d(pool2d(c, name)), onnx: onnx.pool('MaxPool', 2) },
  AveragePooling2D: {
    build: (c, name) => tf.layers.averagePooling2d(pool2d(c, name)),
    onnx: onnx.pool('AveragePool', 2),
  },
  GlobalAveragePooling1D: {
    build: (_c, name) => tf.layers.globalAveragePooling1d({ name }),
    onnx: onnx.globalPool('ReduceMean', 1),
  },
  GlobalMaxPooling1D: {
    build: (_c, name) => tf.layers.globalMaxPooling1d({ name }),
    onnx: onnx.globalPool('ReduceMax', 1),
  },
  GlobalAveragePooling2D: {
    build: (_c, name) => tf.layers.globalAveragePooling2d({ name }),
    onnx: onnx.globalPool('ReduceMean', 2),
  },
  GlobalMaxPooling2D: {
    build: (_c, name) => tf.layers.globalMaxPooling2d({ name }),
    onnx: onnx.globalPool('ReduceMax', 2),
  },
  UpSampling2D: {
    build: (c, name) => tf.layers.upSampling2d({ name, size: [...c.size], interpolation: c.interpolation }),
    onnx: onnx.upSampling2D,
  },
  ZeroPadding2D: {
    build: ({ padding: [[t, b], [l, r]] }, name) =>
      tf.layers.zeroPadding2d({
        name,
        padding: [
          [t, b],
          [l, r],
        ],
      }),
    onnx: onnx.zeroPadding2D,
  },
  Cropping2D: {
    build: ({ cropping: [[t, b], [l, r]] }, name) =>
      tf.layers.cropping2D({
        name,
        cropping: [
          [t, b],
          [l, r],
        ],
      }),
    onnx: onnx.cropping2D,
  },
} satisfies LayerEntries<
  | 'MaxPooling1D'
  | 'AveragePooling1D'
  | 'MaxPooling2D'
  | 'AveragePooling2D'
  | 'GlobalAveragePooling1D'
  | 'GlobalMaxPooling1D'
  | 'GlobalAveragePooling2D'
  | 'GlobalMaxPooling2D'
  | 'UpSampling2D'
  | 'ZeroPadding2D'
  | 'Cropping2D'
>;
