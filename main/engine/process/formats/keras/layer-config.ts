import type * as tf from '@tensorflow/tfjs';
import { KERAS_CLASS_NAMES } from '../../../../../app/graph/layers/keras-class';
import { RNN_CLASSES } from '../../../shared/keras-weight-names';
import { LAYER_REGISTRY, type KerasEntry } from '../../layers/registry';
import {
  isObject,
  keras3Object,
  kerasActivation,
  KerasExportError,
  kerasInitializer,
  kerasRegularizer,
} from '../../../shared/keras-names';

/**
 * One tfjs layer's serialized config → the config Keras writes for that layer: tf.keras 2's
 * legacy form for .h5, Keras 3's for .keras. Keras 3 refuses unknown keyword arguments and
 * both refuse tfjs' spellings, so every value is translated and every tfjs-only key dropped.
 */
export type KerasFlavor = 'keras2' | 'keras3';
type Json = Record<string, unknown>;

/**
 * The palette's layers, from the catalogue itself (app/graph/layers/keras-class.ts: tfjs' class
 * names are Keras'); anything else is refused by name.
 */
export const KERAS_LAYER_CLASSES: ReadonlySet<string> = new Set(KERAS_CLASS_NAMES);
export { RNN_CLASSES };

/** Each class's Keras entry in the layer registry, where it has one (an entry's key is its class there). */
const KERAS_ENTRIES: ReadonlyMap<string, KerasEntry> = new Map(
  Object.entries(LAYER_REGISTRY).flatMap(([type, entry]) => (entry.keras ? [[type, entry.keras]] : [])),
);

const OBJECT_MODULES = {
  initializer: 'keras.initializers',
  regularizer: 'keras.regularizers',
  constraint: 'keras.constraints',
} as const;

/** Keys and values of one (non-wrapper) layer config, translated. */
function translate(className: string, config: Json, flavor: KerasFlavor, where: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'activation' || key === 'recurrent_activation') {
      out[key] = kerasActivation(value, `${where}: ${key}`);
    } else if (key.endsWith('_initializer')) {
      const legacy = kerasInitializer(value, `${where}: ${key}`);
      out[key] = flavor === 'keras3' ? keras3Object(legacy, OBJECT_MODULES.initializer) : legacy;
    } else if (key.endsWith('_regularizer') || key.endsWith('_constraint')) {
      const legacy = kerasRegularizer(value, `${where}: ${key}`);
      if (flavor === 'keras3' && legacy === null && key === 'activity_regularizer') continue;
      out[key] =
        flavor === 'keras3'
          ? keras3Object(legacy, key.endsWith('_regularizer') ? OBJECT_MODULES.regularizer : OBJECT_MODULES.constraint)
          : legacy;
    } else {
      out[key] = value;
    }
  }
  KERAS_ENTRIES.get(className)?.config?.(out, flavor);
  if (className !== 'InputLayer') out.dtype = 'float32';
  return out;
}

/** What the live layer knows and its config leaves out (the class's registry entry says what). */
function fromLayerObject(className: string, layer: tf.layers.Layer | undefined): Json {
  const fromLayer = KERAS_ENTRIES.get(className)?.fromLayer;
  return layer && fromLayer ? fromLayer(layer) : {};
}

function keras3Layer(className: string, config: Json): Json {
  return { module: 'keras.layers', class_name: className, config, registered_name: null };
}

/** `layer` is the live tfjs layer when there is one (the model's), for what its config leaves out. */
export function kerasLayerConfig(
  className: string,
  config: Json,
  flavor: KerasFlavor,
  where: string,
  layer?: tf.layers.Layer,
): Json {
  if (!KERAS_LAYER_CLASSES.has(className))
    throw new KerasExportError(
      `${where} is a ${className}, which has no Keras counterpart that Layerlab writes; Keras export covers the palette's layers.`,
    );
  if (className === 'InputLayer') {
    const shape = config.batch_input_shape;
    return flavor === 'keras3'
      ? { batch_shape: shape, dtype: config.dtype ?? 'float32', sparse: false, name: config.name }
      : { batch_input_shape: shape, dtype: config.dtype ?? 'float32', sparse: false, ragged: false, name: config.name };
  }
  if (className === 'Bidirectional' || className === 'TimeDistributed') {
    const { layer: inner, ...rest } = config;
    if (!isObject(inner) || typeof inner.class_name !== 'string' || !isObject(inner.config))
      throw new KerasExportError(`${where}: the wrapped layer is missing from its config.`);
    const innerClass = inner.class_name;
    if (className === 'Bidirectional' && !RNN_CLASSES.has(innerClass))
      throw new KerasExportError(
        `${where}: Bidirectional wraps a ${innerClass}; Keras export covers SimpleRNN, LSTM and GRU there.`,
      );
    const innerConfig = translate(innerClass, inner.config, flavor, `${where}/${innerClass}`);
    const outer = translate(className, rest, flavor, where);
    // tf.keras 2.13+ serializes a wrapped layer with its module (Keras 3's legacy loader needs it to find the class).
    if (flavor === 'keras2') return { ...outer, layer: keras3Layer(innerClass, innerConfig) };
    if (className === 'TimeDistributed') return { ...outer, layer: keras3Layer(innerClass, innerConfig) };
    // Keras 3 serializes both directions (the forward copy is what it calls `layer`).
    const innerName = String(innerConfig.name);
    return {
      ...outer,
      layer: keras3Layer(innerClass, { ...innerConfig, name: `forward_${innerName}`, go_backwards: false }),
      backward_layer: keras3Layer(innerClass, { ...innerConfig, name: `backward_${innerName}`, go_backwards: true }),
    };
  }
  return { ...translate(className, config, flavor, where), ...fromLayerObject(className, layer) };
}
