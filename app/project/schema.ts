import { z } from 'zod';
import { Augmentation } from '../dataset/images';
import { Baseline } from '../diagnostics/baseline';
import { TaskSpec } from '../dataset/schema';
import { ForecastReport } from '../dataset/windows';
import { ModelGraph } from '../graph/schema';
import { RunTrainConfig, TrainConfig } from '../training/config';
import { LrFinderResult } from '../training/lr-finder';

export const PROJECT_FORMAT_VERSION = 1 as const;

/** A project id is the folder's name inside the workspace: safe in a path, readable by a person. */
export const ProjectId = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a project id is letters, digits, ".", "-" and "_"')
  .refine((s) => !s.includes('..'), 'a project id cannot contain ".."');
export const RunId = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9_-]+$/, 'a run id is letters, digits, "-" and "_"');
export const DatasetId = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9_-]+$/, 'a dataset id is letters, digits, "-" and "_"');

/** project.json: everything a user set up, so reopening shows it as it was. */
export const ProjectFile = z.object({
  format: z.literal('layerlab-project'),
  version: z.literal(PROJECT_FORMAT_VERSION),
  name: z.string().min(1).max(120),
  createdAt: z.string(),
  updatedAt: z.string(),
  datasetId: DatasetId.nullable(),
  taskSpec: TaskSpec.nullable(),
  graph: ModelGraph.nullable(),
  trainConfig: TrainConfig,
  /** Image datasets: the augmentation of training batches, as last set (absent: off; older projects). */
  augmentation: Augmentation.optional(),
});
export type ProjectFile = z.infer<typeof ProjectFile>;

export const EpochLogs = z
  .object({
    epoch: z.number().int().nonnegative(),
    loss: z.number().nullable(),
    val_loss: z.number().nullable(),
    accuracy: z.number().nullable().optional(),
    val_accuracy: z.number().nullable().optional(),
    mae: z.number().nullable().optional(),
    val_mae: z.number().nullable().optional(),
    // Added with selectable metrics (config.metrics); absent from runs that did not ask for them.
    precision: z.number().nullable().optional(),
    val_precision: z.number().nullable().optional(),
    recall: z.number().nullable().optional(),
    val_recall: z.number().nullable().optional(),
    auc: z.number().nullable().optional(),
    val_auc: z.number().nullable().optional(),
    rmse: z.number().nullable().optional(),
    val_rmse: z.number().nullable().optional(),
    r2: z.number().nullable().optional(),
    val_r2: z.number().nullable().optional(),
    /** The learning rate this epoch trained with (schedules and warm-up change it). */
    lr: z.number().nullable().optional(),
    // A model with several heads adds each head's loss and metrics under Keras' names: "<output>_loss", "val_<output>_mae".
  })
  .catchall(z.number().nullable().optional());
export type EpochLogs = z.infer<typeof EpochLogs>;

/**
 * 'interrupted': the process training the run stopped (the host or app died) while run.json
 * said 'running'; found at the next start-up, it keeps its checkpoint and can be resumed.
 */
