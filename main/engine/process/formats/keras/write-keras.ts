import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import type { FormatJob, FormatOutcome, FormatWriter } from '../format-writer';
import { maxAbsDiff } from '../predictions';
import { groupAt, h5Ready, openH5, writeFloat32 } from './h5-file';
import { KerasExportError } from '../../../shared/keras-names';
import { keras2ModelConfig, keras3ModelConfig } from './model-config';
import { predictWithWeights, readKerasArchive } from './read-back';
import { kerasLayout } from './weight-layout';

export const KERAS_FILE = 'model.keras';
/** The Keras release whose saving_lib layout this writer follows (and against which it was checked). */
export const KERAS3_VERSION = '3.15.1';

export function refuseFloat16(job: FormatJob, format: string): void {
  if (job.float16)
    throw new KerasExportError(
      `${format} files are written with float32 weights; float16 weights apply to the ONNX and TF.js exports. Export again without float16.`,
    );
}

/** Keras' date_saved: local time as "%Y-%m-%d@%H:%M:%S". */
function dateSaved(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}@${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
}

/** model.weights.h5 in Keras 3's layout: a vars group for every object, the weights in the ones that own them. */
async function writeWeightsH5(model: tf.LayersModel, file: string): Promise<void> {
  const layout = kerasLayout(model);
  await h5Ready();
  const h5 = openH5(file, 'w');
  try {
    groupAt(h5, 'layers');
    groupAt(h5, 'vars').create_attribute('name', model.name);
    for (const { groups, slots } of layout) {
      for (const g of groups) groupAt(h5, g.path).create_attribute('name', g.objectName);
      for (const slot of slots)
        writeFloat32(
          groupAt(h5, slot.keras3Group),
          String(slot.keras3Index),
          slot.variable.read().dataSync() as Float32Array,
          slot.variable.shape as number[],
        );
    }
  } finally {
    h5.close();
  }
}

/**
 * Keras 3's native format: a zip (stored, as Keras writes it) of metadata.json, config.json and
 * model.weights.h5. Proven by reading the archive back from disk and predicting with the weights
 * found at Keras' paths in a tfjs model rebuilt from the original topology.
 */
export const writeKeras: FormatWriter = async (job): Promise<FormatOutcome> => {
  refuseFloat16(job, 'Keras .keras');
  const config = keras3ModelConfig(job.model);
  const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'layerlab-keras-'));
  const file = path.join(job.dir, KERAS_FILE);
  try {
    const h5file = path.join(temp, 'model.weights.h5');
    await writeWeightsH5(job.model, h5file);
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const zip = zipSync(
      {
        'metadata.json': encode({ keras_version: KERAS3_VERSION, date_saved: dateSaved(new Date()) }),
        'config.json': encode(config),
        'model.weights.h5': new Uint8Array(await fs.readFile(h5file)),
      },
      { level: 0 },
    );
    await fs.writeFile(file, zip);
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
  const back = await readKerasArchive(file);
  // Rebuilt from the model's own topology in Keras 2 form: tfjs' toJSON leaves out SeparableConv2D's depth_multiplier.
  const predictions = await predictWithWeights(keras2ModelConfig(job.model), back.weights, job.x, file);
  return {
    files: [KERAS_FILE],
    maxAbsDiff: maxAbsDiff(job.expected, predictions),
    checkedWith: `h5wasm read-back + tfjs ${tf.version.tfjs}`,
    predictions,
  };
};
