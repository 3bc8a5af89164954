import { z } from 'zod';
import { CsvOptions } from '../dataset/csv-options';
import { Augmentation, ImageDatasetMeta } from '../dataset/images';
import { DatasetMeta, TaskSpec } from '../dataset/schema';
import type { Evaluation } from '../diagnostics/evaluation';
import { BatchLogs, ExportResult } from '../engine/protocol';
import { ExportFormat, exportOptionsProblem, Quantize } from '../engine/export-options';
import { ModelGraph } from '../graph/schema';
import { RunRow, RunTags } from '../experiments/runs-table';
import { AppStudy, StudyRef, StudyStartInput } from '../experiments/app-study';
import { BackendReport, EpochLogs, ProjectFile, ProjectId, RunId, RunSummary } from '../project/schema';
import { TrainConfig } from '../training/config';
import { ExportProgress, PhaseProgress } from '../progress/work-progress';
import {
  AugmentedPreview,
  DatasetImages,
  imageChannelInputs,
  ImageImportProgressEvent,
  ImageThumbnails,
  UploadStatus,
} from './image-contract';
import { ModelImportInput, ModelImportSummary } from './model-import-contract';
import { RunImportInput, RunImportResult } from './run-import-contract';
import { PredictImageShape, PredictImagesInput, PredictImagesResult } from './predict-images-contract';
import { CHANNEL_NAMES, EVENT_NAMES } from './names';
import { recentInputs, RecentList } from './recent';

/**
 * The one IPC contract between the renderer and the main side. From it come the TypeScript
 * types, the validation in main (the renderer is untrusted: every input is parsed), the
 * Electron preload (one method per channel), the host-mode WebSocket transport and the
 * in-memory transport used in tests.
 */

/** CSV text sent from the renderer (a dropped or chosen file). 64 MiB of text is the cap for now. */
export const MAX_IMPORT_TEXT = 64 * 1024 * 1024;

export const ProjectState = z.object({
  id: ProjectId,
  path: z.string(),
  project: ProjectFile,
  dataset: DatasetMeta.nullable(),
  /** Set instead of `dataset` when the project's dataset is an image folder (absent in older hosts' answers). */
  imageDataset: ImageDatasetMeta.nullable().optional(),
  runs: z.array(RunSummary),
  /** Parts of the project that could not be read (a damaged run.json, a missing dataset), in words. */
  problems: z.array(z.string()).optional(),
});
export type ProjectState = z.infer<typeof ProjectState>;

export const ProjectListItem = z.object({ id: ProjectId, name: z.string(), updatedAt: z.string() });
export type ProjectListItem = z.infer<typeof ProjectListItem>;

