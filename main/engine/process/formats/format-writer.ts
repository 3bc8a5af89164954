import type * as tf from '@tensorflow/tfjs';
import type { ExportOrigin, PreparedData } from '../../../../app/engine/protocol';

/**
 * The seam between the export orchestration (main/engine/process/export.ts: load the trained model,
 * predict on the validation rows, stage a folder, write snippets and the model card, commit)
 * and one file format (TF.js, Keras .keras, legacy .h5, ONNX). A writer writes its files into
 * the staged folder and then proves them: it loads what it wrote with an independent runtime
 * (tfjs reload, an h5wasm read-back, onnxruntime-node) and returns the largest difference from
 * the in-app predictions. It never decides whether that difference is acceptable: the
 * orchestration does (float32 above 1e-4 is an export error; quantized exports report their
 * accuracy change instead).
 */
export interface FormatJob {
  /** The trained model, as the app holds it. Writers must not dispose it. */
  model: tf.LayersModel;
  /** The staged export folder: write files here (it is moved into place only if the export succeeds). */
  dir: string;
  /** Validation inputs, rows × the model's per-sample input shape (the same tensor `expected` came from). */
  x: tf.Tensor;
  /** The in-app model's predictions on `x`, row-major (what the exported files must reproduce). */
  expected: Float32Array;
  /** Store weights as float16 (ONNX and TF.js only; the others refuse it by name). */
  float16?: boolean;
  /** The run's prepared data and settings, and where it lives: what a PyTorch project trains on (absent for a train --out folder). */
  data?: PreparedData;
  trainConfig?: Record<string, unknown>;
  origin?: ExportOrigin;
  /** A cancelled export: stop, killing any process the writer started (the staged folder is then removed). */
  signal?: AbortSignal;
}

export interface FormatOutcome {
  /** Files written, relative to `dir` ("model.onnx", "model.keras"). */
  files: string[];
  /** Largest |exported − in-app| over every output of every validation row (Infinity if shapes differ). */
  maxAbsDiff: number;
  /** What loaded the files back, with its version: "onnxruntime-node 1.30.0", "h5wasm read-back + tfjs 4.22.0". */
  checkedWith: string;
  /** The exported files' predictions on `x` (row-major), for accuracy-change reports. */
  predictions: Float32Array;
  /** Why the files could not be run here (no runtime installed): the export is then reported unchecked. */
  skipped?: string;
}

export type FormatWriter = (job: FormatJob) => Promise<FormatOutcome>;
