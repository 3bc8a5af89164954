import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { suggestTask, taskShape } from '../../app/dataset/task';
import { Task, type TaskSpec } from '../../app/dataset/schema';
import { ModelGraph } from '../../app/graph/schema';
import { fitGraphToData, templateGraph, TEMPLATES, type TemplateName } from '../../app/graph/templates';
import { formatZodError, UserError } from '../../app/ipc/errors';
import type { EpochLogs, RunSummary } from '../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG, TrainConfig } from '../../app/training/config';
import { importCsvFile, writeJsonAtomic } from '../data';
import { readPreparedData } from '../services/runs';
import { createServices } from '../services/create-services';
import { UsageError } from './cli-error';

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
} as const;

function numberFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, not "${value}".`);
  return n;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '   -   ' : v.toPrecision(4).padStart(7));

export function formatEpoch(logs: EpochLogs, epochs: number): string {
  const metric = logs.accuracy !== undefined ? 'accuracy' : 'mae';
  const m = metric === 'accuracy' ? [logs.accuracy, logs.val_accuracy] : [logs.mae, logs.val_mae];
  return `epoch ${String(logs.epoch + 1).padStart(String(epochs).length)}/${epochs}  loss ${fmt(logs.loss)}  val_loss ${fmt(logs.val_loss)}  ${metric} ${fmt(m[0])}  val_${metric} ${fmt(m[1])}`;
}

/**
 * `layerlab train`: the same services the app uses (import, prepare, engine process, export
 * with its parity check), on a throwaway workspace, writing only the results to --out.
 */
export async function trainCommand(args: string[], out: (line: string) => void): Promise<number> {
  let values: Partial<Record<keyof typeof FLAGS, string>>;
  try {
    ({ values } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  if (!values.data) throw new UsageError('--data FILE.csv is required.');
  if (!values.target) throw new UsageError('--target COLUMN is required.');
  if (!values.out) throw new UsageError('--out DIR is required.');
  if (values.graph && values.template) throw new UsageError('Give --graph or --template, not both.');
  const template = (values.template ?? 'mlp') as TemplateName;
  if (!TEMPLATES.includes(template)) throw new UsageError(`--template must be one of ${TEMPLATES.join(', ')}, not "${values.template}".`);
  let task: Task | undefined;
  if (values.task !== undefined) {
    const parsed = Task.safeParse(values.task);
    if (!parsed.success) throw new UsageError(`--task must be classification or regression, not "${values.task}".`);
    task = parsed.data;
  }
  const configInput = {
    epochs: numberFlag('epochs', values.epochs, DEFAULT_TRAIN_CONFIG.epochs),
    batchSize: numberFlag('batch-size', values['batch-size'], DEFAULT_TRAIN_CONFIG.batchSize),
    optimizer: values.optimizer ?? DEFAULT_TRAIN_CONFIG.optimizer,
    learningRate: numberFlag('learning-rate', values['learning-rate'], DEFAULT_TRAIN_CONFIG.learningRate),
    validationSplit: numberFlag('validation-split', values['validation-split'], DEFAULT_TRAIN_CONFIG.validationSplit),
    seed: numberFlag('seed', values.seed, DEFAULT_TRAIN_CONFIG.seed),
  };
  const config = TrainConfig.safeParse(configInput);
  if (!config.success) {
    const flag = (field: string) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const issue = config.error.issues[0]!;
    throw new UsageError(`${flag(String(issue.path[0]))}: ${issue.message}${issue.code === 'invalid_value' ? ` (got "${values.optimizer}")` : ''}.`);
  }
  const outDir = path.resolve(values.out);
  const dataFile = path.resolve(values.data);
  const userGraph = values.graph ? await readGraphFile(path.resolve(values.graph)) : null;

  const workspace = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cli-'));
  const services = createServices({ workspace, mode: 'host' });
  const stopOnSignal = () => {
    const active = services.runs.activeRun;
    if (active) {
      out('Cancelling at the end of this batch...');
      services.runs.cancel(active.projectId, active.runId);
    }
  };
  process.on('SIGINT', stopOnSignal);
  try {
    const project = await services.projects.create('cli');
    const meta = await importCsvFile({ path: dataFile, datasetsDir: services.projects.datasetsDir(project.id) });
    await services.projects.save(project.id, { datasetId: meta.id });
    const column = meta.columns.find((c) => c.name === values.target);
    if (!column) throw new UserError(`${path.basename(dataFile)} has no column "${values.target}". Columns: ${meta.columns.map((c) => c.name).join(', ')}.`);
    const taskSpec: TaskSpec = { target: column.name, task: task ?? suggestTask(column) };
    const shape = taskShape(meta, taskSpec);
    const graph = userGraph ? fitGraphToData(userGraph, shape.inputWidth, shape.head) : templateGraph(template, shape.inputWidth, shape.head);
    await mkdir(outDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`Cannot create the output folder ${outDir}: ${error.code === 'EACCES' ? 'permission denied' : (error.code ?? error.message)}.`);
    });

    const backend = await services.engine.start();
    out(`Layerlab: ${meta.rows} rows from ${path.basename(dataFile)}; ${taskSpec.task} of "${taskSpec.target}"${shape.labels ? ` (${shape.labels.length} classes)` : ''}; ${shape.inputWidth} inputs; backend ${backend.name}.`);
    services.bus.subscribe((event, payload) => {
      if (event === 'run.epoch') out(formatEpoch((payload as { logs: EpochLogs }).logs, config.data.epochs));
    });
    const started = await services.runs.start({ projectId: project.id, taskSpec, graph, trainConfig: config.data });
    const run = await services.runs.whenDone(started.id);
    if (run.status === 'failed') throw new UserError(`Training failed: ${run.error ?? 'unknown reason'}`);
    if (!run.hasModel) throw new UserError('Training was cancelled before the first batch; nothing to write.');

    const runDir = services.projects.runDir(project.id, run.id);
    const exported = await services.engine.exportModel({ modelDir: path.join(runDir, 'model'), data: await readPreparedData(runDir), outDir });
    await writeJsonAtomic(path.join(outDir, 'metrics.json'), metricsJson(run, shape.labels, exported.maxAbsDiff, exported.rowsCompared));
    out(`Wrote ${outDir}: ${[...exported.files.map((f) => path.basename(f)), 'metrics.json'].join(', ')}.`);
    out(`Export verified: reloaded with tf.loadLayersModel, max difference ${exported.maxAbsDiff.toExponential(1)} over ${exported.rowsCompared} validation rows.`);
    return run.status === 'cancelled' ? 130 : 0;
  } finally {
    process.off('SIGINT', stopOnSignal);
    await services.dispose();
    await rm(workspace, { recursive: true, force: true });
  }
}

async function readGraphFile(file: string): Promise<ModelGraph> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `Graph file ${file} does not exist.` : `Graph file ${file} is not valid JSON.`);
  }
  // A project.json holds the graph under "graph"; accept either.
  const candidate = raw !== null && typeof raw === 'object' && 'graph' in raw && !('nodes' in raw) ? (raw as { graph: unknown }).graph : raw;
  const parsed = ModelGraph.safeParse(candidate);
  if (!parsed.success) throw new UserError(formatZodError(parsed.error, `Graph file ${file}`));
  return parsed.data;
}

function metricsJson(run: RunSummary, labels: string[] | null, maxAbsDiff: number, rowsCompared: number) {
  const final = run.epochs.at(-1) ?? null;
  return {
    backend: run.backend?.name ?? null,
    backend_skipped: run.backend?.skipped ?? [],
    task: run.task,
    target: run.taskSpec.target,
    labels,
    status: run.status,
    config: run.trainConfig,
    epochs: run.epochs,
    final: final && Object.fromEntries(Object.entries(final).filter(([k]) => k !== 'epoch')),
    export: { format: 'tfjs-layers', max_abs_diff: maxAbsDiff, rows_compared: rowsCompared },
  };
}
