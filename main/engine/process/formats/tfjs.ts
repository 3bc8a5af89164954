import * as tf from '@tensorflow/tfjs';
import type { Quantize } from '../../../../app/engine/export-options';
import { dirHandler, MODEL_JSON, WEIGHTS_BIN } from '../model-io';
import type { FormatWriter } from './format-writer';
import { maxAbsDiff, predictAll } from './predictions';
import { quantizeWeights } from './quantize';

/** The model's saved artifacts (topology + weights), as model.save hands them to a handler. */
async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (captured === null) throw new Error('tfjs did not hand over the model artifacts.');
  return captured;
}

/**
 * TF.js Layers: model.json + weights.bin, float32 or quantized (float16, uint8). Proven by
 * loading the written folder with stock tf.loadLayersModel (which also dequantizes) and
 * predicting the validation rows.
 */
export function tfjsWriter(quantize: Quantize | null): FormatWriter {
  return async (job) => {
    const mode = quantize ?? (job.float16 ? 'float16' : null);
    if (mode === null) {
      await job.model.save(dirHandler(job.dir));
    } else {
      const artifacts = await artifactsOf(job.model);
      const weights = tf.io.concatenateArrayBuffers(
        artifacts.weightData === undefined
          ? []
          : Array.isArray(artifacts.weightData)
            ? artifacts.weightData
            : [artifacts.weightData],
      );
      const quantized = quantizeWeights(artifacts.weightSpecs ?? [], weights, mode);
      const { save } = dirHandler(job.dir);
      if (!save) throw new Error('The folder handler cannot save.');
      await save({ ...artifacts, weightSpecs: quantized.specs, weightData: quantized.data });
    }
    // Reload through the path a user's code takes: stock loadLayersModel on the written files.
    const reloaded = await tf.loadLayersModel(dirHandler(job.dir));
    try {
      const predictions = await predictAll(reloaded, job.x);
      return {
        files: [MODEL_JSON, WEIGHTS_BIN],
        maxAbsDiff: maxAbsDiff(job.expected, predictions),
        checkedWith: `tf.loadLayersModel (tfjs ${tf.version.tfjs})`,
        predictions,
      };
    } finally {
      reloaded.dispose();
    }
  };
}
