import { existsSync } from 'node:fs';
import { cp, mkdtemp, mkdir, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { parityRowsText } from '../../app/engine/parity';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { accelerationsNote, backendDescription } from '../../app/engine/accelerations-note';
import { Task, type TaskSpec } from '../../app/dataset/schema';
import { DEFAULT_WINDOW_SPEC, Differencing, WindowSpec, type ForecastReport } from '../../app/dataset/windows';
import { analyzeGraph } from '../../app/graph/analyze';
import { headBaselines } from '../services/baseline';
import { ModelGraph } from '../../app/graph/schema';
import { readWeightsFile } from '../engine/shared/import/weights-file';
import { nodesWithStaleWeights } from '../engine/shared/import/weights-fit';
import { TEMPLATES, type TemplateName } from '../../app/graph/templates';
import { requireSetup, resolveSetup, taskSpecFor } from '../../app/setup/setup';
import { diagnoseRun } from '../../app/diagnostics/from-run';
import { formatZodError, UserError } from '../../app/ipc/errors';
import type { EpochLogs, RunSummary } from '../../app/project/schema';
import { describeKept, keptEpoch, type KeptEpoch } from '../../app/project/kept-epoch';
import {
  DEFAULT_TRAIN_CONFIG,
  LOSSES,
  METRICS,
  MONITORS,
  TrainConfig,
  type LrSchedule,
  type MetricName,
} from '../../app/training/config';
import { importCsvFile, writeJsonAtomic } from '../data';
import { cardContextFor } from '../services/export-run';
import { LR_TEST_PHASE, readPreparedData } from '../services/runs';
import type { ExportResult, PreparedData } from '../../app/engine/protocol';
import { createServices } from '../services/create-services';
import { evaluateRun } from '../services/evaluate-run';
import { SPLIT_FLAGS, splitSpecFrom, testFinal } from './split-flags';
import { UsageError } from './cli-error';
import { CSV_FLAGS, csvOptionsFrom, progressLine } from './inspect-command';
import { IMAGE_FLAGS, imageDatasetSummary, importImageData, imageOptionsFrom, isImageDataPath } from './image-data';
import { IMAGE_TASK_SPEC } from '../../app/dataset/image-task';
import { learningRateLine, lrFinderMetrics, lrFindReport } from './lr-find-report';
import { MANIFEST_FILE, writeOutManifest } from './reproduce-manifest';
import { progressPrinter } from './progress-line';
import { exportProgressText, phaseProgressText, type PhaseProgress } from '../../app/progress/work-progress';

/** For callers that drive train in-process (layerlab tune): told of every epoch; true stops the run there. */
export interface TrainHooks {
  onEpoch?: (logs: EpochLogs) => boolean | void;
}

const FLAGS = {
  data: { type: 'string' },
  target: { type: 'string' },
  out: { type: 'string' },
  task: { type: 'string' },
  template: { type: 'string' },
  graph: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  optimizer: { type: 'string' },
  'learning-rate': { type: 'string' },
  'validation-split': { type: 'string' },
  seed: { type: 'string' },
  loss: { type: 'string' },
  metrics: { type: 'string' },
  nesterov: { type: 'boolean' },
  'early-stopping-patience': { type: 'string' },
  'early-stopping-min-delta': { type: 'string' },
  'early-stopping-monitor': { type: 'string' },
  'restore-best': { type: 'boolean' },
  'no-restore-best': { type: 'boolean' },
  'no-early-stopping': { type: 'boolean' },
  'lr-schedule': { type: 'string' },
  'lr-step-every': { type: 'string' },
  'lr-factor': { type: 'string' },
  'lr-decay-rate': { type: 'string' },
  'lr-min': { type: 'string' },
  'lr-patience': { type: 'string' },
  'warmup-epochs': { type: 'string' },
  'class-weights': { type: 'string' },
  'clip-norm': { type: 'string' },
  ...SPLIT_FLAGS,
  'time-column': { type: 'string' },
  lookback: { type: 'string' },
  horizon: { type: 'string' },
  differencing: { type: 'string' },
  ...CSV_FLAGS,
  ...IMAGE_FLAGS,
} as const;

function numberFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, not "${value}".`);
  return n;
}

/** A flag that takes a number or "auto" (chosen from the data when the run starts). */
function autoOrNumber(name: string, value: string | undefined, fallback: number | 'auto'): number | 'auto' {
  if (value === undefined) return fallback;
  return value.trim() === 'auto' ? 'auto' : numberFlag(name, value, 0);
}

type FlagValues = { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/** TrainConfig field (or path) → the flag that sets it, for messages. */
const FLAG_OF: Record<string, string> = {
  batchSize: '--batch-size',
  learningRate: '--learning-rate',
  validationSplit: '--validation-split',
  earlyStopping: '--early-stopping-patience',
  'earlyStopping.patience': '--early-stopping-patience',
  'earlyStopping.minDelta': '--early-stopping-min-delta',
  'earlyStopping.monitor': '--early-stopping-monitor',
  lrSchedule: '--lr-schedule',
  'lrSchedule.every': '--lr-step-every',
  'lrSchedule.factor': '--lr-factor',
  'lrSchedule.rate': '--lr-decay-rate',
  'lrSchedule.minLearningRate': '--lr-min',
  'lrSchedule.patience': '--lr-patience',
  warmupEpochs: '--warmup-epochs',
  classWeights: '--class-weights',
  clipNorm: '--clip-norm',
};
const flagOf = (field: string) =>
  FLAG_OF[field] ??
  FLAG_OF[field.replace(/\.\d+$/, '')] ??
  `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const SCHEDULE_FLAGS = ['lr-step-every', 'lr-factor', 'lr-decay-rate', 'lr-min', 'lr-patience'] as const;
type ScheduleFlag = (typeof SCHEDULE_FLAGS)[number];
const SCHEDULE_PARAMS: Record<Exclude<LrSchedule['type'], 'none'>, readonly ScheduleFlag[]> = {
  step: ['lr-step-every', 'lr-factor'],
  exponential: ['lr-decay-rate'],
  cosine: ['lr-min'],
  plateau: ['lr-factor', 'lr-patience', 'lr-min'],
};

/** --lr-schedule and its parameters; Keras' defaults for the ones not given. */
function scheduleFrom(values: FlagValues): LrSchedule | undefined {
  const type = values['lr-schedule'];
  if (type === undefined) {
    const stray = SCHEDULE_FLAGS.find((f) => values[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --lr-schedule.`);
    return undefined;
  }
  if (!Object.hasOwn(SCHEDULE_PARAMS, type))
    throw new UsageError(`--lr-schedule must be one of ${Object.keys(SCHEDULE_PARAMS).join(', ')}, not "${type}".`);
  const kind = type as keyof typeof SCHEDULE_PARAMS;
  const stray = SCHEDULE_FLAGS.find((f) => values[f] !== undefined && !SCHEDULE_PARAMS[kind].includes(f));
  if (stray)
    throw new UsageError(
      `--${stray} does not apply to --lr-schedule ${kind} (it takes ${SCHEDULE_PARAMS[kind].map((f) => `--${f}`).join(', ')}).`,
    );
  const num = (flag: ScheduleFlag, fallback: number) => numberFlag(flag, values[flag], fallback);
  switch (kind) {
    case 'step':
      return { type: 'step', every: num('lr-step-every', 10), factor: num('lr-factor', 0.5) };
    case 'exponential':
      return { type: 'exponential', rate: num('lr-decay-rate', 0.95) };
    case 'cosine':
      return { type: 'cosine', minLearningRate: num('lr-min', 0) };
    case 'plateau':
      return {
        type: 'plateau',
        factor: num('lr-factor', 0.1),
        patience: num('lr-patience', 10),
        minDelta: 0,
        minLearningRate: num('lr-min', 0),
      };
  }
}

function listFlag<T extends string>(name: string, value: string, allowed: readonly T[]): T[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items)
    if (!allowed.includes(item as T)) throw new UsageError(`--${name}: "${item}" is not one of ${allowed.join(', ')}.`);
  return items as T[];
}

function classWeightsFlag(value: string): 'balanced' | number[] {
  if (value === 'balanced') return 'balanced';
  return value.split(',').map((w) => {
    const n = Number(w);
    if (w.trim() === '' || !Number.isFinite(n))
      throw new UsageError(
        `--class-weights must be "balanced" or numbers separated by commas (one per class, in label order), not "${value}".`,
      );
    return n;
  });
}

/** Every training flag → a TrainConfig input (TrainConfig.safeParse validates it). */
function configInputFrom(values: FlagValues): Record<string, unknown> {
  const patience = values['early-stopping-patience'];
  if (values['no-early-stopping']) {
    const stray = (
      [
        'early-stopping-patience',
        'early-stopping-min-delta',
        'early-stopping-monitor',
        'restore-best',
        'no-restore-best',
      ] as const
    ).find((f) => values[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} and --no-early-stopping contradict each other.`);
  } else if (patience === undefined) {
    const stray = (
      ['early-stopping-min-delta', 'early-stopping-monitor', 'restore-best', 'no-restore-best'] as const
    ).find((f) => values[f] !== undefined);
    if (stray)
      throw new UsageError(
        `--${stray} needs --early-stopping-patience N (without it, early stopping is chosen for the data: val_loss, best weights restored).`,
      );
  }
  if (values['restore-best'] && values['no-restore-best'])
    throw new UsageError('--restore-best and --no-restore-best contradict each other.');
  const monitor = values['early-stopping-monitor'];
  if (monitor !== undefined && !(MONITORS as readonly string[]).includes(monitor))
    throw new UsageError(`--early-stopping-monitor must be one of ${MONITORS.join(', ')}, not "${monitor}".`);
  if (values.loss !== undefined && !(LOSSES as readonly string[]).includes(values.loss))
    throw new UsageError(`--loss must be one of ${LOSSES.join(', ')}, not "${values.loss}".`);
  const input: Record<string, unknown> = {
    epochs: autoOrNumber('epochs', values.epochs, DEFAULT_TRAIN_CONFIG.epochs),
    batchSize: autoOrNumber('batch-size', values['batch-size'], DEFAULT_TRAIN_CONFIG.batchSize),
    optimizer: values.optimizer ?? DEFAULT_TRAIN_CONFIG.optimizer,
    learningRate:
      values['learning-rate'] === undefined
        ? DEFAULT_TRAIN_CONFIG.learningRate
        : values['learning-rate'].trim() === 'auto'
          ? 'auto'
          : numberFlag('learning-rate', values['learning-rate'], 0),
    validationSplit: numberFlag('validation-split', values['validation-split'], DEFAULT_TRAIN_CONFIG.validationSplit),
    seed: numberFlag('seed', values.seed, DEFAULT_TRAIN_CONFIG.seed),
  };
  if (values.loss !== undefined) input['loss'] = values.loss;
  if (values.metrics !== undefined) input['metrics'] = listFlag<MetricName>('metrics', values.metrics, METRICS);
  if (values.nesterov !== undefined) input['nesterov'] = values.nesterov;
  if (patience !== undefined) {
    input['earlyStopping'] = {
      monitor: monitor ?? 'val_loss',
      patience: numberFlag('early-stopping-patience', patience, 0),
      minDelta: numberFlag('early-stopping-min-delta', values['early-stopping-min-delta'], 0),
      restoreBestWeights: !values['no-restore-best'],
    };
  }
  // Without --early-stopping-patience it is left out: on, chosen for the data (auto-settings.ts).
  if (values['no-early-stopping']) input['earlyStopping'] = null;
  const schedule = scheduleFrom(values);
  if (schedule) input['lrSchedule'] = schedule;
  if (values['warmup-epochs'] !== undefined)
    input['warmupEpochs'] = numberFlag('warmup-epochs', values['warmup-epochs'], 0);
  if (values['class-weights'] !== undefined) input['classWeights'] = classWeightsFlag(values['class-weights']);
  if (values['clip-norm'] !== undefined) input['clipNorm'] = numberFlag('clip-norm', values['clip-norm'], 0);
  return input;
}

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined ? '   -   ' : v.toPrecision(4).padStart(7);

export function formatEpoch(logs: EpochLogs, epochs: number): string {
  const record = logs as Record<string, number | null | undefined>;
  const shown = METRICS.filter((m) => record[m] !== undefined || record[`val_${m}`] !== undefined);
  // Several heads: each head's loss and metrics under its Output's name ("out_price_mae").
  const known = new Set<string>(['epoch', 'loss', 'val_loss', 'lr', ...METRICS, ...METRICS.map((m) => `val_${m}`)]);
  const perHead = Object.keys(record).filter((k) => !known.has(k) && !k.startsWith('val_'));
  const metrics = [...shown, ...perHead]
    .map((m) => `  ${m} ${fmt(record[m])}  val_${m} ${fmt(record[`val_${m}`])}`)
    .join('');
  const lr = logs.lr !== undefined && logs.lr !== null ? `  lr ${logs.lr.toPrecision(3)}` : '';
  return `epoch ${String(logs.epoch + 1).padStart(String(epochs).length)}/${epochs}  loss ${fmt(logs.loss)}  val_loss ${fmt(logs.val_loss)}${metrics}${lr}`;
}

/**
 * `layerlab train`: the same services the app uses (import, prepare, engine process, export
 * with its parity check), on a throwaway workspace, writing only the results to --out.
 */
export async function trainCommand(
  args: string[],
  out: (line: string) => void,
  mode: 'train' | 'lr-find' = 'train',
  hooks: TrainHooks = {},
): Promise<number> {
  let values: FlagValues;
  try {
    ({ values } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  if (!values.data) throw new UsageError('--data FILE.csv is required.');
  // A folder whose subfolders are the classes (or a .zip of one) trains an image classifier.
  const imageOptions = imageOptionsFrom(values, values.data, await isImageDataPath(path.resolve(values.data)));
  if (imageOptions && values.target)
    throw new UsageError(
      `--target does not apply to an image folder: each subfolder of ${path.basename(values.data)} is a class.`,
    );
  if (imageOptions && values.task !== undefined && values.task !== 'classification')
    throw new UsageError(`--task: an image folder is classified by its subfolders; ${values.task} does not apply.`);
  // lr-find: the same setup, then the LR range test alone (lr-find-command.ts); nothing is written.
  if (!values.out && mode === 'train') throw new UsageError('--out DIR is required.');
  if (values.graph && values.template) throw new UsageError('Give --graph or --template, not both.');
  const template = values.template as TemplateName | undefined;
  if (template !== undefined && !TEMPLATES.includes(template))
    throw new UsageError(`--template must be one of ${TEMPLATES.join(', ')}, not "${values.template}".`);
  let task: Task | undefined;
  if (values.task !== undefined) {
    const parsed = Task.safeParse(values.task);
    if (!parsed.success) throw new UsageError(`--task must be classification or regression, not "${values.task}".`);
    task = parsed.data;
  }
  const windowSpec = windowSpecFrom(values, task);
  const config = TrainConfig.safeParse(configInputFrom(values));
  if (!config.success) {
    const issue = config.error.issues[0]!;
    const field = issue.path.join('.');
    throw new UsageError(
      `${flagOf(field)}: ${issue.message}${issue.code === 'invalid_value' && field === 'optimizer' ? ` (got "${values.optimizer}")` : ''}.`,
    );
  }
  // Usage errors before any work; the split is seeded with --seed like the rest of the run.
  const splitSpec = splitSpecFrom(values, config.data.seed);
  const outDir = path.resolve(values.out ?? '.');
  const dataFile = path.resolve(values.data);
  const csvOptions = csvOptionsFrom(values);
  const userGraph = values.graph ? await readGraphFile(path.resolve(values.graph)) : null;
  // A graph whose every head names its target needs no --target: the first head's is the task's.
  const outputs = userGraph?.nodes.filter((n) => n.type === 'Output') ?? [];
  const headTargets =
    outputs.length > 0 && outputs.every((n) => n.type === 'Output' && n.config.target !== undefined)
      ? outputs.map((n) => (n.type === 'Output' ? n.config.target! : ''))
      : null;
  const target = values.target ?? (imageOptions ? undefined : headTargets?.[0]);
  if (!target && !imageOptions)
    throw new UsageError(
      `--target COLUMN is required${userGraph ? ' (or give every Output of the graph a target)' : ''}.`,
    );
  // An imported graph names its weights file, relative to the graph file.
  const initialWeights =
    values.graph && userGraph?.weights
      ? path.resolve(path.dirname(path.resolve(values.graph)), userGraph.weights)
      : undefined;

  const workspace = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cli-'));
  const services = createServices({ workspace, mode: 'host' });
  // Ctrl-C while the data is read stops the import (it leaves nothing behind), then the run, then
  // the export (between its steps; its staged files are removed).
  const importing = new AbortController();
  let imported = false;
  const exporting = new AbortController();
  let exportStarted = false;
  // The run's data being prepared (a large table takes a while): Ctrl-C stops it, leaving no run.
  const preparing = new AbortController();
  let preparingNow = false;
  let between = false;
  const stopOnSignal = () => {
    if (!imported && !importing.signal.aborted) {
      out('Cancelling the import...');
      importing.abort();
      return;
    }
    if (preparingNow) {
      if (!preparing.signal.aborted) out('Cancelling the preparation of the data...');
      preparing.abort();
      return;
    }
    const active = services.runs.activeRun;
    if (active) {
      out('Cancelling at the end of this batch...');
      services.runs.cancel(active.projectId, active.runId);
      return;
    }
    if (exportStarted) {
      if (!exporting.signal.aborted) out('Cancelling the export after its current step...');
      exporting.abort();
      return;
    }
    // Between the steps (the engine starting, the run being set up or just ended): stop at the next one.
    if (!between) out('Stopping before the next step...');
    between = true;
  };
  process.on('SIGINT', stopOnSignal);
  // The engine process starts now, while the data is imported (it loads TensorFlow.js on the other
  // core); a failure to start is reported where it is awaited, below.
  const engineStarted = services.engine.start();
  engineStarted.catch(() => undefined);
  try {
    const project = await services.projects.create('cli');
    let images: Awaited<ReturnType<typeof importImageData>> | null = null;
    let meta: Awaited<ReturnType<typeof importCsvFile>> | null = null;
    try {
      images = imageOptions
        ? await importImageData(
            dataFile,
            services.projects.datasetsDir(project.id),
            imageOptions,
            out,
            importing.signal,
          )
        : null;
      meta = images
        ? null
        : await importCsvFile({
            path: dataFile,
            datasetsDir: services.projects.datasetsDir(project.id),
            options: csvOptions,
            onProgress: progressLine(path.basename(dataFile)),
            signal: importing.signal,
          });
    } catch (error) {
      if (!importing.signal.aborted) throw error;
    }
    // Ctrl-C that came as the import was finishing cancels too: the workspace goes below, with the dataset.
    if (importing.signal.aborted) {
      out(`Import of ${path.basename(dataFile)} cancelled; nothing was trained.`);
      return 130;
    }
    imported = true;
    await services.projects.save(project.id, { datasetId: (images ?? meta)!.id });
    let taskSpec: TaskSpec = IMAGE_TASK_SPEC;
    if (!images) {
      // A forecast is a regression; the setup names the problem if the columns cannot make one.
      const chosen = taskSpecFor(meta!, {
        target: target!,
        ...(task ? { task } : {}),
        ...(windowSpec ? { timeSeries: windowSpec } : {}),
        ...(splitSpec ? { split: splitSpec } : {}),
      });
      if ('issue' in chosen) throw new UserError(chosen.issue.message);
      taskSpec = chosen.spec;
    }
    // The app's one setup (app/setup): without --template, the template made for this kind of data (a table: mlp);
    // a --graph is resized to the data, and bound to its columns when it has several Inputs or heads.
    const setup = resolveSetup({
      data: images ? { kind: 'images', meta: images } : { kind: 'table', meta: meta! },
      taskSpec,
      model: userGraph ? { graph: userGraph, fit: 'resize' } : template ? { template } : {},
      trainConfig: config.data,
    });
    const issue = setup.issues[0];
    if (issue?.field === 'trainConfig')
      throw new UsageError(`${flagOf(issue.path)}: ${issue.message.replace(/^[\w.]+: /, '')}`);
    if (issue?.field === 'graph' && issue.path === 'binding')
      throw new UserError(`${path.basename(values.graph!)} does not fit ${path.basename(dataFile)}: ${issue.message}`);
    const { shape, binding, graph } = requireSetup(setup);
    // A folder made here and left empty by a cancelled export is removed again.
    const outExisted = existsSync(outDir);
    if (mode === 'train')
      await mkdir(outDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
        throw new UserError(
          `Cannot create the output folder ${outDir}: ${error.code === 'EACCES' ? 'permission denied' : (error.code ?? error.message)}.`,
        );
      });

    const backend = await engineStarted;
    const what = binding
      ? `${binding.inputs.map((i) => `Input "${i.node}" (${i.columns.length} columns, ${i.width} values)`).join(', ')} → ${binding.heads.map((h) => `${h.task} of "${h.target}"${h.labels ? ` (${h.labels.length} classes)` : ''}`).join(', ')}`
      : `${taskSpec.task} of "${taskSpec.target}"${shape.labels ? ` (${shape.labels.length} classes)` : ''}; ${shape.inputWidth} inputs`;
    out(
      `Layerlab: ${images ? `${images.count} images` : `${meta!.rows} rows`} from ${path.basename(dataFile)}; ${what}; backend ${backendDescription(backend)}.`,
    );
    const accelerations = accelerationsNote(backend);
    if (accelerations) out(accelerations);
    let recoveriesSeen = 0;
    // The epochs the run plans (chosen from the data when 'auto'), known once it has started.
    let plannedEpochs = typeof config.data.epochs === 'number' ? config.data.epochs : 0;
    let lrPrinted = false;
    const lrLine = progressPrinter('Learning rate');
    let stopped = false;
    services.bus.subscribe((event, payload) => {
      if (event === 'run.epoch') {
        const logs = (payload as { logs: EpochLogs }).logs;
        out(formatEpoch(logs, plannedEpochs));
        const active = services.runs.activeRun;
        if (!stopped && active && hooks.onEpoch?.(logs)) {
          stopped = true;
          services.runs.cancel(active.projectId, active.runId);
        }
      }
      // The LR range test's steps (learning rate 'auto'), before the first batch.
      if (event === 'run.prepareProgress' && (payload as PhaseProgress).phase === LR_TEST_PHASE) {
        const p = payload as PhaseProgress;
        lrLine.update(p, phaseProgressText(p));
      }
      if (event === 'run.updated') {
        const found = (payload as { run: RunSummary }).run.lrFinder;
        if (found && !lrPrinted) {
          lrLine.end();
          out(learningRateLine(found));
        }
        lrPrinted ||= found !== undefined;
        const recoveries = (payload as { run: RunSummary }).run.recoveries ?? [];
        for (const r of recoveries.slice(recoveriesSeen))
          out(
            `The engine stopped unexpectedly (${r.reason.replace(/^The training engine stopped unexpectedly \(([^)]*)\).*$/s, '$1')}); a fresh engine resumes from epoch ${r.fromEpoch + 1}.`,
          );
        recoveriesSeen = recoveries.length;
      }
    });
    if (initialWeights) {
      const weights = await readWeightsFile(initialWeights).catch((error: Error) => {
        throw new UserError(error.message);
      });
      const stale = nodesWithStaleWeights(analyzeGraph(graph), weights);
      const frozen = graph.nodes.filter((n) => n.trainable === false).length;
      out(
        `Starting from the imported weights of ${weights.size - stale.length} layers${frozen ? `; ${frozen} frozen layers stay as they are` : ''}.`,
      );
      if (stale.length) out(`No longer the imported size, so trained from fresh weights: ${stale.join(', ')}.`);
    }
    if (between) {
      out('Stopped before training; nothing was trained.');
      return 130;
    }
    // Each phase of the preparation on stderr, in the app's words (run.prepareProgress).
    const prepareLine = progressPrinter(`Preparing ${path.basename(dataFile)}`);
    const stopListening = services.bus.subscribe((event, payload) => {
      if (event === 'run.prepareProgress' && (payload as PhaseProgress).phase !== LR_TEST_PHASE) {
        const p = payload as PhaseProgress;
        prepareLine.update(p, phaseProgressText(p));
      }
    });
    let started: RunSummary;
    preparingNow = true;
    try {
      started = await services.runs.start({
        projectId: project.id,
        taskSpec,
        graph,
        trainConfig: config.data,
        ...(initialWeights ? { initialWeights } : {}),
        ...(imageOptions ? { augmentation: imageOptions.augmentation } : {}),
        ...(mode === 'lr-find' ? { lrFinderOnly: true } : {}),
        dataSource: { path: dataFile, folder: images !== null },
        signal: preparing.signal,
      });
    } catch (error) {
      if (!preparing.signal.aborted) throw error;
      if (mode === 'train' && !outExisted) await rmdir(outDir).catch(() => undefined);
      out('Stopped while preparing the data; nothing was trained.');
      return 130;
    } finally {
      preparingNow = false;
      prepareLine.end();
      stopListening();
    }
    plannedEpochs = started.trainConfig.epochs;
    const chosen = autoSettingsLine(started);
    if (chosen) out(chosen);
    const run = await services.runs.whenDone(started.id);
    if (mode === 'lr-find') return lrFindReport(run, out);
    if (run.status === 'failed') throw new UserError(`Training failed: ${run.error ?? 'unknown reason'}`);
    if (!run.hasModel) throw new UserError('Training was cancelled before the first batch; nothing to write.');

    if (run.earlyStopped) {
      const es = run.earlyStopped;
      out(
        `Early stopping: ${es.monitor} stopped improving; stopped after epoch ${es.stoppedAt + 1}${es.bestEpoch !== null ? `, best epoch ${es.bestEpoch + 1}${es.restored ? ' (its weights were kept)' : ''}` : ''}.`,
      );
    }
    const kept = keptEpoch(run);
    if (kept) out(resultLine(run, kept));
    const runDir = services.projects.runDir(project.id, run.id);
    const prepared = await readPreparedData(runDir);
    if ((prepared.inputs?.length ?? 1) > 1 || (prepared.heads?.length ?? 1) > 1) {
      const code = await writeMultiHeadResults(run, runDir, prepared, outDir, out);
      await writeOutManifest(runDir, outDir, args);
      return code;
    }
    // MODEL_CARD.md gets the run's settings, history and verdicts, as an export from the app does.
    const card = cardContextFor(
      run,
      `layerlab train on ${path.basename(dataFile)}`,
      meta ? { name: meta.name, rows: meta.rows } : null,
    );
    const exportLine = progressPrinter(`Exporting to ${path.basename(outDir)}`);
    exportStarted = true;
    if (between) exporting.abort();
    let exported: ExportResult;
    try {
      exported = await services.engine.exportModel(
        { modelDir: path.join(runDir, 'model'), data: prepared, outDir, card },
        { signal: exporting.signal, onProgress: (p) => exportLine.update(p, exportProgressText(p)) },
      );
    } catch (error) {
      if (!exporting.signal.aborted) throw error;
      if (!outExisted) await rmdir(outDir).catch(() => undefined);
      out(`Export cancelled; nothing was written to ${outDir}.`);
      return 130;
    } finally {
      exportLine.end();
    }
    // RunManager scored the forecaster in the target's units when the run ended.
    const forecast = run.forecast ?? null;
    // The test split is scored only when asked for (--evaluate-test): once, after training, and kept with the run.
    const scored = values['evaluate-test']
      ? (await evaluateRun(services, project.id, run.id, 'test'), await services.projects.readRun(project.id, run.id))
      : run;
    if (scored.testScore)
      out(
        `Test split (${scored.testScore.rows} rows, held out of training): loss ${scored.testScore.loss?.toPrecision(4) ?? '-'}${scored.testScore.accuracy !== undefined ? `, accuracy ${scored.testScore.accuracy.toPrecision(4)}` : ''}${scored.testScore.mae !== undefined ? `, MAE ${scored.testScore.mae.toPrecision(4)}` : ''}.`,
      );
    const metrics = metricsJson(scored, shape.labels, exported, forecast);
    await writeJsonAtomic(
      path.join(outDir, 'metrics.json'),
      images && imageOptions ? { ...metrics, images: imageDatasetSummary(images, imageOptions.augmentation) } : metrics,
    );
    // Every setting the run used, defaults filled in: enough to train it again.
    await writeJsonAtomic(path.join(outDir, 'config.json'), run.trainConfig);
    // manifest.json: the run's, with the arguments that trained it (layerlab reproduce OUT reruns them).
    await writeOutManifest(runDir, outDir, args);
    out(
      `Wrote ${outDir}: ${[...exported.files.map((f) => path.basename(f)), 'metrics.json', 'config.json', MANIFEST_FILE].join(', ')}.`,
    );
    out(
      `Export verified: reloaded with plain tf.loadLayersModel in a fresh process, max difference ${exported.maxAbsDiff.toExponential(1)} over ${parityRowsText(exported.rowsCompared, exported.rowsAvailable)}.`,
    );
    if (forecast) {
      const verdict = forecast.model_val_mae < forecast.baseline_val_mae ? 'beats' : 'does not beat';
      out(
        `Forecast ${forecast.horizon} step(s) ahead on ${forecast.val_windows} validation windows: MAE ${forecast.model_val_mae.toPrecision(4)} ${verdict} the naive last value's ${forecast.baseline_val_mae.toPrecision(4)} ("${taskSpec.target}" units).`,
      );
    }
    return run.status === 'cancelled' ? 130 : 0;
  } finally {
    process.off('SIGINT', stopOnSignal);
    await services.dispose();
    await rm(workspace, { recursive: true, force: true });
  }
}

/**
 * A run with several Inputs or heads: the export (and its parity check) reads one x and one
 * target so far, so --out gets the trained TF.js model as the run saved it, with metrics.json
 * (each head's naive baseline beside its scores) and config.json.
 */
async function writeMultiHeadResults(
  run: RunSummary,
  runDir: string,
  data: PreparedData,
  outDir: string,
  out: (line: string) => void,
): Promise<number> {
  const modelDir = path.join(runDir, 'model');
  const files = await readdir(modelDir);
  for (const file of files) await cp(path.join(modelDir, file), path.join(outDir, file), { recursive: true });
  const baselines = await headBaselines(data);
  const kept = keptEpoch(run);
  const final = kept?.logs ?? null;
  const baselineFinal: Record<string, number> = {};
  for (const [node, b] of Object.entries(baselines)) {
    if (!b) continue;
    baselineFinal[`baseline_${node}_val_loss`] = b.val_loss;
    if (b.val_accuracy !== undefined) baselineFinal[`baseline_${node}_val_accuracy`] = b.val_accuracy;
    if (b.val_mae !== undefined) baselineFinal[`baseline_${node}_val_mae`] = b.val_mae;
  }
  const metrics = {
    backend: run.backend?.name ?? null,
    backend_skipped: run.backend?.skipped ?? [],
    // wasm: the engine threads it ran on (LAYERLAB_WASM_THREADS; one by default).
    backend_threads: run.backend?.threads ?? null,
    backend_accelerations: run.backend?.accelerations ?? null,
    inputs: (data.inputs ?? []).map((i) => ({ node: i.node, values: i.indices.length })),
    heads: (data.heads ?? []).map((h) => ({ node: h.node, target: h.target, task: h.task, labels: h.labels ?? null })),
    status: run.status,
    config: run.trainConfig,
    epochs: run.epochs,
    early_stopped: run.earlyStopped ?? null,
    epochs_run: run.epochs.length,
    kept_epoch: kept?.epoch ?? null,
    recoveries: run.recoveries ?? [],
    ...lrFinderMetrics(run),
    final: final && { ...Object.fromEntries(Object.entries(final).filter(([k]) => k !== 'epoch')), ...baselineFinal },
    export: null,
  };
  await writeJsonAtomic(path.join(outDir, 'metrics.json'), metrics);
  await writeJsonAtomic(path.join(outDir, 'config.json'), run.trainConfig);
  out(`Wrote ${outDir}: ${[...files, 'metrics.json', 'config.json'].join(', ')}.`);
  for (const head of data.heads ?? []) {
    const b = baselines[head.node];
    const metric = head.task === 'regression' ? 'mae' : 'accuracy';
    const value = final?.[`val_${head.node}_${metric}`];
    const base = b?.[metric === 'mae' ? 'val_mae' : 'val_accuracy'];
    out(
      `Head "${head.node}" (${head.task} of "${head.target}"): val_${metric} ${value?.toPrecision(4) ?? '-'}, naive baseline ${base?.toPrecision(4) ?? '-'}.`,
    );
  }
  out(
    `Not exported: this run has ${data.inputs?.length ?? 1} inputs and ${data.heads?.length ?? 1} output heads, and export supports single-input, single-head models so far; model.json is the trained TF.js model.`,
  );
  return run.status === 'cancelled' ? 130 : 0;
}

async function readGraphFile(file: string): Promise<ModelGraph> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `Graph file ${file} does not exist.` : `Graph file ${file} is not valid JSON.`,
    );
  }
  // A project.json holds the graph under "graph"; accept either.
  const candidate =
    raw !== null && typeof raw === 'object' && 'graph' in raw && !('nodes' in raw)
      ? (raw as { graph: unknown }).graph
      : raw;
  const parsed = ModelGraph.safeParse(candidate);
  if (!parsed.success) throw new UserError(formatZodError(parsed.error, `Graph file ${file}`));
  return parsed.data;
}

