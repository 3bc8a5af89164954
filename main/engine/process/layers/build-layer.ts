import type * as tf from '@tensorflow/tfjs';
import type { LayerConfig } from '../../../../app/graph';
import { LAYER_REGISTRY, type BuiltType, type LayerEntry } from './registry';

/**
 * One palette node → one tfjs layer, with Keras' config translated to tfjs' argument names by the
 * type's entry in the layer registry (registry/<family>.ts).
 * `random` is the model's seeded stream: initializers and dropout masks draw from it in node order.
 */
export function buildLayer<T extends BuiltType>(
  type: T,
  config: unknown,
  name: string,
  random: () => number,
): tf.layers.Layer {
  const entry = LAYER_REGISTRY[type] as LayerEntry<T>;
  return entry.build(config as LayerConfig<T>, name, random);
}
