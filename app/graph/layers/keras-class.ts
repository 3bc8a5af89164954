import { LAYER_TYPES, type LayerType } from '../schema';

/**
 * The Keras class each node type of the catalogue becomes (tfjs' class names are Keras'): its own
 * name, except Input (Keras' InputLayer) and Output (a Dense layer). The engine's builders, the
 * Keras writer and the ONNX writer are checked against this list (by the type system where they
 * are keyed on it, and by tests/unit/engine/layer-coverage.test.ts), so a type added to the
 * catalogue and missed by one of them fails typecheck or that test.
 */
export type KerasClassOf<T extends LayerType> = T extends 'Input' ? 'InputLayer' : T extends 'Output' ? 'Dense' : T;
export type KerasClassName = KerasClassOf<LayerType>;

export function kerasClassOf<T extends LayerType>(type: T): KerasClassOf<T> {
  return (type === 'Input' ? 'InputLayer' : type === 'Output' ? 'Dense' : type) as KerasClassOf<T>;
}

/** Every Keras class the catalogue's node types become, each once. */
export const KERAS_CLASS_NAMES: readonly KerasClassName[] = [...new Set(LAYER_TYPES.map((t) => kerasClassOf(t)))];