function metricsJson(
  run: RunSummary,
  labels: string[] | null,
  exported: Pick<ExportResult, 'maxAbsDiff' | 'rowsCompared' | 'rowsAvailable'>,
  forecast: ForecastReport | null = null,
) {
  // The model's scores: the kept epoch's (early stopping's restored best, else the last).
  const kept = keptEpoch(run);
  const final = kept?.logs ?? null;
  return {
    backend: run.backend?.name ?? null,
    backend_skipped: run.backend?.skipped ?? [],
    // wasm: the engine threads it ran on (LAYERLAB_WASM_THREADS; one by default).
    backend_threads: run.backend?.threads ?? null,
    backend_accelerations: run.backend?.accelerations ?? null,
    task: run.task,
    target: run.taskSpec.target,
    labels,
    status: run.status,
    config: run.trainConfig,
    epochs: run.epochs,
    early_stopped: run.earlyStopped ?? null,
    epochs_run: run.epochs.length,
    // 0-based, like epochs[].epoch: the epoch whose weights the model holds and whose scores are in final.
    kept_epoch: kept?.epoch ?? null,
    ...(run.autoSettings ? { auto_settings: run.autoSettings } : {}),
    recoveries: run.recoveries ?? [],
    // learningRate 'auto': config.learningRate is the rate the LR range test found.
    ...lrFinderMetrics(run),
    // A forecaster's val_mae and baseline_val_mae are both in the target's own units (differencing
    // undone, see forecast); the MAE of the differenced target the model trained on is val_mae_differenced.
    final: final && {
      ...Object.fromEntries(Object.entries(final).filter(([k]) => k !== 'epoch')),
      ...baselineFinal(run),
      ...(forecast
        ? {
            val_mae: forecast.model_val_mae,
            val_mae_differenced: final.val_mae ?? null,
            baseline_val_mae: forecast.baseline_val_mae,
          }
        : {}),
      ...testFinal(run),
    },
    ...(forecast ? { forecast } : {}),
    diagnosis: diagnoseRun(run).map(({ kind, severity, title, explanation, evidence, fixes }) => ({
      kind,
      severity,
      title,
      explanation,
      evidence,
      fixes,
    })),
    export: {
      format: 'tfjs-layers',
      max_abs_diff: exported.maxAbsDiff,
      rows_compared: exported.rowsCompared,
      // The parity check's sample is the first rows_compared of this many validation rows.
      rows_available: exported.rowsAvailable ?? exported.rowsCompared,
    },
  };
}

