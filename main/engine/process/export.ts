import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ExportAccuracy, ExportFormat, ModelCardContext, Quantize } from '../../../app/engine/export-options';
import { exportOptionsProblem, float32Tolerance, isAvailableFormat } from '../../../app/engine/export-options';
import type { ExportOrigin, ExportResult, PreparedData } from '../../../app/engine/protocol';
import type { ExportProgress } from '../../../app/progress/work-progress';
import { Preprocessing } from '../../../app/dataset/schema';
import { parityRows } from '../../../app/engine/parity';
import { stageFolder } from '../shared/atomic-folder';
import { renderModelCard, type LayerRow } from './formats/model-card';
import { predictAll } from './formats/predictions';
import { writerFor } from './formats/registry';
import { predictMjs } from './formats/snippets/javascript';
import { predictPy } from './formats/snippets/python';
import { loadModel, ModelReadError, PREPROCESSING_JSON } from './model-io';
import { readMatrix, readValidationX } from '../shared/prepared-data';
import { inModelOrder } from '../../export/pytorch';

export const MODEL_CARD_MD = 'MODEL_CARD.md';

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
  /** Default: tfjs. */
  format?: ExportFormat | undefined;
  /** TF.js only. */
  quantize?: Quantize | null | undefined;
  /** ONNX only. */
  float16Weights?: boolean | undefined;
  /** What the main side knows about the run, for MODEL_CARD.md. */
  card?: ModelCardContext | undefined;
  /** Where the run lives (PyTorch records it for `layerlab runs import`). */
  origin?: ExportOrigin | undefined;
  /** The card's date (tests pin it). */
  now?: Date;
  /** Told as each step starts (and once more, done = total, as the files are in place). */
  onProgress?: (progress: ExportProgress) => void;
  /**
   * Cancels: between steps, and within the writer's step by killing the process that checks the
   * files (PyTorch's python, the TF.js reload); the export rejects with ExportCancelled and
   * nothing is left in outDir.
   */
  signal?: AbortSignal;
}

/** The format in a progress step's words. */
const FORMAT_NAMES: Record<ExportFormat, string> = {
  tfjs: 'TensorFlow.js',
  keras: 'Keras',
  h5: 'Keras HDF5',
  onnx: 'ONNX',
  pytorch: 'PyTorch project',
};

/** An export stopped by its signal; the staged files are gone. */
export class ExportCancelled extends ExportError {
  constructor(outDir: string) {
    super(`The export was cancelled; nothing was written to ${outDir}.`);
    this.name = 'ExportCancelled';
  }
}

async function preprocessingText(modelDir: string, data: PreparedData): Promise<string> {
  // The copy saved with the model belongs to those weights; the request's copy is the fallback.
  try {
    return await fs.readFile(path.join(modelDir, PREPROCESSING_JSON), 'utf8');
  } catch {
    return JSON.stringify(data.preprocessing, null, 2);
  }
}

