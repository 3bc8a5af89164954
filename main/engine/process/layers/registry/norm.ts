import * as tf from '@tensorflow/tfjs';
import { trainableWithoutCenterOrScale } from '../batch-norm-training';
import * as onnx from '../../formats/onnx/layers-norm';
import type { LayerEntries } from './entry';

/** The normalizations. */
export const normLayers = {
  BatchNormalization: {
    build: (c, name) =>
      trainableWithoutCenterOrScale(
        tf.layers.batchNormalization({
          name,
          axis: c.axis,
          momentum: c.momentum,
          epsilon: c.epsilon,
          center: c.center,
          scale: c.scale,
        }),
        c.center,
        c.scale,
      ),
    onnx: onnx.batchNormalization,
  },
  LayerNormalization: {
    build: (c, name) =>
      tf.layers.layerNormalization({ name, axis: c.axis, epsilon: c.epsilon, center: c.center, scale: c.scale }),
    onnx: onnx.layerNormalization,
  },
} satisfies LayerEntries<'BatchNormalization' | 'LayerNormalization'>;
