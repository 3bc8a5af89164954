import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EvaluateResult, PreparedData } from '../../../app/engine/protocol';
import { loadModel, ModelReadError } from './model-io';
import { evalChunkRows, readMatrix, readValidationX } from '../shared/prepared-data';

export class EvaluateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluateError';
  }
}

export interface EvaluateJob {
  /** The trained model folder (runs/<id>/model). */
  modelDir: string;
  /** The run's prepared data: its validation rows are evaluated. */
  data: PreparedData;
  /** At most this many rows (the first of the split, which prepare.ts already shuffled). */
  maxRows: number;
}

/**
 * Predict on a run's validation rows and return predictions beside targets. Regression targets
 * are stored standardized (prepare.ts); both are scaled back with preprocessing.targetScaling so
 * errors read in the target's own units. Classification targets become class indices.
 */
export async function evaluateModel(job: EvaluateJob): Promise<EvaluateResult> {
  const { data } = job;
  let model: tf.LayersModel;
  try {
    model = await loadModel(path.resolve(job.modelDir));
  } catch (error) {
    if (error instanceof ModelReadError)
      throw new EvaluateError(`${error.message} Train the model before evaluating it.`);
    throw error;
  }
  try {
    // Evaluation reads one x and one target per row; the services refuse such runs first, by name.
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new EvaluateError(
        `This model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; evaluation supports single-input, single-head models so far.`,
      );
    }
    const n = Math.min(data.valRows, job.maxRows);
    const xVal = await readValidationX(data, n);
    const yVal = await readMatrix(data, 'y_val', n);
    const inputShape = model.inputs[0]?.shape.slice(1).map((d) => d ?? 1) ?? [data.inputWidth];
    const predicted = await predictInChunks(model, xVal, n, inputShape, data.inputWidth);
    const width = predicted.length / n;
    if (width !== data.outputWidth)
      throw new EvaluateError(
        `The model gives ${width} outputs per row but the run's data has ${data.outputWidth}; train the run again.`,
      );

    const scaling = data.preprocessing.targetScaling;
    const unscale = (v: number) => (scaling ? v * scaling.std + scaling.mean : v);
    const outputs: number[][] = [];
    const targets: number[] = [];
    for (let r = 0; r < n; r++) {
      const row = Array.from(predicted.subarray(r * width, (r + 1) * width));
      const target = yVal.subarray(r * width, (r + 1) * width);
      if (scaling) {
        outputs.push([unscale(row[0]!)]);
        targets.push(unscale(target[0]!));
      } else {
        outputs.push(row);
        // One sigmoid output holds the label index (0/1); a one-hot row holds a 1 at it.
        targets.push(width === 1 ? Math.round(target[0]!) : target.indexOf(1));
      }
    }
    return {
      outputs,
      targets,
      rows: Array.from({ length: n }, (_, r) => r),
      valRows: data.valRows,
      capped: n < data.valRows,
    };
  } finally {
    model.dispose();
  }
}

/** Predictions for `rows` rows, a bounded chunk at a time: a thousand images at once would need gigabytes of activations. */
async function predictInChunks(
  model: tf.LayersModel,
  x: Float32Array,
  rows: number,
  inputShape: number[],
  inputWidth: number,
): Promise<Float32Array> {
  const chunk = evalChunkRows(inputWidth);
  const parts: Float32Array[] = [];
  for (let start = 0; start < rows; start += chunk) {
    const end = Math.min(rows, start + chunk);
    const y = tf.tidy(
      () =>
        model.predict(
          tf.tensor(x.subarray(start * inputWidth, end * inputWidth), [end - start, ...inputShape]),
        ) as tf.Tensor,
    );
    try {
      parts.push((await y.data()) as Float32Array);
    } finally {
      y.dispose();
    }
  }
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
