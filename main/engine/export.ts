import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ExportResult, PreparedData } from '../../app/engine/protocol';
import { stageFolder } from './atomic-folder';
import { dirHandler, loadModel, ModelReadError, PREPROCESSING_JSON } from './model-io';
import { readMatrix } from './prepared-data';

/** Largest prediction difference between the trained and the reloaded export that counts as equal. */
export const EXPORT_TOLERANCE = 1e-5;

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

export interface ExportJob {
  /** The trained model folder (runs/<id>/model). */
  modelDir: string;
  /** Its validation rows are what predictions are compared on. */
  data: PreparedData;
  outDir: string;
}

async function predict(model: tf.LayersModel, x: tf.Tensor): Promise<Float32Array> {
  const y = model.predict(x) as tf.Tensor;
  try {
    return (await y.data()) as Float32Array;
  } finally {
    y.dispose();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) max = d; // NaN propagates as "not equal"
  }
  return max;
}

async function preprocessingText(modelDir: string, data: PreparedData): Promise<string> {
  // The copy saved with the model belongs to those weights; the request's copy is the fallback.
  try {
    return await fs.readFile(path.join(modelDir, PREPROCESSING_JSON), 'utf8');
  } catch {
    return JSON.stringify(data.preprocessing, null, 2);
  }
}

/**
 * Export a trained model: write model.json + weights.bin + preprocessing.json into outDir, then
 * reload the written files with tf.loadLayersModel and require the same predictions on the
 * validation rows. Files are staged and verified before they are moved into outDir, so a failed
 * export leaves nothing half-written there.
 */
export async function exportModel(job: ExportJob): Promise<ExportResult> {
  const modelDir = path.resolve(job.modelDir);
  const outDir = path.resolve(job.outDir);
  let original: tf.LayersModel;
  try {
    original = await loadModel(modelDir);
  } catch (error) {
    if (error instanceof ModelReadError) throw new ExportError(`${error.message} Train the model before exporting it.`);
    throw error;
  }
  let reloaded: tf.LayersModel | null = null;
  let x: tf.Tensor | null = null;
  try {
    const xVal = await readMatrix(job.data, 'x_val');
    const inputShape = original.inputs[0]?.shape.slice(1).map((d) => d ?? 1) ?? [job.data.inputWidth];
    x = tf.tensor(xVal, [job.data.valRows, ...inputShape]);
    const before = await predict(original, x);

    const staged = await stageFolder(outDir);
    try {
      await original.save(dirHandler(staged.dir));
      await fs.writeFile(path.join(staged.dir, PREPROCESSING_JSON), await preprocessingText(modelDir, job.data));
      // Reload through the same path a user's code takes: stock loadLayersModel on the files.
      reloaded = await tf.loadLayersModel(dirHandler(staged.dir));
      const after = await predict(reloaded, x);
      const diff = maxAbsDiff(before, after);
      if (!(diff <= EXPORT_TOLERANCE)) {
        throw new ExportError(
          `The exported model does not reproduce the trained model: predictions differ by up to ${diff} (allowed ${EXPORT_TOLERANCE}). Nothing was written to ${outDir}.`,
        );
      }
      const files = await staged.commit();
      return { outDir, files, rowsCompared: job.data.valRows, maxAbsDiff: diff };
    } catch (error) {
      await staged.abort();
      throw error;
    }
  } finally {
    x?.dispose();
    original.dispose();
    reloaded?.dispose();
  }
}