/** The model's own scores (its kept epoch's) beside the naive baseline's, in one line. */
function resultLine(run: RunSummary, kept: KeptEpoch): string {
  const logs = kept.logs as Record<string, number | null | undefined>;
  const metric = run.task === 'classification' ? 'accuracy' : 'mae';
  const value = logs[`val_${metric}`];
  const base = run.baseline?.[metric === 'accuracy' ? 'val_accuracy' : 'val_mae'];
  // A forecaster's scores in the target's units come on the Forecast line (differencing undone).
  const score =
    value == null || run.taskSpec.timeSeries
      ? ''
      : `, val_${metric} ${value.toPrecision(4)}${base != null ? ` (naive baseline ${base.toPrecision(4)})` : ''}`;
  return `Model: ${describeKept(kept)}: val_loss ${logs['val_loss']?.toPrecision(4) ?? '-'}${score}.`;
}

/** What was left to Layerlab and what it chose, in one line (nothing when every setting was given). */
export function autoSettingsLine(run: RunSummary): string | null {
  const auto = run.autoSettings ?? [];
  const c = run.trainConfig;
  const parts: string[] = [];
  if (auto.includes('batchSize')) parts.push(`batch size ${c.batchSize}`);
  if (auto.includes('epochs')) parts.push(`up to ${c.epochs} epochs`);
  if (auto.includes('earlyStopping') && c.earlyStopping)
    parts.push(
      `early stopping on ${c.earlyStopping.monitor} (patience ${c.earlyStopping.patience}, the best epoch's weights kept)`,
    );
  if (parts.length === 0) return null;
  return `Chosen for ${run.taskSpec.timeSeries ? 'these windows' : 'this data'}: ${parts.join(', ')} (--batch-size, --epochs, --early-stopping-patience or --no-early-stopping override).`;
}