function parsePreprocessing(text: string, fallback: Preprocessing): Preprocessing {
  try {
    const parsed = Preprocessing.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

/** Accuracy (classification) or MAE in the target's units (regression) of row-major outputs. */
export function validationScore(
  outputs: Float32Array,
  y: Float32Array,
  rows: number,
  preprocessing: Preprocessing,
): { metric: 'accuracy' | 'mae'; value: number } {
  const width = y.length / rows;
  if (preprocessing.task === 'regression') {
    const std = preprocessing.targetScaling?.std ?? 1;
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += Math.abs(outputs[r]! - y[r]!);
    return { metric: 'mae', value: (sum / rows) * std };
  }
  let right = 0;
  for (let r = 0; r < rows; r++) {
    if (width === 1) {
      if (outputs[r]! > 0.5 === y[r]! > 0.5) right++;
      continue;
    }
    let predicted = 0;
    let truth = 0;
    for (let k = 1; k < width; k++) {
      if (outputs[r * width + k]! > outputs[r * width + predicted]!) predicted = k;
      if (y[r * width + k]! > y[r * width + truth]!) truth = k;
    }
    if (predicted === truth) right++;
  }
  return { metric: 'accuracy', value: right / rows };
}

function layerRows(model: tf.LayersModel): LayerRow[] {
  return model.layers.map((layer) => {
    const shape = layer.outputShape;
    const first =
      Array.isArray(shape[0]) || shape[0] === undefined
        ? (shape[0] as (number | null)[] | undefined)
        : (shape as (number | null)[]);
    return {
      name: layer.name,
      type: layer.getClassName(),
      outputShape: first ? `(${first.map((d) => d ?? 'None').join(', ')})` : '?',
      params: layer.countParams(),
    };
  });
}

async function fileSize(file: string): Promise<number> {
  return (await fs.stat(file)).size;
}

/**
 * Export a trained model in one format: predict the validation rows with the in-app model once,
 * let the format's writer write and reload its files in a staged folder, judge the difference
 * (float32: above the tolerance is an export error; quantized: the accuracy change is reported),
 * add preprocessing.json, predict.mjs / predict.py and MODEL_CARD.md, then move it all into
 * outDir. A failed export leaves nothing half-written there.
 */
export async function exportModel(job: ExportJob): Promise<ExportResult> {
  const format = job.format ?? 'tfjs';
  const quantize = job.quantize ?? null;
  const float16Weights = job.float16Weights ?? false;
  const problem = exportOptionsProblem({ format, quantize, float16Weights });
  if (problem !== null || !isAvailableFormat(format))
    throw new ExportError(`Cannot export: ${problem ?? `format ${format} is not available.`}`);
  const lossy = quantize !== null || float16Weights;

  const modelDir = path.resolve(job.modelDir);
  const outDir = path.resolve(job.outDir);
  const label = FORMAT_NAMES[format];
  const steps = [
    'Predicting the validation sample with the trained model',
    `Writing the ${label} files and reloading them for the parity check`,
    ...(lossy ? ['Measuring the accuracy change on the validation sample'] : []),
    'Writing the model card, preprocessing.json and code',
    'Moving the files into place',
  ];
  let done = 0;
  /** The next step starts: cancelled here, between steps, if asked. */
  const step = (name: string) => {
    if (job.signal?.aborted) throw new ExportCancelled(outDir);
    job.onProgress?.({ done, total: steps.length, unit: 'steps', step: name });
    if (job.signal?.aborted) throw new ExportCancelled(outDir);
    done += 1;
  };
  step(steps[0]!);
  let model: tf.LayersModel;
  try {
    model = await loadModel(modelDir);
  } catch (error) {
    if (error instanceof ModelReadError) throw new ExportError(`${error.message} Train the model before exporting it.`);
    throw error;
  }
  let x: tf.Tensor | null = null;
  try {
    // A bounded, seeded sample: the first PARITY_ROWS validation rows (app/engine/parity.ts).
    const available = job.data.valRows;
    const rows = parityRows(available, macsPerRow(model), lossy);
    const xVal = await readValidationX(job.data, rows);
    // Several inputs (PyTorch only): x is the prepared rows, each input takes its columns of them.
    const split = job.data.inputs !== undefined && (model.inputs.length > 1 || job.data.inputs.length > 1);
    const inputShape = split
      ? [job.data.inputWidth]
      : (model.inputs[0]?.shape.slice(1).map((d) => d ?? 1) ?? [job.data.inputWidth]);
    x = tf.tensor(xVal, [rows, ...inputShape]);
    const expected = split ? await predictSplit(model, job.data, x) : await predictAll(model, x);
    const preText = await preprocessingText(modelDir, job.data);
    const preprocessing = parsePreprocessing(preText, job.data.preprocessing);

    step(steps[1]!);
    const staged = await stageFolder(outDir);
    try {
      const write = await writerFor(format, quantize);
      const outcome = await write({
        model,
        dir: staged.dir,
        x,
        expected,
        ...(float16Weights ? { float16: true } : {}),
        // A PyTorch project trains on the run's own data and settings.
        data: job.data,
        ...(job.card?.hyperparameters ? { trainConfig: job.card.hyperparameters } : {}),
        ...(job.origin ? { origin: job.origin } : {}),
        ...(job.signal ? { signal: job.signal } : {}),
      });
      const diff = outcome.maxAbsDiff;
      // Unchecked (no runtime here to run the files): reported with its reason, never judged.
      const tolerance = lossy || outcome.skipped !== undefined ? null : float32Tolerance(format);
      if (tolerance !== null && !(diff <= tolerance)) {
        throw new ExportError(
          `The ${format} export does not reproduce the trained model: checked with ${outcome.checkedWith}, predictions on ${rows} validation rows differ by up to ${diff.toExponential(2)} (allowed ${tolerance.toExponential(0)}). Nothing was written to ${outDir}.`,
        );
      }
      if (!Number.isFinite(diff)) {
        throw new ExportError(
          `The ${format} export gives no usable predictions (checked with ${outcome.checkedWith}: the difference is ${diff}). Nothing was written to ${outDir}.`,
        );
      }

      let accuracy: ExportAccuracy | null = null;
      if (lossy) {
        step(steps[2]!);
        const y = await readMatrix(job.data, 'y_val', rows);
        const before = validationScore(expected, y, rows, preprocessing);
        const after = validationScore(outcome.predictions, y, rows, preprocessing);
        accuracy = {
          metric: before.metric,
          inApp: before.value,
          exported: after.value,
          change: after.value - before.value,
        };
      }
      const weightFiles = outcome.files.filter((f) => f.endsWith('.bin') || f.endsWith('.npz'));
      const sizes = {
        weights: (
          await Promise.all(
            (weightFiles.length ? weightFiles : outcome.files).map((f) => fileSize(path.join(staged.dir, f))),
          )
        ).reduce((a, b) => a + b, 0),
        float32Tfjs: model.weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1) * 4, 0),
      };

      step(steps[done]!);
      const modelFile = outcome.files.find((f) => /\.(onnx|keras|h5|npz)$/.test(f)) ?? outcome.files[0] ?? '';
      const extra: Record<string, string> = {
        [PREPROCESSING_JSON]: preText,
        'predict.py': predictPy(format, inputShape, modelFile),
      };
      const mjs = predictMjs(format, inputShape, modelFile);
      if (mjs !== null) extra['predict.mjs'] = mjs;
      const names = [...outcome.files, ...Object.keys(extra), MODEL_CARD_MD].sort();
      const summary: Omit<ExportResult, 'outDir'> = {
        files: names,
        rowsCompared: rows,
        rowsAvailable: available,
        maxAbsDiff: diff,
        format,
        quantize,
        float16Weights,
        checkedWith: outcome.checkedWith,
        tolerance,
        sizes,
        accuracy,
        ...(outcome.skipped !== undefined ? { checkSkipped: outcome.skipped } : {}),
      };
      extra[MODEL_CARD_MD] = renderModelCard({
        context: job.card ?? null,
        preprocessing,
        builtLayers: layerRows(model),
        exported: summary,
        exportBackend: tf.getBackend(),
        date: job.now ?? new Date(),
      });
      for (const [name, text] of Object.entries(extra)) await fs.writeFile(path.join(staged.dir, name), text);

      step(steps[done]!);
      const files = await staged.commit();
      job.onProgress?.({ done: steps.length, total: steps.length, unit: 'steps', step: 'Done' });
      return { ...summary, outDir, files };
    } catch (error) {
      await staged.abort();
      // A writer stopped by the signal (its check's process killed) fails as the cancel it is.
      if (job.signal?.aborted) throw new ExportCancelled(outDir);
      throw error;
    }
  } finally {
    x?.dispose();
    model.dispose();
  }
}

