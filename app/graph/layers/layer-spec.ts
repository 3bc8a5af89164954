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
  /** What a Keras file says about this type beyond its config schema; absent: nothing more. */
  keras?: KerasSpec;
}

/**
 * One type's Keras facts that are not its config schema, read by the TF-free Keras code of the
 * main side (the model importer, main/engine/shared/import/keras-graph.ts, and where Keras keeps
 * weights, main/engine/shared/keras-weight-names.ts), which cannot read the engine's registry.
 */
export interface KerasSpec {
  /**
   * Where Keras keeps the layer's weights when not in the layer itself: an RNN's in its `cell`
   * (named `<snake_case class>_cell`), a Bidirectional's in the cells of its forward and backward
   * copies, a TimeDistributed's in the layer it wraps.
   */
  weights?: 'cell' | 'forward-backward' | 'wrapped';
  /**
   * Keras settings of this class Layerlab accepts only at the one value it implements (a list of
   * that value counts too: Keras writes dilation_rate [1, 1]); the importer names any other value.
   */
  fixed?: Readonly<Record<string, unknown>>;
  /** Keras settings of this class that do not change what an imported layer computes (the importer skips them). */
  ignored?: readonly string[];
}