export const AppInfo = z.object({
  mode: z.enum(['electron', 'host']),
  version: z.string(),
  workspace: z.string(),
  engine: z.object({
    state: z.enum(['starting', 'ready', 'crashed']),
    backend: BackendReport.nullable(),
    message: z.string().nullable(),
  }),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** A validation row as it is in the dataset: its raw cells, in the dataset's column order. */
export const RawExample = z.object({
  /** Position among the evaluated rows (as in the evaluation's indices). */
  index: z.number().int(),
  /** 0-based row of the imported dataset (the file's data row, header not counted). */
  datasetRow: z.number().int(),
  values: z.array(z.string().nullable()),
});
export type RawExample = z.infer<typeof RawExample>;

/** run.evaluate: the run's model on its validation (or test) split, with the raw rows behind each number. */
export const RunEvaluation = z.object({
  runId: RunId,
  /** Which split was evaluated: the test split only ever on explicit request (labelled so in the UI). */
  split: z.enum(['validation', 'test']),
  /** The target column the model predicts. */
  target: z.string(),
  /** Rows in the evaluated split (validation or test), and whether only the first maxRows of them were evaluated. */
  valRows: z.number().int(),
  capped: z.boolean(),
  columns: z.array(z.string()),
  /** Image datasets: each example's datasetRow is an image index (dataset.images shows it) and its values are file and class. */
  images: z.boolean().optional(),
  // Computed on the main side from engine predictions (app/diagnostics/evaluation.ts).
  evaluation: z.custom<Evaluation>((v) => typeof v === 'object' && v !== null && 'kind' in v),
  /** Classification: example rows of each non-empty confusion cell (up to a limit; total is the count). */
  cells: z.array(
    z.object({
      actual: z.number().int(),
      predicted: z.number().int(),
      total: z.number().int(),
      examples: z.array(RawExample),
    }),
  ),
  /** Classification: the confidently wrong rows; regression: the largest errors (same order as the evaluation's list). */
  worst: z.array(RawExample),
});
export type RunEvaluation = z.infer<typeof RunEvaluation>;

const ImportId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an import id is 1 to 64 letters, digits, - or _');

/** The inference playground takes at most this many rows per request. */
export const MAX_PREDICT_ROWS = 1000;

/** One raw input column of a trained model, for the playground's form; `value` prefills it (the first validation row). */
export const PredictField = z.discriminatedUnion('kind', [
  z.object({ name: z.string(), kind: z.literal('numeric'), value: z.string() }),
  z.object({ name: z.string(), kind: z.literal('categorical'), categories: z.array(z.string()), value: z.string() }),
]);
export type PredictField = z.infer<typeof PredictField>;
export const PredictInputs = z.object({
  task: z.enum(['classification', 'regression']),
  target: z.string(),
  labels: z.array(z.string()).nullable(),
  fields: z.array(PredictField),
  /** Set for an image model: the playground shows a drop zone (run.predictImages) and `fields` is empty. */
  image: PredictImageShape.nullable().optional(),
  /** How the training CSV spells a row (its delimiter and decimal mark); numeric fields take this spelling. Absent/null: "," and ".". */
  csv: z
    .object({ delimiter: z.string(), decimal: z.enum(['.', ',']) })
    .nullable()
    .optional(),
});
export type PredictInputs = z.infer<typeof PredictInputs>;
/** Classification: label + probabilities (in `labels` order); regression: value in the target's units. */
export const Prediction = z.object({
  label: z.string().nullable(),
  probabilities: z.array(z.number()).nullable(),
  value: z.number().nullable(),
});
export type Prediction = z.infer<typeof Prediction>;
export const PredictResult = z.object({
  task: z.enum(['classification', 'regression']),
  target: z.string(),
  labels: z.array(z.string()).nullable(),
  predictions: z.array(Prediction),
});
export type PredictResult = z.infer<typeof PredictResult>;

/** One retraining of a learning curve: the last epoch's scores on the subset and on the full validation split. */
export const LearningCurvePoint = z.object({
  fraction: z.number(),
  trainRows: z.number().int(),
  loss: z.number().nullable(),
  val_loss: z.number().nullable(),
  /** The task metric (accuracy or mae, as `metric` says). */
  score: z.number().nullable(),
  val_score: z.number().nullable(),
});
export type LearningCurvePoint = z.infer<typeof LearningCurvePoint>;
export const LearningCurve = z.object({
  runId: RunId,
  metric: z.enum(['accuracy', 'mae']),
  status: z.enum(['completed', 'cancelled']),
  /** In order of growing fraction; a cancelled curve holds the points finished before the cancel. */
  points: z.array(LearningCurvePoint),
});
export type LearningCurve = z.infer<typeof LearningCurve>;

const channel = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output });

/** A run's setup: what run.start trains with (and run.findLearningRate tests rates on). */
const RunStartInput = z
  .object({
    projectId: ProjectId,
    taskSpec: TaskSpec,
    graph: ModelGraph,
    trainConfig: TrainConfig,
    /** Image datasets: how training batches are augmented (off when absent). */
    augmentation: Augmentation.optional(),
  })
  .strict();

