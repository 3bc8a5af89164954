import { z } from 'zod';
import { CsvOptions } from '../dataset/csv-options';
import { DatasetMeta, TaskSpec } from '../dataset/schema';
import { BatchLogs, ExportResult } from '../engine/protocol';
import { ModelGraph } from '../graph/schema';
import { BackendReport, EpochLogs, ProjectFile, ProjectId, RunId, RunSummary } from '../project/schema';
import { TrainConfig } from '../training/config';
import { CHANNEL_NAMES, EVENT_NAMES } from './names';

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
  engine: z.object({ state: z.enum(['starting', 'ready', 'crashed']), backend: BackendReport.nullable(), message: z.string().nullable() }),
});
export type AppInfo = z.infer<typeof AppInfo>;

const ImportId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an import id is 1 to 64 letters, digits, - or _');

const channel = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output });

export const channels = {
  'app.info': channel(z.object({}).strict(), AppInfo),
  'project.list': channel(z.object({}).strict(), z.array(ProjectListItem)),
  'project.create': channel(z.object({ name: z.string().trim().min(1, 'a project needs a name').max(120, 'a project name is at most 120 characters') }).strict(), ProjectState),
  'project.open': channel(z.object({ projectId: ProjectId }).strict(), ProjectState),
  'project.save': channel(
    z.object({
      projectId: ProjectId,
      taskSpec: TaskSpec.nullable().optional(),
      graph: ModelGraph.nullable().optional(),
      trainConfig: TrainConfig.optional(),
    }).strict(),
    ProjectState,
  ),
  'dataset.importText': channel(
    z.object({
      projectId: ProjectId,
      fileName: z.string().min(1).max(255),
      text: z.string().max(MAX_IMPORT_TEXT, `the file is larger than ${MAX_IMPORT_TEXT / 1024 / 1024} MiB`),
      /** The user's overrides of the detected CSV dialect (a re-import). */
      options: CsvOptions.optional(),
      /** Chosen by the caller: names this import in dataset.importProgress and dataset.cancelImport. */
      importId: ImportId.optional(),
    }).strict(),
    ProjectState,
  ),
  'dataset.importPath': channel(
    z.object({ projectId: ProjectId, path: z.string().min(1).max(4096), options: CsvOptions.optional(), importId: ImportId.optional() }).strict(),
    ProjectState,
  ),
  /** Stop an import in progress; it leaves the project as it was. False when none runs by that id. */
  'dataset.cancelImport': channel(z.object({ importId: ImportId }).strict(), z.object({ cancelled: z.boolean() })),
  'run.start': channel(
    z.object({ projectId: ProjectId, taskSpec: TaskSpec, graph: ModelGraph, trainConfig: TrainConfig }).strict(),
    RunSummary,
  ),
  'run.cancel': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), z.object({ cancelled: z.boolean() })),
  /** Hold a training run after its current batch; false when that run is not training. */
  'run.pause': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), z.object({ accepted: z.boolean() })),
  'run.resume': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), z.object({ accepted: z.boolean() })),
  'run.get': channel(z.object({ projectId: ProjectId, runId: RunId }).strict(), RunSummary),
  'export.tfjs': channel(
    z.object({
      projectId: ProjectId,
      runId: RunId,
      /** Absolute folder on the main side's machine; null means <project>/exports/<run id>. */
      outDir: z.string().min(1).max(4096).nullable(),
    }).strict(),
    ExportResult,
  ),
} as const;

export const events = {
  'run.batch': z.object({ projectId: ProjectId, runId: RunId, logs: BatchLogs }),
  'run.epoch': z.object({ projectId: ProjectId, runId: RunId, logs: EpochLogs }),
  'run.ended': z.object({ projectId: ProjectId, run: RunSummary }),
  /** A running run's summary changed outside its epochs: paused, resumed, recovered after a crash. */
  'run.updated': z.object({ projectId: ProjectId, run: RunSummary }),
  'engine.status': AppInfo.shape.engine,
  /** A CSV import's progress, after each chunk read. */
  'dataset.importProgress': z.object({ importId: ImportId, bytesRead: z.number(), totalBytes: z.number(), rows: z.number() }),
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
const namesMatch: Same<(typeof CHANNEL_NAMES)[number], ChannelName> & Same<(typeof EVENT_NAMES)[number], EventName> = true;
void namesMatch;
export { CHANNEL_NAMES, EVENT_NAMES };

/** What crosses any transport for a request: errors travel as plain, user-facing messages. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };
