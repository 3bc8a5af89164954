import { z } from 'zod';
import { Augmentation } from '../dataset/images';
import { Preprocessing } from '../dataset/schema';
import { ExportAccuracy, ExportFormat, ExportSizes, ModelCardContext, Quantize } from './export-options';
import { ModelGraph } from '../graph/schema';
import { ExportProgress } from '../progress/work-progress';
import { BackendReport, EarlyStopInfo, EpochLogs } from '../project/schema';
import { RunTrainConfig } from '../training/config';
import { LrFinderResult } from '../training/lr-finder';

/**
 * The engine process protocol. The engine is a child process (child_process.fork in host mode
 * and the CLI, utilityProcess in Electron) that owns TensorFlow.js; a crash there never takes
 * the UI or the project with it. Every message in both directions is validated.
 */

/**
 * An image dataset's split, streamed by the engine from the dataset's uint8 shards rather than
 * read into memory: x is never written as float32 files (50,000 images of 64×64×3 would be
 * 2.5 GB); y_train.f32 and y_val.f32 are, in the order of `train` and `validation`.
 */
export const PreparedImages = z.object({
  /** The stored dataset: meta.json, index.json and shard-NNNN.u8 (main/data/images). */
  datasetDir: z.string(),
  /** Dataset image indices of each split (stratified and seeded), in the order y_*.f32 holds them. */
  train: z.array(z.number().int().nonnegative()).min(1),
  validation: z.array(z.number().int().nonnegative()).min(1),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  /** Class names in label order. */
  labels: z.array(z.string()).min(2),
  /** Applied to training batches only, seeded per epoch; validation is never augmented. */
  augmentation: Augmentation,
});
export type PreparedImages = z.infer<typeof PreparedImages>;

/** One Input node of a multi-input model: the columns of x (0-based) it takes, in order. */
export const PreparedInput = z.object({
  node: z.string(),
  indices: z.array(z.number().int().nonnegative()).min(1),
});
export type PreparedInput = z.infer<typeof PreparedInput>;

/** One Output head: its target column and where its values sit in each row of y. */
export const PreparedHead = z.object({
  node: z.string(),
  target: z.string(),
  task: z.enum(['classification', 'regression']),
  offset: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  /** Classification: class names in label order. */
  labels: z.array(z.string()).min(2).optional(),
  /** Regression: the training rows' mean and std the target was standardized with. */
  scaling: z.object({ mean: z.number(), std: z.number() }).optional(),
});
export type PreparedHead = z.infer<typeof PreparedHead>;

/** A project's run: its workspace, project and run ids, and how the export names it. */
export const ExportOrigin = z.object({
  workspace: z.string().nullable(),
  project: z.string().nullable(),
  run: z.string().nullable(),
  label: z.string(),
});
export type ExportOrigin = z.infer<typeof ExportOrigin>;

/** Encoded, split data the engine trains on: written by main/data as binary files. */
export const PreparedData = z.object({
  /** Folder with x_train.f32, y_train.f32, x_val.f32, y_val.f32 (little-endian float32, row-major); images: the y files only. */
  dir: z.string(),
  inputWidth: z.number().int().positive(),
  outputWidth: z.number().int().positive(),
  trainRows: z.number().int().positive(),
  valRows: z.number().int().positive(),
  /** Rows held out as the test split (x_test.f32, y_test.f32): never trained, early-stopped or curved on; absent or 0: none. */
  testRows: z.number().int().nonnegative().optional(),
  /**
   * The per-sample shape x's rows are reshaped to ([lookback, features] for time-series windows);
   * absent = [inputWidth]. Its product is always inputWidth, the values per row of the x files.
   */
  inputShape: z.array(z.number().int().positive()).optional(),
  preprocessing: Preprocessing,
  /** Image datasets: x streams from the shards (inputWidth = height × width × channels). */
  images: PreparedImages.optional(),
  /**
   * A graph with several Inputs or heads (or column choices on them): each Input's columns of
   * x, and each head's slice of y (outputWidth is their sum). Absent: one Input takes all of x and
   * one head predicts all of y, as preprocessing describes.
   */
  inputs: z.array(PreparedInput).min(1).optional(),
  heads: z.array(PreparedHead).min(1).optional(),
});
export type PreparedData = z.infer<typeof PreparedData>;