/** The naive baseline beside the final scores: baseline_val_loss and baseline_val_accuracy or baseline_val_mae. */
function baselineFinal(run: RunSummary): Record<string, number> {
  const b = run.baseline;
  if (!b) return {};
  return {
    baseline_val_loss: b.val_loss,
    ...(b.val_accuracy !== undefined ? { baseline_val_accuracy: b.val_accuracy } : {}),
    ...(b.val_mae !== undefined ? { baseline_val_mae: b.val_mae } : {}),
  };
}

/** --time-column (with --lookback, --horizon, --differencing): windows for a forecaster; undefined without it. */
function windowSpecFrom(values: FlagValues, task: Task | undefined): WindowSpec | undefined {
  const timeColumn = values['time-column'];
  if (timeColumn === undefined) {
    const stray = (['lookback', 'horizon', 'differencing'] as const).find((f) => values[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --time-column COLUMN (the column rows are ordered by).`);
    return undefined;
  }
  if (task === 'classification')
    throw new UsageError('--time-column trains a forecaster, which is a regression; leave out --task classification.');
  const differencing = Differencing.safeParse(values.differencing ?? DEFAULT_WINDOW_SPEC.differencing);
  if (!differencing.success)
    throw new UsageError(
      `--differencing must be one of ${Differencing.options.join(', ')}, not "${values.differencing}".`,
    );
  const parsed = WindowSpec.safeParse({
    timeColumn,
    lookback: numberFlag('lookback', values.lookback, DEFAULT_WINDOW_SPEC.lookback),
    horizon: numberFlag('horizon', values.horizon, DEFAULT_WINDOW_SPEC.horizon),
    differencing: differencing.data,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `--${String(issue.path[0] ?? 'time-column').replace('timeColumn', 'time-column')}: ${issue.message}.`,
    );
  }
  return parsed.data;
}
