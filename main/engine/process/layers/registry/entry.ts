import type * as tf from '@tensorflow/tfjs';
import type { LayerConfig, LayerType } from '../../../../../app/graph';
import type { KerasClassOf } from '../../../../../app/graph/layers/keras-class';
import type { KerasFlavor } from '../../formats/keras/layer-config';
import type { LayerConverter } from '../../formats/onnx/layer-context';

/** The catalogue's node types the engine builds a layer for (an Input is the model's input, not a layer). */
export type BuiltType = Exclude<LayerType, 'Input'>;

/**
 * What the Keras writer does for one class beyond its generic translation of tfjs' config
 * (formats/keras/layer-config.ts turns every key, activation, initializer and regularizer into
 * Keras' spelling): only where tfjs' config of that class differs from Keras' in more than that.
 */
export interface KerasEntry {
  /** Fixes the translated config in place, for .h5 (keras2) or .keras (keras3). */
  config?(out: Record<string, unknown>, flavor: KerasFlavor): void;
  /** What the live tfjs layer knows and its serialized config leaves out. */
  fromLayer?(layer: tf.layers.Layer): Record<string, unknown>;
}

/**
 * What the engine knows about one catalogue node type, in one place: how it is built in
 * TensorFlow.js (`random` is the model's seeded stream: initializers and dropout masks draw from
 * it in node order), how the ONNX writer converts the tfjs layer it becomes, and what the Keras
 * writer needs beyond its generic translation. A type that becomes another type's class (Output
 * is a Dense) has no converter or Keras entry of its own: that class's entry serves it.
 */
export type LayerEntry<T extends BuiltType> = {
  build(config: LayerConfig<T>, name: string, random: () => number): tf.layers.Layer;
} & (KerasClassOf<T> extends T ? { onnx: LayerConverter; keras?: KerasEntry } : { onnx?: never; keras?: never });

/** One family's entries, each checked against its own type's config. */
export type LayerEntries<K extends BuiltType> = { [T in K]: LayerEntry<T> };

/** A key only when there is a value (tfjs treats a present `undefined` differently from none). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
