import * as tf from '@tensorflow/tfjs';
import { Subtract } from '../subtract-layer';
import type { LayerEntries } from './entry';

/** The layers that join several inputs. */
export const mergeLayers = {
  Concatenate: { build: (c, name) => tf.layers.concatenate({ name, axis: c.axis }) },
  Add: { build: (_c, name) => tf.layers.add({ name }) },
  Subtract: { build: (_c, name) => new Subtract({ name }) },
  Multiply: { build: (_c, name) => tf.layers.multiply({ name }) },
  Average: { build: (_c, name) => tf.layers.average({ name }) },
  Maximum: { build: (_c, name) => tf.layers.maximum({ name }) },
} satisfies LayerEntries<'Concatenate' | 'Add' | 'Subtract' | 'Multiply' | 'Average' | 'Maximum'>;
