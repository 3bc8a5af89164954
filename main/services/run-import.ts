import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { PreparedData } from '../../app/engine/protocol';
import { formatZodError, UserError } from '../../app/ipc/errors';
import { EarlyStopInfo, EpochLogs, ProjectId, RunId, type RunSummary } from '../../app/project/schema';
import { RunTrainConfig } from '../../app/training/config';
import type { ProjectService } from '../data';
import { writeFileAtomic, writeJsonAtomic } from '../data';
import { sha256File } from './manifest';

/**
 * A run trained elsewhere (the PyTorch project's train.py, under torchrun) brought back as a run
 * of the project it was exported from: the folder's TF.js model becomes runs/<new id>/model, its
 * epochs the run's curves, and the exported run's prepared data, graph and baseline come along,
 * so diagnosis, evaluation, the playground and every export work on it as on any run.
 */

const ModelJson = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string().regex(/^[^/\\]+$/, 'a weights file beside model.json')).min(1),
        weights: z.array(
          z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.literal('float32') }),
        ),
      }),
    )
    .min(1),
});

const TrainingJson = z.object({
  source: z.object({
    workspace: z.string().nullable().optional(),
    // Ids as the contract spells them: a file cannot name a folder outside the project (../..).
    project: ProjectId.nullable(),
    run: RunId.nullable(),
    label: z.string(),
  }),
});

const MetricsJson = z.object({
  backend: z.string().nullable().optional(),
  status: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
  epochs: z.array(EpochLogs).min(1, 'no epoch was trained'),
  early_stopped: EarlyStopInfo.nullable().optional(),
  started_at: z.string().optional(),
  ended_at: z.string().optional(),
});

async function readJson<T>(file: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${file} is missing: ${what}.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file} is not valid JSON (${(error as Error).message}).`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UserError(formatZodError(parsed.error, `${file} does not hold ${what}`));
  return parsed.data;
}

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${stamp}-${randomBytes(2).toString('hex')}`;
}

export interface ImportedRun {
  projectId: string;
  run: RunSummary;
  /** The run it was exported from. */
  sourceRunId: string;
}

/** training.json's record of where the exported run lives: the workspace, project and run. */
export async function exportedFrom(folder: string): Promise<z.infer<typeof TrainingJson>['source']> {
  const file = path.join(path.resolve(folder), 'training.json');
  return (
    await readJson(file, TrainingJson, 'where the run came from (a PyTorch project exported by Layerlab writes it)')
  ).source;
}

/**
 * The IPC channel's side: the folder by path (already checked against the host's path policy),
 * or the files a browser sent, written to a temporary folder first.
 */
