/**
 * Tables bigger than memory: `npm run bench:big` (10,000,000 rows × 21 numbers, ~1.7 GB) or
 * `npm run bench:big -- --quick` (1,000,000 rows, ~166 MB; `--rows N` for any other size).
 *
 * The CSV is generated once into bench/.cache/ (gitignored; bench/numeric-csv.ts, the same bytes
 * as bench:csv for the same rows) and then, each as its own process:
 *   1. pandas' read_csv on it (/usr/bin/python3), the peer: seconds and peak RSS;
 *   2. Layerlab's import into a project (importCsvFile: the columnar store): seconds, peak RSS;
 *   3. prepare (split, statistics, encoding: main/data/prepare.ts) and one training epoch on
 *      defaults (target c20, a regression) with the engine's RSS, then every step after training,
 *      each timed: baseline, diagnosis, evaluation, export (with its parity check,
 *      preprocessing.json, snippets and model card), the model card alone, and the learning curve
 *      (four retrainings on 10/25/50/100% of the training rows; `--skip-curve` leaves it out).
 * `--series` does the same for a time series instead (bench/.cache/series-N.csv: day, price,
 * volume, other; `--shuffle-series` writes it out of time order, blocks of 64 days reversed):
 * windows of 10 days forecasting the price's next change (main/data/prepare-windows.ts), the
 * last-value baseline and the steps after training, without the learning curve.
 * Peak RSS is printed per process (pandas, the import, the main side after prepare and at the
 * end, the engine while training and over everything).
 * Targets (issue 19): import peak RSS ≤ 1 GB at ≥ 1.0× pandas' speed; engine RSS ≤ 1 GB during
 * the epoch; each step after training in seconds whatever the row count.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeNumericCsv } from './numeric-csv';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const GB = 1024 ** 3;
const MB = 1024 ** 2;
const TARGET = 'c20';

/** VmRSS and VmHWM (peak) of a process in bytes, or null once it is gone (Linux). */
function procMemory(pid: number | undefined): { rss: number; peak: number } | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return null;
  }
}

/**
 * Start a new peak (VmHWM) for a process: Linux resets it when "5" is written to its
 * clear_refs, so each step's peak is its own, not the largest so far. False where not allowed.
 */