/** Values in one predict request: one 1024×1024 RGB image (the largest import size) must fit. */
export const MAX_PREDICT_VALUES = 1024 * 1024 * 3;

export const EngineRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello') }),
  z.object({
    type: z.literal('train'),
    runId: z.string(),
    /** runs/<id>/: the engine writes model/ there when training ends (completed or cancelled). */
    runDir: z.string(),
    data: PreparedData,
    graph: ModelGraph,
    /** Epochs and batch size resolved (the run manager chooses 'auto' ones from the data); learningRate may be 'auto'. */
    config: RunTrainConfig,
    /** Continue from <runDir>/checkpoint/ (after the engine died) instead of starting fresh. */
    resume: z.boolean().optional(),
    /** A Layerlab weights file (an imported model's): the start values of the nodes it names. */
    initialWeights: z.string().optional(),
    /** Run the LR range test only (whatever config.learningRate says), report it, and train nothing. */
    lrFinderOnly: z.boolean().optional(),
  }),
  z.object({ type: z.literal('cancel'), runId: z.string() }),
  /** Hold the run after the batch in progress, until resume or cancel. */
  z.object({ type: z.literal('pause'), runId: z.string() }),
  z.object({ type: z.literal('resume'), runId: z.string() }),
  z.object({
    type: z.literal('export'),
    requestId: z.string(),
    /** The trained model folder (runs/<id>/model). */
    modelDir: z.string(),
    /** Rows to compare predictions on (the validation split). */
    data: PreparedData,
    outDir: z.string(),
    /** Absent: TF.js float32, as before formats existed. */
    format: ExportFormat.optional(),
    /** TF.js only: quantize the weights (float16, or uint8 with a per-weight scale and min). */
    quantize: Quantize.nullable().optional(),
    /** ONNX only: float16 weights. */
    float16Weights: z.boolean().optional(),
    /** What goes into MODEL_CARD.md besides what the engine knows. */
    card: ModelCardContext.optional(),
    /** Where the run lives (the PyTorch export records it, so `layerlab runs import` finds the project). */
    origin: ExportOrigin.optional(),
  }),
  /** Stop an export between its steps; it fails with "cancelled" and leaves nothing in its folder. */
  z.object({ type: z.literal('cancelExport'), requestId: z.string() }),
  /** Run a trained model on rows already encoded by main (encodeRawRows): the inference playground. */
  z.object({
    type: z.literal('predict'),
    requestId: z.string(),
    modelDir: z.string(),
    inputWidth: z.number().int().positive(),
    /** Row-major inputs, rows × inputWidth (at most a few thousand rows, or one image at the largest import size: it crosses IPC as JSON). */
    x: z.array(z.number()).max(MAX_PREDICT_VALUES),
  }),
  /** Predict on the validation rows of a run (runs/<id>/model on runs/<id>/data). */
  z.object({
    type: z.literal('evaluate'),
    requestId: z.string(),
    modelDir: z.string(),
    data: PreparedData,
    /** Evaluate at most this many validation rows (the first ones: the split is already shuffled). */
    maxRows: z.number().int().positive(),
  }),
]);
export type EngineRequest = z.infer<typeof EngineRequest>;
/** A train request without its tag: what EngineClient takes and the engine's train() runs. */
export type TrainRequest = Omit<Extract<EngineRequest, { type: 'train' }>, 'type'>;

export const BatchLogs = z.object({
  epoch: z.number().int(),
  batch: z.number().int(),
  batches: z.number().int(),
  loss: z.number().nullable(),
  metric: z.number().nullable(),
});
export type BatchLogs = z.infer<typeof BatchLogs>;

