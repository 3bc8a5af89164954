import type { SampleShape } from '../shape';
import type { LayerConfig, LayerType } from '../schema';
import type { FieldSpec } from './fields';

export type InferResult = { shape: SampleShape } | { error: string };

export const FAMILIES = ['Core', 'Convolution', 'Pooling', 'Reshaping', 'Normalization', 'Recurrent', 'Merge'] as const;
export type LayerFamily = (typeof FAMILIES)[number];

/**
 * What the app knows about one layer type: its help text, its defaults, the fields of its
 * config form, and how it turns input shapes into an output shape and a parameter count. The
 * engine builds the real layer; tests hold the two to the same numbers.
 */
export interface LayerSpec<T extends LayerType> {
  type: T;
  family: LayerFamily;
  /** Short help shown in the palette and the config form: what it does, when to use it. */
  help: string;
  /** How many incoming edges it takes. Inputs are ordered as their connections were made. */
  inputs: { min: number; max: number };
  defaults: () => LayerConfig<T>;
  /** The config form, in display order. */
  fields: readonly FieldSpec[];
  infer: (inputs: readonly SampleShape[], config: LayerConfig<T>) => InferResult;
  params: (inputs: readonly SampleShape[], config: LayerConfig<T>) => number;
  /**
   * Of `params`, those training never changes even in a trainable layer (BatchNormalization's
   * moving mean and variance): Keras' summary counts them as non-trainable. Absent: none.
   */
  nonTrainableParams?: (inputs: readonly SampleShape[], config: LayerConfig<T>) => number;
}