function resetPeak(pid: number | 'self' | undefined): boolean {
  if (pid === undefined) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Child: import the CSV into a new project of the workspace; its figures as JSON. */
async function importChild(file: string, workspace: string): Promise<void> {
  const { createServices } = await import('../main/services/create-services');
  const { importCsvFile } = await import('../main/data');
  const services = createServices({ workspace, mode: 'host' });
  const project = await services.projects.create('bench-big');
  const started = performance.now();
  let shown = 0;
  const meta = await importCsvFile({
    path: file,
    datasetsDir: services.projects.datasetsDir(project.id),
    onProgress: (p) => {
      const now = performance.now();
      if (now - shown < 2000) return;
      shown = now;
      const eta = p.secondsLeft === undefined ? '' : `, ${Math.round(p.secondsLeft)} s left`;
      process.stderr.write(
        `  import ${Math.floor((100 * p.bytesRead) / p.totalBytes)}% (${p.rows.toLocaleString('en')} rows${eta})\n`,
      );
    },
  });
  const seconds = (performance.now() - started) / 1000;
  await services.projects.save(project.id, { datasetId: meta.id });
  await services.dispose();
  process.stdout.write(
    `${JSON.stringify({ projectId: project.id, rows: meta.rows, seconds, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}

/**
 * The time series `--series` imports: a random walk of prices by day, with two more inputs. The
 * days are written 0.5, 1.5, …: a column of unique integers counting up is taken for a row id.
 */
async function writeSeriesCsv(file: string, rows: number, shuffled: boolean): Promise<void> {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(file);
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  out.write('day,price,volume,other\n');
  const BLOCK = 64;
  let price = 100;
  let block: string[] = [];
  let buffer = '';
  const flush = async (force: boolean) => {
    buffer += `${(shuffled ? block.reverse() : block).join('')}`;
    block = [];
    if (force || buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  };
  for (let day = 0; day < rows; day += 1) {
    price = Math.max(1, price + (random() - 0.5));
    block.push(`${day}.5,${price.toFixed(4)},${Math.floor(random() * 1e6)},${(random() * 10).toFixed(3)}\n`);
    if (block.length === BLOCK) await flush(false);
  }
  await flush(true);
  await new Promise<void>((resolve, reject) => out.end(() => resolve()).once('error', reject));
}

/** What a run of the bench trains: the numeric table's c20, or the series' price from 10-day windows. */
const SERIES_TASK = {
  target: 'price',
  task: 'regression' as const,
  timeSeries: { timeColumn: 'day', lookback: 10, horizon: 1, differencing: 'diff' as const },
};

/** Child: one epoch on defaults, then each step after training, timed; the engine's memory polled. */
async function trainChild(
  workspace: string,
  projectId: string,
  outDir: string,
  curve: boolean,
  series: boolean,
): Promise<void> {
  const { createServices } = await import('../main/services/create-services');
  const { computeBaseline } = await import('../main/services/baseline');
  const { evaluateRun, MAX_EVALUATION_ROWS } = await import('../main/services/evaluate-run');
  const { cardContextFor } = await import('../main/services/export-run');
  const { renderModelCard } = await import('../main/engine/process/formats/model-card');
  const { readPreparedData } = await import('../main/services/runs');
  const { diagnoseRun } = await import('../app/diagnostics/from-run');
  const { suggestTask, taskShape } = await import('../app/dataset/task');
  const { defaultTemplate, templateGraph } = await import('../app/graph/templates');
  const { DEFAULT_TRAIN_CONFIG } = await import('../app/training/config');
  const services = createServices({ workspace, mode: 'host' });
  const state = await services.projects.open(projectId);
  const meta = state.dataset!;
  const column = meta.columns.find((c) => c.name === TARGET);
  const taskSpec = series ? SERIES_TASK : { target: TARGET, task: suggestTask(column!) };
  const shape = taskShape(meta, taskSpec);
  const input = shape.inputShape ?? shape.inputWidth;
  const graph = templateGraph(defaultTemplate(input), input, shape.head);
  await services.engine.start();
  let enginePeak = 0;
  const poll = setInterval(() => {
    enginePeak = Math.max(enginePeak, procMemory(services.engine.pid)?.rss ?? 0);
  }, 200);
  const engineMemory = () => Math.max(enginePeak, procMemory(services.engine.pid)?.peak ?? 0);
  const steps: Record<string, Step> = {};
  /** A step's seconds and the peak RSS of main and of the engine while it ran (each peak reset at its start). */
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const reset = resetPeak('self') && resetPeak(services.engine.pid);
    enginePeak = 0;
    const started = performance.now();
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    steps[name] = {
      seconds,
      mainPeak: procMemory(process.pid)?.peak ?? 0,
      enginePeak: engineMemory(),
      sinceStart: !reset,
    };
    process.stderr.write(`  ${name}: ${seconds.toFixed(1)} s\n`);
    return result;
  };
  let epochAt = 0;
  services.bus.subscribe((event) => {
    if (event === 'run.epoch') epochAt = performance.now();
  });
  const started = await timed('prepare (split, encode, write)', () =>
    services.runs.start({ projectId, taskSpec, graph, trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 1 } }),
  );
  const trainStart = performance.now();
  const run = await timed('training (LR test + 1 epoch)', () => services.runs.whenDone(started.id));
  if (run.status !== 'completed') throw new Error(`The run ended ${run.status}: ${run.error ?? ''}`);
  const runDir = services.projects.runDir(projectId, run.id);
  const data = await readPreparedData(runDir);
  await timed('baseline', () => computeBaseline(data, run.trainConfig.loss));
  await timed('diagnosis', async () => diagnoseRun(run));
  const evaluation = await timed('evaluation', () => evaluateRun(services, projectId, run.id, 'validation'));
  const card = cardContextFor(run, 'bench:big', { name: meta.name, rows: meta.rows });
  const exported = await timed('export (parity check, snippets, model card)', () =>
    services.engine.exportModel({ modelDir: path.join(runDir, 'model'), data, outDir, card }),
  );
  // The card alone, from the facts the export returned (the engine renders it inside the export).
  await timed('model card', async () =>
    renderModelCard({
      context: card,
      preprocessing: data.preprocessing,
      builtLayers: [],
      exported,
      exportBackend: 'cpu',
      date: new Date(),
    }),
  );
  let curvePoints = 0;
  if (curve) {
    const points = await timed('learning curve (4 retrainings: 10/25/50/100%)', () =>
      services.runs.learningCurve(projectId, run.id),
    );
    curvePoints = points.points.length;
  }
  clearInterval(poll);
  const result = {
    trainRows: data.trainRows,
    valRows: data.valRows,
    epochSeconds: (epochAt - trainStart) / 1000,
    valLoss: run.epochs.at(-1)?.val_loss ?? null,
    evaluatedRows: evaluation.capped ? `the first ${MAX_EVALUATION_ROWS}` : `all ${evaluation.valRows}`,
    parityRows: exported.rowsCompared,
    maxAbsDiff: exported.maxAbsDiff,
    curvePoints,
    steps,
  };
  await services.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** One step after the import: its seconds and the peak RSS of the main process and of the engine during it. */
interface Step {
  seconds: number;
  mainPeak: number;
  enginePeak: number;
  /** The peaks could not be reset at the step's start (no /proc/<pid>/clear_refs): they are since the process started. */
  sinceStart: boolean;
}

interface Proc {
  code: number | null;
  seconds: number;
  stdout: string;
}

function runProcess(command: string, argv: string[]): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, seconds: (performance.now() - started) / 1000, stdout }));
  });
}

const lastJson = <T>(text: string): T => JSON.parse(text.trim().split('\n').at(-1) ?? 'null') as T;
const self = (...argv: string[]) =>
  runProcess(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...argv]);
const gb = (bytes: number) => `${(bytes / GB).toFixed(2)} GB`;
const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');

async function ensureCsv(rows: number, series: 'in-order' | 'shuffled' | null): Promise<string> {
  const dir = path.join(HERE, '.cache');
  const name = series ? `series-${series === 'shuffled' ? 'shuffled-' : ''}${rows}` : `numeric-${rows}`;
  const file = path.join(dir, `${name}.csv`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  console.log(
    `Generating ${file} (${rows.toLocaleString('en')} rows × ${series ? 4 : 21} numbers; cached for later runs)...`,
  );
  if (series) await writeSeriesCsv(`${file}.part`, rows, series === 'shuffled');
  else await writeNumericCsv(`${file}.part`, rows);
  await rename(`${file}.part`, file);
  return file;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'skip-pandas': { type: 'boolean', default: false },
      'skip-train': { type: 'boolean', default: false },
      'skip-curve': { type: 'boolean', default: false },
      series: { type: 'boolean', default: false },
      'shuffle-series': { type: 'boolean', default: false },
    },
  });
  const rows = Number(values.rows ?? (values.quick ? 1_000_000 : 10_000_000));
  const series = values['shuffle-series'] ? 'shuffled' : values.series ? 'in-order' : null;
  const file = await ensureCsv(rows, series);
  const bytes = (await import('node:fs')).statSync(file).size;
  console.log(
    `bench:big on ${path.basename(file)}: ${rows.toLocaleString('en')} rows, ${(bytes / MB).toFixed(0)} MB${series ? ` (time series, ${series}: windows of 10 days)` : ''}`,
  );
  const work = await mkdtemp(path.join(os.tmpdir(), 'layerlab-big-'));
  try {
    let pandas: { seconds: number; peakRss: number } | null = null;
    const hasPandas = spawnSync(PYTHON, ['-c', 'import pandas'], { encoding: 'utf8' }).status === 0;
    if (values['skip-pandas'] || !hasPandas) {
      console.log(`pandas: skipped (${values['skip-pandas'] ? '--skip-pandas' : `${PYTHON} has no pandas`})`);
    } else {
      const script = [
        'import sys, time, resource, pandas as pd',
        't = time.perf_counter()',
        'df = pd.read_csv(sys.argv[1])',
        's = time.perf_counter() - t',
        'import json; print(json.dumps({"rows": len(df), "seconds": s, "peakRss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))',
      ].join('\n');
      const proc = await runProcess(PYTHON, ['-c', script, file]);
      if (proc.code !== 0) throw new Error(`pandas failed (exit ${proc.code})`);
      pandas = lastJson(proc.stdout);
      console.log(`pandas read_csv: ${pandas!.seconds.toFixed(1)} s, peak RSS ${gb(pandas!.peakRss)}`);
    }

    const imported = await self('--child', 'import', file, work);
    if (imported.code !== 0) throw new Error(`The import failed (exit ${imported.code})`);
    const imp = lastJson<{ projectId: string; rows: number; seconds: number; peakRss: number }>(imported.stdout);
    const speed = pandas ? pandas.seconds / imp.seconds : null;
    console.log(
      `Layerlab import: ${imp.seconds.toFixed(1)} s (${((imp.rows / imp.seconds) * 1e-6).toFixed(2)} M rows/s), peak RSS ${gb(imp.peakRss)} [${mark(imp.peakRss <= GB)} ≤ 1 GB]` +
        (speed === null ? '' : `; ${speed.toFixed(2)}× pandas' speed [${mark(speed >= 1)} ≥ 1.0×]`),
    );
    if (values['skip-train']) return;

    const curve = values['skip-curve'] || series ? 'no-curve' : 'curve';
    const trained = await self(
      '--child',
      'train',
      work,
      imp.projectId,
      path.join(work, 'export'),
      curve,
      series ? 'series' : 'table',
    );
    if (trained.code !== 0) throw new Error(`Training failed (exit ${trained.code})`);
    const t = lastJson<{
      trainRows: number;
      valRows: number;
      epochSeconds: number;
      valLoss: number | null;
      evaluatedRows: string;
      parityRows: number;
      maxAbsDiff: number;
      curvePoints: number;
      steps: Record<string, Step>;
    }>(trained.stdout);
    console.log(
      `Training: ${t.trainRows.toLocaleString('en')} training rows, ${t.valRows.toLocaleString('en')} validation rows; val loss ${t.valLoss?.toPrecision(4) ?? '-'}`,
    );
    console.log(`  the first epoch ended ${t.epochSeconds.toFixed(1)} s after training started (the LR test included)`);
    const training = t.steps['training (LR test + 1 epoch)'];
    if (training)
      console.log(
        `  engine peak RSS while training ${gb(training.enginePeak)} [${mark(training.enginePeak <= GB)} ≤ 1 GB]`,
      );
    console.log(
      `${'Step'.padEnd(48)} ${'seconds'.padStart(8)}  ${'main peak'.padStart(10)}  ${'engine peak'.padStart(11)}`,
    );
    const row = (name: string, seconds: number, main: string, engine: string) =>
      console.log(
        `  ${name.padEnd(46)} ${seconds.toFixed(1).padStart(8)}  ${main.padStart(10)}  ${engine.padStart(11)}`,
      );
    if (pandas) row('pandas read_csv (its own process)', pandas.seconds, gb(pandas.peakRss), '');
    row('import (its own process)', imp.seconds, gb(imp.peakRss), '');
    for (const [name, step] of Object.entries(t.steps)) row(name, step.seconds, gb(step.mainPeak), gb(step.enginePeak));
    if (Object.values(t.steps).some((step) => step.sinceStart))
      console.log('  (peaks could not be reset per step here: they are the largest since the process started)');
    console.log(
      `  evaluation over ${t.evaluatedRows} validation rows; export parity check over ${t.parityRows} rows (max difference ${t.maxAbsDiff.toExponential(1)})`,
    );
    if (t.curvePoints > 0)
      console.log(`  learning curve: ${t.curvePoints} points, each a retraining of the run's settings`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const { values: childArgs, positionals } = parseArgs({
  options: { child: { type: 'string' } },
  allowPositionals: true,
  strict: false,
});
if (childArgs.child === 'import') await importChild(positionals[0]!, positionals[1]!);
else if (childArgs.child === 'train')
  await trainChild(
    positionals[0]!,
    positionals[1]!,
    positionals[2]!,
    positionals[3] !== 'no-curve',
    positionals[4] === 'series',
  );
else await main();
