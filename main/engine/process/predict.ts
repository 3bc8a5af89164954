import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, ModelReadError } from './model-io';

export class PredictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictError';
  }
}

export interface PredictJob {
  /** The trained model folder (runs/<id>/model). */
  modelDir: string;
  inputWidth: number;
  /** Row-major encoded inputs, rows × inputWidth. */
  x: readonly number[];
}

/**
 * Run a saved model on encoded rows and return its raw outputs, one array per row. The model is
 * loaded per request: the playground predicts a handful of rows now and then, and a cache would
 * have to notice a run being retrained in place.
 */
export async function predictRows(job: PredictJob): Promise<number[][]> {
  if (job.x.length % job.inputWidth !== 0) {
    throw new PredictError(
      `The inputs hold ${job.x.length} values, which is not a whole number of rows of ${job.inputWidth}.`,
    );
  }
  const rows = job.x.length / job.inputWidth;
  if (rows === 0) return [];
  let model: tf.LayersModel;
  try {
    model = await loadModel(path.resolve(job.modelDir));
  } catch (error) {
    if (error instanceof ModelReadError)
      throw new PredictError(`${error.message} Train the model before predicting with it.`);
    throw error;
  }
  try {
    // The Input node may hold a row as (28, 28, 1) and so on: reshape each row as training did.
    const inputShape = model.inputs[0]?.shape.slice(1).map((d) => d ?? 1) ?? [job.inputWidth];
    const width = inputShape.reduce((a, b) => a * b, 1);
    if (width !== job.inputWidth) {
      throw new PredictError(
        `The model in ${job.modelDir} reads ${width} values per row, but the encoded rows have ${job.inputWidth}; the preprocessing does not belong to this model.`,
      );
    }
    const values = tf.tidy(() => {
      const y = model.predict(tf.tensor(Float32Array.from(job.x), [rows, ...inputShape])) as tf.Tensor;
      return y.reshape([rows, -1]);
    });
    let out: number[][];
    try {
      out = (await values.array()) as number[][];
    } finally {
      values.dispose();
    }
    const bad = out.findIndex((row) => row.some((v) => !Number.isFinite(v)));
    if (bad >= 0)
      throw new PredictError(
        `The model produced a missing or infinite output for row ${bad + 1}; its weights may have diverged during training.`,
      );
    return out;
  } finally {
    model.dispose();
  }
}