/** The in-app model on prepared rows whose columns feed several inputs (the prepared data's Inputs). */
async function predictSplit(model: tf.LayersModel, data: PreparedData, x: tf.Tensor): Promise<Float32Array> {
  const order = inModelOrder(data.inputs!, model.inputNames, 'input');
  const feeds = order.map((input, i) =>
    tf.tidy(() =>
      tf
        .gather(x, tf.tensor1d(input.indices, 'int32'), 1)
        .reshape([x.shape[0], ...model.inputs[i]!.shape.slice(1).map((d) => d ?? 1)]),
    ),
  );
  try {
    return await predictAll(model, feeds);
  } finally {
    tf.dispose(feeds);
  }
}

/**
 * About how many multiply-adds the model spends on one row: each layer with a kernel, its kernel's
 * size times the positions it is applied at (the output's spatial size; 1 for Dense).
 */
export function macsPerRow(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => /kernel/.test(w.originalName ?? w.name));
    if (!kernel) continue;
    const size = kernel.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    const out = layer.outputShape;
    const dims = (Array.isArray(out[0]) ? (out[0] as (number | null)[]) : (out as (number | null)[])).slice(1, -1);
    macs += size * dims.reduce<number>((a, b) => a * (b ?? 1), 1);
  }
  return macs;
}