export const channels = {
  'app.info': channel(z.object({}).strict(), AppInfo),
  'project.list': channel(z.object({}).strict(), z.array(ProjectListItem)),
  'project.create': channel(
    z
      .object({
        name: z.string().trim().min(1, 'a project needs a name').max(120, 'a project name is at most 120 characters'),
      })
      .strict(),
    ProjectState,
  ),
  'project.open': channel(z.object({ projectId: ProjectId }).strict(), ProjectState),
  /** Recent projects and files (main records them on open and import by path), newest first, with the missing ones marked. */
  'recent.list': channel(recentInputs.list, RecentList),
  /** Take an entry off the recent list; answers the list. */
  'recent.remove': channel(recentInputs.remove, RecentList),
  /** The folder the next file dialog of this kind opens in (host mode: inside the workspace or --data-root). */
  'recent.rememberFolder': channel(recentInputs.rememberFolder, z.object({ remembered: z.boolean() })),
  'project.save': channel(
    z
      .object({
        projectId: ProjectId,
        taskSpec: TaskSpec.nullable().optional(),
        graph: ModelGraph.nullable().optional(),
        trainConfig: TrainConfig.optional(),
        /** Image datasets: the augmentation of training batches. */
        augmentation: Augmentation.optional(),
      })
      .strict(),
    ProjectState,
  ),
  'dataset.importText': channel(
    z
      .object({
        projectId: ProjectId,
        fileName: z.string().min(1).max(255),
        text: z.string().max(MAX_IMPORT_TEXT, `the file is larger than ${MAX_IMPORT_TEXT / 1024 / 1024} MiB`),
        /** The user's overrides of the detected CSV dialect (a re-import). */
        options: CsvOptions.optional(),
        /** Chosen by the caller: names this import in dataset.importProgress and dataset.cancelImport. */
        importId: ImportId.optional(),
      })
      .strict(),
    ProjectState,
  ),
  'dataset.importPath': channel(
    z
      .object({
        projectId: ProjectId,
        path: z.string().min(1).max(4096),
        options: CsvOptions.optional(),
        importId: ImportId.optional(),
      })
      .strict(),
    ProjectState,
  ),
  /** Stop an import in progress; it leaves the project as it was. False when none runs by that id. */
  'dataset.cancelImport': channel(z.object({ importId: ImportId }).strict(), z.object({ cancelled: z.boolean() })),
  /** Send pieces of a dropped image folder or zip to main (host mode cannot give a path); answers the upload's totals so far. */
  'dataset.uploadChunk': channel(imageChannelInputs.upload, UploadStatus),
  /** Remove an upload that will not be imported (the user cancelled while sending). */
  'dataset.discardUpload': channel(imageChannelInputs.discardUpload, z.object({ discarded: z.boolean() })),
  /** Import an image folder or .zip (by path, or an upload) as the project's dataset; progress on dataset.imageImportProgress. */
  'dataset.importImages': channel(imageChannelInputs.importImages, ProjectState),
  /** The thumbnail grid of the project's image dataset, per class. */
  'dataset.imageThumbnails': channel(imageChannelInputs.thumbnails, ImageThumbnails),
  /** A few stored images and what the augmentation settings make of them. */
  'dataset.augmentedPreview': channel(imageChannelInputs.preview, AugmentedPreview),
  /** Stored images of the project's image dataset by index (confusion-matrix cells, galleries). */
  'dataset.images': channel(imageChannelInputs.images, DatasetImages),
  /** Import a TF.js / Keras model file as the project's graph, its weights stored in the project. */
  'model.import': channel(ModelImportInput, z.object({ state: ProjectState, summary: ModelImportSummary })),
  /** Open a run trained elsewhere (the PyTorch export's train.py result) as a run of the project it came from. */
  'run.importFolder': channel(RunImportInput, RunImportResult),
  'run.start': channel(RunStartInput, RunSummary),
  /**
   * The LR range test alone, on demand: started as a run of these settings that trains nothing
   * and records lrFinder (its curve and suggested rate) when it ends (run.ended), no model.
   */
  'run.findLearningRate': channel(RunStartInput, RunSummary),
  'run.cancel': channel(
    z.object({ projectId: ProjectId, runId: RunId }).strict(),
    z.object({ cancelled: z.boolean() }),
  ),
  /** Hold a training run after its current batch; false when that run is not training. */
  'run.pause': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), z.object({ accepted: z.boolean() })),
  'run.resume': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), z.object({ accepted: z.boolean() })),
  /** Continue an 'interrupted' run (its host died) from its last checkpoint to its planned epochs; it trains again ('running'). */
  'run.continue': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), RunSummary),
  'run.get': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), RunSummary),
  /** The runs table (issue 16): every run of the project with its scores, settings, fingerprint, verdicts, disk use and curves. */
  'runs.table': channel(z.object({ projectId: ProjectId }).strict(), z.array(RunRow)),
  /** Name a run (null: back to its date); kept in runs/<id>/tags.json. */
  'run.rename': channel(z.object({ projectId: ProjectId, runId: RunId, name: RunTags.shape.name }).strict(), RunTags),
  'run.star': channel(z.object({ projectId: ProjectId, runId: RunId, starred: z.boolean() }).strict(), RunTags),
  /** Start a study: trials of the run's setup with searched training settings, one run after another; study.progress tells each step. */
  'study.start': channel(StudyStartInput, AppStudy),
  'study.cancel': channel(StudyRef, z.object({ cancelled: z.boolean() })),
  /** Go on with an 'interrupted' study (Layerlab stopped while it ran): finished trials stay, the rest train. */
  'study.resume': channel(StudyRef, AppStudy),
  /** The project's studies as their files hold them (the running one as it stands), oldest first. */
  'study.list': channel(z.object({ projectId: ProjectId }).strict(), z.array(AppStudy)),
  /** Delete a run's folder (refused while it trains); answers the bytes freed. */
  'run.delete': channel(
    z.object({ projectId: ProjectId, runId: RunId }).strict(),
    z.object({ deleted: z.boolean(), freedBytes: z.number().int().nonnegative() }),
  ),
  /** Evaluate a finished run's model on its validation split, or (on request, once tuning is done) its test split. */
  'run.evaluate': channel(
    z.object({ projectId: ProjectId, runId: RunId, split: z.enum(['validation', 'test']).optional() }).strict(),
    RunEvaluation,
  ),
  /** The raw input columns a run's model reads, prefilled with the first validation row. */
  'run.predictInputs': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), PredictInputs),
  /** Predict raw rows (column name → cell text, as in the CSV) with a run's trained model. */
  'run.predict': channel(
    z
      .object({
        projectId: ProjectId,
        runId: RunId,
        rows: z
          .array(z.record(z.string().max(200), z.string().max(1000)))
          .min(1, 'give at least one row to predict')
          .max(MAX_PREDICT_ROWS, `at most ${MAX_PREDICT_ROWS} rows can be predicted at once`),
      })
      .strict(),
    PredictResult,
  ),
  /** Predict dropped image files with an image run's model, each decoded as the run's import did; a bad file gets its own message. */
  'run.predictImages': channel(PredictImagesInput, PredictImagesResult),
  /** Retrain a run's graph and settings on 10/25/50/100% of its training split (same validation split). */
  'run.learningCurve': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), LearningCurve),
  'run.cancelLearningCurve': channel(
    z.object({ projectId: ProjectId, runId: RunId }).strict(),
    z.object({ cancelled: z.boolean() }),
  ),
  /** Export a run's model in one format, proven equal to the in-app model (or, quantized, with its accuracy change). */
  'export.model': channel(
    z
      .object({
        projectId: ProjectId,
        runId: RunId,
        /** Absolute folder on the main side's machine; null means <project>/exports/<run id>. */
        outDir: z.string().min(1).max(4096).nullable(),
        format: ExportFormat.default('tfjs'),
        quantize: Quantize.nullable().default(null),
        float16Weights: z.boolean().default(false),
        /** Names the export for its export.progress events and for export.cancel. */
        exportId: ImportId.optional(),
      })
      .strict()
      .superRefine((options, ctx) => {
        const problem = exportOptionsProblem(options);
        if (problem !== null)
          ctx.addIssue({
            code: 'custom',
            message: problem,
            path: [
              problem.startsWith('quantize') ? 'quantize' : problem.startsWith('float16') ? 'float16Weights' : 'format',
            ],
          });
      }),
    ExportResult,
  ),
  /** Stop an export between its steps; it then fails with "cancelled" and leaves nothing in its folder. */
  'export.cancel': channel(z.object({ exportId: ImportId }).strict(), z.object({ cancelled: z.boolean() })),
} as const;

