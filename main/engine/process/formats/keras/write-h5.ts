import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import type { FormatOutcome, FormatWriter } from '../format-writer';
import { maxAbsDiff } from '../predictions';
import { groupAt, h5Ready, openH5, writeFloat32 } from './h5-file';
import { keras2ModelConfig } from './model-config';
import { predictWithWeights, readLegacyH5 } from './read-back';
import { kerasLayout } from './weight-layout';
import { refuseFloat16 } from './write-keras';

export const H5_FILE = 'model.h5';
/** tf.keras 2's last release: the legacy layout below is save_model_to_hdf5's. */
export const KERAS2_VERSION = '2.15.0';
const BACKEND = 'tensorflow';

/**
 * Legacy Keras HDF5 (tf.keras 2's model.save("model.h5")): root attributes keras_version, backend
 * and model_config; model_weights lists layer_names, and each layer's group lists weight_names
 * and holds each weight at that path. Proven by reading the file back from disk: the model is
 * rebuilt by tfjs from the model_config in the file and given the weights named there.
 */
export const writeH5: FormatWriter = async (job): Promise<FormatOutcome> => {
  refuseFloat16(job, 'Keras .h5');
  const modelConfig = keras2ModelConfig(job.model);
  const layout = kerasLayout(job.model);
  const file = path.join(job.dir, H5_FILE);
  await h5Ready();
  const h5 = openH5(file, 'w');
  try {
    h5.create_attribute('keras_version', KERAS2_VERSION);
    h5.create_attribute('backend', BACKEND);
    h5.create_attribute('model_config', JSON.stringify(modelConfig));
    const weights = groupAt(h5, 'model_weights');
    weights.create_attribute(
      'layer_names',
      layout.map((l) => l.layer.name),
    );
    weights.create_attribute('backend', BACKEND);
    weights.create_attribute('keras_version', KERAS2_VERSION);
    for (const { layer, slots } of layout) {
      const group = groupAt(weights, layer.name);
      // Keras writes an empty float64 array for a layer without weights.
      if (slots.length)
        group.create_attribute(
          'weight_names',
          slots.map((s) => s.keras2Name),
        );
      else group.create_attribute('weight_names', new Float64Array(0), [0], '<d');
      for (const slot of slots) {
        const parts = slot.keras2Name.split('/');
        writeFloat32(
          groupAt(group, parts.slice(0, -1).join('/')),
          parts.at(-1)!,
          slot.variable.read().dataSync() as Float32Array,
          slot.variable.shape as number[],
        );
      }
    }
  } finally {
    h5.close();
  }
  const back = await readLegacyH5(file);
  const predictions = await predictWithWeights(back.config, back.weights, job.x, file);
  return {
    files: [H5_FILE],
    maxAbsDiff: maxAbsDiff(job.expected, predictions),
    checkedWith: `h5wasm read-back + tfjs ${tf.version.tfjs}`,
    predictions,
  };
};
