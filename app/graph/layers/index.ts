import type { LayerType } from '../schema';
import { denseLayer, outputLayer } from './dense';
import { dropoutLayer } from './dropout';
import { inputLayer } from './input';
import type { LayerSpec } from './layer-spec';

export type { LayerSpec, InferResult } from './layer-spec';

/** The layer catalogue: one entry per node type, keyed on the Keras-style class name. */
export const LAYERS: { [T in LayerType]: LayerSpec<T> } = {
  Input: inputLayer,
  Dense: denseLayer,
  Dropout: dropoutLayer,
  Output: outputLayer,
};

export function layerSpec<T extends LayerType>(type: T): LayerSpec<T> {
  return LAYERS[type];
}
