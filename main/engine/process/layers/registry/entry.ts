import type * as tf from '@tensorflow/tfjs';
import type { LayerConfig, LayerType } from '../../../../../app/graph';
import type { KerasClassOf } from '../../../../../app/graph/layers/keras-class';
import type { LayerConverter } from '../../formats/onnx/layer-context';

/** The catalogue's node types the engine builds a layer for (an Input is the model's input, not a layer). */
export type BuiltType = Exclude<LayerType, 'Input'>;

/**
 * What the engine knows about one catalogue node type, in one place: how it is built in
 * TensorFlow.js (`random` is the model's seeded stream: initializers and dropout masks draw from
 * it in node order) and how the ONNX writer converts the tfjs layer it becomes. A type that
 * becomes another type's class (Output is a Dense) has no converter of its own: that class's
 * entry converts it.
 */
export type LayerEntry<T extends BuiltType> = {
  build(config: LayerConfig<T>, name: string, random: () => number): tf.layers.Layer;
} & (KerasClassOf<T> extends T ? { onnx: LayerConverter } : { onnx?: never });

/** One family's entries, each checked against its own type's config. */
export type LayerEntries<K extends BuiltType> = { [T in K]: LayerEntry<T> };

/** A key only when there is a value (tfjs treats a present `undefined` differently from none). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