export async function importRunInput(
  projects: ProjectService,
  input: { projectId: string; files?: { name: string; data: string }[] | undefined; path?: string | undefined },
): Promise<ImportedRun> {
  if (input.path !== undefined) return importRunFolder(projects, input.path, { projectId: input.projectId });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-run-import-'));
  try {
    for (const f of input.files ?? []) await writeFile(path.join(dir, f.name), Buffer.from(f.data, 'base64'));
    return await importRunFolder(projects, dir, { projectId: input.projectId, label: 'the chosen files' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Checks the folder, then writes the new run; nothing is left behind when a check fails. */
export async function importRunFolder(
  projects: ProjectService,
  folder: string,
  options: { projectId?: string; label?: string } = {},
): Promise<ImportedRun> {
  const dir = path.resolve(folder);
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw new UserError(`${dir} is not a folder.`);
  const modelFile = path.join(dir, 'model.json');
  const model = await readJson(modelFile, ModelJson, 'a TensorFlow.js Layers model (train.py writes one)');
  let expected = 0;
  for (const group of model.weightsManifest) {
    const values = group.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    expected += values * 4;
  }
  const files = model.weightsManifest.flatMap((g) => g.paths);
  let actual = 0;
  for (const f of files) {
    const file = path.join(dir, f);
    if (!existsSync(file)) throw new UserError(`${file} is missing: model.json names it as its weights.`);
    actual += (await stat(file)).size;
  }
  if (actual !== expected)
    throw new UserError(
      `${files.map((f) => path.join(dir, f)).join(', ')} hold ${actual} bytes, but model.json's weights need ${expected}.`,
    );
  const metrics = await readJson(path.join(dir, 'metrics.json'), MetricsJson, "the run's epochs");
  const training = await readJson(
    path.join(dir, 'training.json'),
    TrainingJson,
    'where the run came from (a PyTorch project exported by Layerlab writes it)',
  );
  const projectId = options.projectId ?? training.source.project;
  if (!projectId) throw new UserError(`${path.join(dir, 'training.json')} names no project: give one (--project ID).`);
  const sourceRunId = training.source.run;
  if (!sourceRunId) throw new UserError(`${path.join(dir, 'training.json')} names no run it was exported from.`);
  const opened = await projects.open(projectId);
  const source = await projects.readRun(projectId, sourceRunId);
  const sourceDir = projects.runDir(projectId, sourceRunId);
  const data = await readJson(path.join(sourceDir, 'data', 'prepared.json'), PreparedData, "the source run's data");
  // train.py may change these four (--epochs, --batch-size, --lr, --seed); every other setting is
  // the exported run's (training.json's filled-in copy would add a loss to a run with several heads).
  const changed = Object.fromEntries(
    (['epochs', 'batchSize', 'learningRate', 'seed'] as const)
      .filter((k) => metrics.config[k] !== undefined)
      .map((k) => [k, metrics.config[k]]),
  );
  const config = RunTrainConfig.safeParse({ ...source.trainConfig, ...changed });
  if (!config.success)
    throw new UserError(
      formatZodError(config.error, `${path.join(dir, 'metrics.json')}'s config is not a run's settings`),
    );

  const weightsSha256 = (await Promise.all(files.map((f) => sha256File(path.join(dir, f))))).join(',');
  const already = opened.runs.find((r) => r.importedFrom?.weightsSha256 === weightsSha256);
  if (already)
    throw new UserError(
      `These weights are already run ${already.id} of project ${projectId} (imported from ${already.importedFrom!.folder}); train again to import new ones.`,
    );

  const runId = newRunId(new Date());
  const runDir = projects.runDir(projectId, runId);
  await mkdir(runDir, { recursive: true });
  try {
    await cp(path.join(sourceDir, 'data'), path.join(runDir, 'data'), { recursive: true });
    await writeJsonAtomic(path.join(runDir, 'data', 'prepared.json'), { ...data, dir: path.join(runDir, 'data') });
    await mkdir(path.join(runDir, 'model'), { recursive: true });
    for (const f of ['model.json', ...files]) await cp(path.join(dir, f), path.join(runDir, 'model', f));
    const preprocessing = path.join(dir, 'preprocessing.json');
    if (existsSync(preprocessing)) await cp(preprocessing, path.join(runDir, 'model', 'preprocessing.json'));
    await writeJsonAtomic(path.join(runDir, 'config.json'), config.data);
    await writeFileAtomic(
      path.join(runDir, 'metrics.jsonl'),
      metrics.epochs.map((logs) => `${JSON.stringify(logs)}\n`).join(''),
    );
    const {
      pid: _pid,
      paused: _paused,
      recoveries: _r,
      testScore: _t,
      lrFinder: _l,
      autoSettings: _a,
      ...kept
    } = source;
    const now = new Date().toISOString();
    const run: RunSummary = {
      ...kept,
      id: runId,
      status: 'completed',
      startedAt: metrics.started_at ?? now,
      endedAt: metrics.ended_at ?? now,
      error: null,
      trainConfig: config.data,
      backend: { name: metrics.backend ?? 'PyTorch', skipped: [] },
      epochs: metrics.epochs,
      hasModel: true,
      earlyStopped: metrics.early_stopped ?? null,
      importedFrom: { folder: options.label ?? dir, sourceRun: sourceRunId, weightsSha256 },
    };
    await projects.writeRun(projectId, run);
    return { projectId, run, sourceRunId };
  } catch (error) {
    await rm(runDir, { recursive: true, force: true });
    throw error;
  }
}
