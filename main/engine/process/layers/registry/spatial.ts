import * as tf from '@tensorflow/tfjs';
import type { LayerConfig } from '../../../../../app/graph';
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
  MaxPooling1D: { build: (c, name) => tf.layers.maxPooling1d(pool1d(c, name)) },
  AveragePooling1D: { build: (c, name) => tf.layers.averagePooling1d(pool1d(c, name)) },
  MaxPooling2D: { build: (c, name) => tf.layers.maxPooling2d(pool2d(c, name)) },
  AveragePooling2D: { build: (c, name) => tf.layers.averagePooling2d(pool2d(c, name)) },
  GlobalAveragePooling1D: { build: (_c, name) => tf.layers.globalAveragePooling1d({ name }) },
  GlobalMaxPooling1D: { build: (_c, name) => tf.layers.globalMaxPooling1d({ name }) },
  GlobalAveragePooling2D: { build: (_c, name) => tf.layers.globalAveragePooling2d({ name }) },
  GlobalMaxPooling2D: { build: (_c, name) => tf.layers.globalMaxPooling2d({ name }) },
  UpSampling2D: {
    build: (c, name) => tf.layers.upSampling2d({ name, size: [...c.size], interpolation: c.interpolation }),
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