export const RunStatus = z.enum(['running', 'completed', 'cancelled', 'failed', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

export const BackendReport = z.object({
  name: z.string(),
  /** Why each better backend was not used, in the order tried. */
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  /**
   * The wasm backend's compute threads (XNNPACK's pool, the calling thread included), or the
   * CPU GEMM addon's when it runs (the wasm build is then single-threaded).
   */
  threads: z.number().int().positive().optional(),
  /**
   * The instruction set of the engine's CPU GEMM addon when it runs the products
   * (main/engine/process/accelerations/cpu): 'avx512', 'avx2' or 'portable'. Absent without it.
   */
  cpuGemm: z.string().optional(),
  /** Why the wasm backend runs fewer threads than chosen (the threaded build did not start). */
  threadsNote: z.string().optional(),
  /**
   * Whether the engine's TensorFlow.js accelerations are installed (main/engine/process/accelerations),
   * and why not: LAYERLAB_ACCELERATIONS=off, or a TensorFlow.js release they were not written for.
   * Absent in runs recorded before it was reported.
   */
  accelerations: z.object({ on: z.boolean(), reason: z.string().optional() }).optional(),
});
export type BackendReport = z.infer<typeof BackendReport>;

export const RunRecovery = z.object({
  at: z.string(),
  /** The 0-based epoch training resumed at (the number of epochs the checkpoint held). */
  fromEpoch: z.number().int().nonnegative(),
  reason: z.string(),
});
export type RunRecovery = z.infer<typeof RunRecovery>;

export const EarlyStopInfo = z.object({
  /** The 0-based epoch after which training stopped, and the best one by the monitor. */
  stoppedAt: z.number().int().nonnegative(),
  bestEpoch: z.number().int().nonnegative().nullable(),
  monitor: z.string(),
  /** Whether the saved model holds the best epoch's weights. */
  restored: z.boolean(),
});
export type EarlyStopInfo = z.infer<typeof EarlyStopInfo>;

/**
 * The run's model scored once on the held-out test split, at the user's request after tuning
 * (run.evaluate with split 'test'): the loss in the run's own loss and its metric.
 */
export const TestScore = z.object({
  evaluatedAt: z.string(),
  rows: z.number().int().nonnegative(),
  /** Null for a loss without a formula here (then the metric still stands). */
  loss: z.number().nullable(),
  accuracy: z.number().optional(),
  mae: z.number().optional(),
});
export type TestScore = z.infer<typeof TestScore>;

/** runs/<id>/run.json: one training run, its settings and its history. */
export const RunSummary = z.object({
  id: RunId,
  status: RunStatus,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: z.string().nullable(),
  task: z.enum(['classification', 'regression']),
  taskSpec: TaskSpec,
  /** What the run trains with: 'auto' epochs and batch size resolved from the data (autoSettings names them). */
  trainConfig: RunTrainConfig,
  graph: ModelGraph,
  backend: BackendReport.nullable(),
  epochs: z.array(EpochLogs),
  /** Whether runs/<id>/model/ holds trained weights to export. */
  hasModel: z.boolean(),
  /** True while the user has paused the run (status stays 'running'). */
  paused: z.boolean().optional(),
  /** The process that trains the run while it is 'running' (absent in older runs): a live one elsewhere keeps it 'running' at start-up. */
  pid: z.number().int().positive().optional(),
  /** Each time the engine process died and the run resumed from its last checkpoint. */
  recoveries: z.array(RunRecovery).optional(),
  /** Set when early stopping ended the run before its last epoch. */
  earlyStopped: EarlyStopInfo.nullable().optional(),
  /** The naive baseline's scores on this run's data (main/services/baseline.ts); absent in older runs. */
  baseline: Baseline.nullable().optional(),
  /**
   * A run with several Output heads: each head's naive baseline on its own target (its keys in
   * the epoch logs are prefixed with the head's node id, Keras-style); `baseline` is null then.
   */
  headBaselines: z
    .array(
      z.object({
        node: z.string(),
        target: z.string(),
        task: z.enum(['classification', 'regression']),
        baseline: Baseline.nullable(),
      }),
    )
    .optional(),
  /** Set when the user evaluated the run on its test split (absent: never, as for every older run). */
  testScore: TestScore.optional(),
  /** Image runs: the augmentation their training batches had (null: none); absent for tables. */
  augmentation: Augmentation.nullable().optional(),
  /** Time-series runs with a model: its validation MAE beside the naive last value's, in the target's units. */
  forecast: ForecastReport.nullable().optional(),
  /**
   * learningRate 'auto': the LR range test's curve and pick. Once it is known, trainConfig
   * holds the rate found (the rate the run trained with); absent for a fixed rate and older runs.
   */
  lrFinder: LrFinderResult.optional(),
  /** The settings that were left to Layerlab ("auto") and chosen for the data; trainConfig holds what was chosen. */
  autoSettings: z.array(z.enum(['epochs', 'batchSize', 'earlyStopping', 'learningRate'])).optional(),
  /** A run trained elsewhere (the PyTorch export's train.py) and imported: its folder, the run it was exported from, its weights' SHA-256. */
  importedFrom: z.object({ folder: z.string(), sourceRun: z.string(), weightsSha256: z.string() }).optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;