export const ExportResult = z.object({
  outDir: z.string(),
  files: z.array(z.string()),
  /** Validation rows the parity check compared (at most PARITY_ROWS, app/engine/parity.ts)… */
  rowsCompared: z.number().int(),
  /** …of this many in the split (absent from exports made before the check took a sample). */
  rowsAvailable: z.number().int().optional(),
  maxAbsDiff: z.number(),
  format: ExportFormat,
  quantize: Quantize.nullable(),
  float16Weights: z.boolean(),
  /** What loaded the exported files back to compare them: "tf.loadLayersModel (tfjs 4.22.0)". */
  checkedWith: z.string(),
  /** The largest difference a float32 export may have; null for quantized ones (judged by accuracy). */
  tolerance: z.number().nullable(),
  sizes: ExportSizes,
  /** Quantized or float16 exports: validation score of the in-app model vs the export. */
  accuracy: ExportAccuracy.nullable(),
  /** Why the files were not run to compare them (PyTorch where no python3 has torch); absent when they were. */
  checkSkipped: z.string().optional(),
});
export type ExportResult = z.infer<typeof ExportResult>;

/** Predictions on validation rows; regression values are back in the target's own units. */
export const EvaluateResult = z.object({
  /** One row of model outputs per evaluated row (class probabilities, or [value]). */
  outputs: z.array(z.array(z.number())),
  /** Class index (classification) or value (regression) per evaluated row. */
  targets: z.array(z.number()),
  /** Position of each evaluated row in the validation split (0-based). */
  rows: z.array(z.number().int().nonnegative()),
  valRows: z.number().int(),
  /** True when fewer rows than the whole split were evaluated (maxRows). */
  capped: z.boolean(),
});
export type EvaluateResult = z.infer<typeof EvaluateResult>;

export const EngineEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), backend: BackendReport }),
  z.object({ type: z.literal('batch'), runId: z.string(), logs: BatchLogs }),
  z.object({ type: z.literal('epoch'), runId: z.string(), logs: EpochLogs }),
  /** learningRate 'auto' (or lrFinderOnly): the LR range test's curve and the rate the run trains with. */
  z.object({ type: z.literal('lrFinder'), runId: z.string(), result: LrFinderResult }),
  /** The LR range test's steps as they are taken (before the first batch: progress for a long test). */
  z.object({ type: z.literal('lrFinderStep'), runId: z.string(), done: z.number().int(), steps: z.number().int() }),
  /** The run is now held (paused: true, after the batch in progress) or training again. */
  z.object({ type: z.literal('paused'), runId: z.string(), paused: z.boolean() }),
  z.object({
    type: z.literal('done'),
    runId: z.string(),
    status: z.enum(['completed', 'cancelled', 'failed']),
    error: z.string().nullable(),
    /** Whether model/ was written. */
    hasModel: z.boolean(),
    earlyStopped: EarlyStopInfo.nullable().optional(),
    /** Set by the main side, never the engine: the engine process died during the run. */
    crashed: z.boolean().optional(),
  }),
  /** The export's step starting now (done: the steps finished before it). */
  ExportProgress.extend({ type: z.literal('exportProgress'), requestId: z.string() }),
  z.object({ type: z.literal('exported'), requestId: z.string(), result: ExportResult }),
  z.object({ type: z.literal('exportFailed'), requestId: z.string(), error: z.string() }),
  z.object({ type: z.literal('evaluated'), requestId: z.string(), result: EvaluateResult }),
  z.object({ type: z.literal('evaluateFailed'), requestId: z.string(), error: z.string() }),
  /** One output row per input row, as the model gives it (probabilities, or a scaled value). */
  z.object({ type: z.literal('predicted'), requestId: z.string(), outputs: z.array(z.array(z.number())) }),
  z.object({ type: z.literal('predictFailed'), requestId: z.string(), error: z.string() }),
  /** A problem outside any request (a malformed message from the parent, say). */
  z.object({ type: z.literal('error'), error: z.string() }),
]);
export type EngineEvent = z.infer<typeof EngineEvent>;