export const events = {
  'run.batch': z.object({ projectId: ProjectId, runId: RunId, logs: BatchLogs }),
  'run.epoch': z.object({ projectId: ProjectId, runId: RunId, logs: EpochLogs }),
  'run.ended': z.object({ projectId: ProjectId, run: RunSummary }),
  /** A study started, a trial started or ended, or the study ended. */
  'study.progress': z.object({ projectId: ProjectId, study: AppStudy }),
  /** A running run's summary changed outside its epochs: paused, resumed, recovered after a crash. */
  'run.updated': z.object({ projectId: ProjectId, run: RunSummary }),
  'engine.status': AppInfo.shape.engine,
  /** A learning curve's progress: retraining `step` of `steps` (0-based) has finished `epoch` + 1 epochs. */
  'run.learningCurveProgress': z.object({
    projectId: ProjectId,
    runId: RunId,
    step: z.number().int(),
    steps: z.number().int(),
    fraction: z.number(),
    trainRows: z.number().int(),
    epoch: z.number().int(),
    epochs: z.number().int(),
    /** Set when a retraining has finished. */
    point: LearningCurvePoint.optional(),
  }),
  /** A CSV import's progress, after each chunk read. */
  'dataset.importProgress': z.object({
    importId: ImportId,
    bytesRead: z.number(),
    totalBytes: z.number(),
    rows: z.number(),
    /** Bytes per second so far and the time left at that rate (absent in the first half second). */
    bytesPerSecond: z.number().optional(),
    secondsLeft: z.number().optional(),
    /** A file too large for memory, after its last byte: columns profiled so far (one at a time). */
    profiled: z.object({ done: z.number().int(), total: z.number().int() }).optional(),
  }),
  /** An image import's progress, after each file decoded. */
  'dataset.imageImportProgress': ImageImportProgressEvent,
  /**
   * Before a run's first batch: its data being prepared (each phase as it goes; run.cancel with this
   * runId stops it), then the LR range test's steps (learning rate 'auto').
   */
  'run.prepareProgress': PhaseProgress.extend({ projectId: ProjectId, runId: RunId }),
  /** An export's step as it starts (done: the steps finished), then done = total. */
  'export.progress': ExportProgress.extend({ exportId: ImportId }),
} as const;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type ChannelInput<C extends ChannelName> = z.input<Channels[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.infer<Channels[C]['output']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;

// The zod-free name lists must list exactly the contract's keys, no more and no fewer.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesMatch: Same<(typeof CHANNEL_NAMES)[number], ChannelName> & Same<(typeof EVENT_NAMES)[number], EventName> =
  true;
void namesMatch;
export { CHANNEL_NAMES, EVENT_NAMES };

/** What crosses any transport for a request: errors travel as plain, user-facing messages. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };
