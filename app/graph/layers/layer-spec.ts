import type { SampleShape } from '../shape';
import type { LayerType, NodeOf } from '../schema';

export type InferResult = { shape: SampleShape } | { error: string };

/**
 * What the app knows about one layer type: its help text, its defaults, and how it turns
 * input shapes into an output shape and a parameter count. The engine builds the real layer;
 * tests hold the two to the same numbers.
 */
export interface LayerSpec<T extends LayerType> {
  type: T;
  /** Short help shown in the palette and the config form. */
  help: string;
  /** How many incoming edges it takes. */
  inputs: { min: number; max: number };
  defaults: () => NodeOf<T>['config'];
  infer: (inputs: readonly SampleShape[], config: NodeOf<T>['config']) => InferResult;
  params: (inputs: readonly SampleShape[], config: NodeOf<T>['config']) => number;
}
