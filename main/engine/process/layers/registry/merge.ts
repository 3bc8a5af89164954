import * as tf from '@tensorflow/tfjs';
import { Subtract } from '../subtract-layer';
import * as onnx from '../../formats/onnx/layers-merge';
import type { LayerEntries } from './entry';

/** The layers that join several inputs. */
export const mergeLayers = {
  Concatenate: { build: (c, name) => tf.layers.concatenate({ name, axis: c.axis }), onnx: onnx.concatenate },
  Add: { build: (_c, name) => tf.layers.add({ name }), onnx: onnx.add },
  Subtract: { build: (_c, name) => new Subtract({ name }), onnx: onnx.subtract },
  Multiply: { build: (_c, name) => tf.layers.multiply({ name }), onnx: onnx.multiply },
  Average: { build: (_c, name) => tf.layers.average({ name }), onnx: onnx.average },
  Maximum: { build: (_c, name) => tf.layers.maximum({ name }), onnx: onnx.maximum },
} satisfies LayerEntries<'Concatenate' | 'Add' | 'Subtract' | 'Multiply' | 'Average' | 'Maximum'>;
