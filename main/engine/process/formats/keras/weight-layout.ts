import type * as tf from '@tensorflow/tfjs';
import { KerasExportError } from '../../../shared/keras-names';
import {
  configLayer,
  keras2WeightName,
  keras3LayerKeys,
  keras3VarsGroups,
  type ConfigLayer,
  type VarsGroup,
} from '../../../shared/keras-weight-names';

// Where Keras keeps each weight (both layouts) is TF-free and shared with the model importer:
// main/engine/shared/keras-weight-names.ts. This places a tfjs model's variables in it.
export {
  cellName,
  configLayer,
  keras2WeightName,
  keras3LayerKeys,
  keras3VarsGroups,
  keras3WeightGroups,
  type ConfigLayer,
  type VarsGroup,
} from '../../../shared/keras-weight-names';

export interface WeightSlot {
  variable: tf.LayerVariable;
  /** "layers/lstm/cell/vars" and the index in it. */
  keras3Group: string;
  keras3Index: number;
  /** "lstm/lstm_cell/kernel:0". */
  keras2Name: string;
}

export interface LayerLayout {
  layer: tf.layers.Layer;
  config: ConfigLayer;
  keras3Key: string;
  groups: VarsGroup[];
  slots: WeightSlot[];
}

/** The model's layers with their weights placed in both layouts (model.layers order, as Keras orders them). */
export function kerasLayout(model: tf.LayersModel): LayerLayout[] {
  const topology = model.toJSON(null, false) as unknown as { config: { layers: unknown[] } };
  const entries = new Map(topology.config.layers.map((entry) => [configLayer(entry).name, configLayer(entry)]));
  const keys = keras3LayerKeys(model.layers.map((l) => l.getClassName()));
  return model.layers.map((layer, i) => {
    const config = entries.get(layer.name);
    if (!config) throw new KerasExportError(`layer "${layer.name}" is missing from the model's own config.`);
    const groups = keras3VarsGroups(keys[i]!, config);
    const holding = groups.filter((g) => g.holdsWeights);
    const weights = layer.weights;
    const perGroup = weights.length / holding.length;
    if (!Number.isInteger(perGroup))
      throw new KerasExportError(
        `layer "${layer.name}" has ${weights.length} weights, which do not split evenly between its ${holding.length} parts.`,
      );
    const slots = weights.map((variable, w) => {
      const shortName = variable.originalName.split('/').at(-1) ?? variable.originalName;
      return {
        variable,
        keras3Group: holding[Math.floor(w / perGroup)]!.path,
        keras3Index: w % perGroup,
        keras2Name: keras2WeightName(config, w, weights.length, shortName),
      };
    });
    return { layer, config, keras3Key: keys[i]!, groups, slots };
  });
}
