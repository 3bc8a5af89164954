/**
 * Whole jobs as a user runs them: `npm run bench:jobs -- [--repeat N] [--only a,b] [--list] [--keep] [--json FILE]`.
 *
 * Each job runs the Layerlab CLI as a process on its defaults — only the required flags (`--data`,
 * `--target`, `--out`, and `--time-column` for a forecast) — beside a plain PyTorch, pandas or
 * numpy script doing the same job as a process (bench/jobs_peer.py; PyTorch at its default thread
 * count), measured in the same run. Times are the processes' wall clock from start to exit:
 * interpreter start-up, reading the data, training, and writing the model (Layerlab's export with
 * its check; the peer's TorchScript file) all count. Quality is read from Layerlab's metrics.json
 * (the model's final validation score; when early stopping kept an earlier epoch's weights, that
 * epoch's) and from the peer's output, on a validation split of the same size.
 *
 * Jobs (datasets made once by bench/jobs_data.py and the CSV writer below, deterministically, and
 * cached under node_modules/.cache/layerlab-bench/):
 *   digits, shapes, textures   image folders; peer: conv16-pool-conv32-pool-linear, Adam 1e-3, batch 32,
 *                              10 epochs, stratified 80/20. On defaults Layerlab trains until early
 *                              stopping: quality is compared (target: at least PyTorch's, within 0.01).
 *   digits10, shapes10, …      the same folders with --epochs 10 --no-early-stopping, the peer's work.
 *                              Target: Layerlab's time ≤ 1.5× PyTorch's. The engine runs two threads by
 *                              default on two cores or more; digits10-1t and shapes10-1t are the same jobs on
 *                              one (LAYERLAB_WASM_THREADS=1): what the second core buys.
 *   cancer, wine               classification tables; peer: a 64-64 MLP, Adam 1e-3, 100 epochs.
 *   diabetes, friedman         regression tables; the same MLP, scored by validation MAE.
 *   import                     `layerlab inspect` of a 1,000,000 × 21 numeric CSV (bench/csv-import.ts'
 *                              generator) beside `pandas.read_csv` of it. Target: ≥ 1.0× pandas' speed.
 *   stock, seasonal, walk      forecasts (resources/stock-prices.csv and two generated series); the
 *                              validation MAE beside the naive last value and a least-squares linear
 *                              autoregression on the same windows (the lookback, horizon, differencing
 *                              and validation share the run used, read from its files). Target: beat
 *                              the naive forecast wherever the autoregression does (by ≥ 1% of its MAE).
 *
 * Peers run with glibc's allocator told to keep freed memory (as `npm run bench` does): left at its
 * defaults PyTorch is slower here, which would flatter the ratios. Needs /usr/bin/python3 with
 * Debian's python3-torch, python3-pandas, python3-numpy, python3-pil and python3-sklearn
 * (its bundled offline datasets); without them the jobs that need them say so and are skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_WINDOW_SPEC } from '../app/dataset/windows';
import { writeNumericCsv } from './numeric-csv';
import { DEFAULT_TRAIN_CONFIG } from '../app/training/config';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const BIN = path.join(ROOT, 'bin', 'layerlab.mjs');
const PEER = path.join(HERE, 'jobs_peer.py');
const DATA_SCRIPT = path.join(HERE, 'jobs_data.py');
const TUNED_MALLOC = {
  MALLOC_MMAP_THRESHOLD_: '4294967296',
  MALLOC_TRIM_THRESHOLD_: '4294967296',
  MALLOC_TOP_PAD_: '536870912',
};
const IMAGE_TIME_TARGET = 1.5;
/** The autoregression beats the naive forecast when its validation MAE is at least this much lower. */
const AR_MARGIN = 0.01;

const { values: args } = parseArgs({
  options: {
    repeat: { type: 'string', default: '1' },
    only: { type: 'string' },
    list: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    cache: { type: 'string' },
    'import-rows': { type: 'string', default: '1000000' },
    json: { type: 'string' },
  },
});

type Kind = 'image' | 'table' | 'import' | 'forecast';
interface Job {
  name: string;
  kind: Kind;
  title: string;
  /** The dataset: a name for jobs_data.py, 'numeric.csv' (written here) or a path in the repository. */
  data: string;
  target?: string;
  task?: 'classification' | 'regression';
  timeColumn?: string;
  /** Flags beyond the defaults: the equal-work image jobs train exactly the peer's 10 epochs. */
  extra?: string[];
  /** Environment for Layerlab's process (the two-thread job sets LAYERLAB_WASM_THREADS). */
  env?: Record<string, string>;
}

/** The image target is stated for the peer's job: import, 10 epochs, export (issue 18). */
const EQUAL_WORK = ['--epochs', '10', '--no-early-stopping'];

const JOBS: Job[] = [
  { name: 'digits', kind: 'image', title: 'sklearn digits, 1,797 PNGs 32×32 gray, 10 classes', data: 'digits' },
  { name: 'shapes', kind: 'image', title: 'generated shapes, 1,600 PNGs 48×48 RGB, 4 classes', data: 'shapes' },
  { name: 'textures', kind: 'image', title: 'generated textures, 1,200 PNGs 32×32 RGB, 3 classes', data: 'textures' },
  {
    name: 'digits10',
    kind: 'image',
    title: 'digits as the peer trains them: 10 epochs, no early stopping (equal work)',
    data: 'digits',
    extra: EQUAL_WORK,
  },
  {
    name: 'digits10-1t',
    kind: 'image',
    title: 'digits10 with the engine on one thread (LAYERLAB_WASM_THREADS=1): what the second core buys',
    data: 'digits',
    extra: EQUAL_WORK,
    env: { LAYERLAB_WASM_THREADS: '1' },
  },
  {
    name: 'shapes10',
    kind: 'image',
    title: 'shapes, 10 epochs, no early stopping (equal work)',
    data: 'shapes',
    extra: EQUAL_WORK,
  },
  {
    name: 'shapes10-1t',
    kind: 'image',
    title: 'shapes10 with the engine on one thread (LAYERLAB_WASM_THREADS=1): what the second core buys',
    data: 'shapes',
    extra: EQUAL_WORK,
    env: { LAYERLAB_WASM_THREADS: '1' },
  },
  {
    name: 'textures10',
    kind: 'image',
    title: 'textures, 10 epochs, no early stopping (equal work)',
    data: 'textures',
    extra: EQUAL_WORK,
  },
  {
    name: 'cancer',
    kind: 'table',
    title: 'sklearn breast cancer, 569 × 30, 2 classes',
    data: 'cancer.csv',
    target: 'diagnosis',
    task: 'classification',
  },
  {
    name: 'wine',
    kind: 'table',
    title: 'sklearn wine, 178 × 13, 3 classes',
    data: 'wine.csv',
    target: 'cultivar',
    task: 'classification',
  },
  {
    name: 'diabetes',
    kind: 'table',
    title: 'sklearn diabetes, 442 × 10, regression',
    data: 'diabetes.csv',
    target: 'progression',
    task: 'regression',
  },
  {
    name: 'friedman',
    kind: 'table',
    title: 'make_friedman1, 2,000 × 10, regression',
    data: 'friedman.csv',
    target: 'y',
    task: 'regression',
  },
  { name: 'import', kind: 'import', title: 'CSV import, 1,000,000 × 21 numbers', data: 'numeric.csv' },
  {
    name: 'stock',
    kind: 'forecast',
    title: 'resources/stock-prices.csv, Close',
    data: 'resources/stock-prices.csv',
    target: 'Close',
    timeColumn: 'Date',
  },
  {
    name: 'seasonal',
    kind: 'forecast',
    title: 'generated trend + seasonality + noise, 1,000 days',
    data: 'seasonal.csv',
    target: 'value',
    timeColumn: 'Date',
  },
  {
    name: 'walk',
    kind: 'forecast',
    title: 'generated random walk with drift, 1,000 days',
    data: 'walk.csv',
    target: 'value',
    timeColumn: 'Date',
  },
];

interface Proc {
  code: number | null;
  seconds: number;
  /** User + system CPU seconds of the process and the children it waited for (GNU time), when measured. */
  cpuSeconds: number | null;
  /** Peak resident set of the process (its largest child's when larger), in MB, when measured. */
  peakMb: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
const HAS_GNU_TIME =
  existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%U', 'true'], { encoding: 'utf8' }).status === 0;

/**
 * One process, timed from spawn to exit by the wall clock; its CPU time and peak RSS come from
 * GNU time (/usr/bin/time) where it exists: steadier than the wall clock when other work shares
 * the machine. Its output is kept, not shown.
 */
function timed(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Proc> {
  return new Promise((resolve) => {
    const usage = HAS_GNU_TIME
      ? path.join(os.tmpdir(), `layerlab-bench-jobs-time-${process.pid}-${Math.random().toString(36).slice(2)}`)
      : null;
    const started = performance.now();
    const child = usage
      ? spawn(GNU_TIME, ['-q', '-f', '%U %S %M', '-o', usage, command, ...argv], {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
    child.on('error', (error) =>
      resolve({ code: -1, seconds: 0, cpuSeconds: null, peakMb: null, stdout, stderr: stderr + String(error) }),
    );
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      let cpuSeconds: number | null = null;
      let peakMb: number | null = null;
      if (usage) {
        try {
          const [user, system, rssKb] = readFileSync(usage, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
          if (Number.isFinite(user) && Number.isFinite(system)) cpuSeconds = user! + system!;
          if (Number.isFinite(rssKb)) peakMb = rssKb! / 1024;
        } catch {
          // No figures: the wall clock stands alone.
        }
        void rm(usage, { force: true });
      }
      resolve({ code, seconds, cpuSeconds, peakMb, stdout, stderr });
    });
  });
}

function pythonHas(python: string, modules: string[]): string | null {
  if (!existsSync(python)) return `${python} is missing`;
  const run = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (run.status === 0) return null;
  return `${python} cannot import ${modules.join(', ')} (${run.stderr.trim().split('\n').at(-1) ?? ''}); apt-get install -y python3-torch python3-pandas python3-numpy python3-pil python3-sklearn`;
}

/** The datasets the chosen jobs need, made once into the cache (its name holds the generator's hash). */
async function ensureData(jobs: Job[], python: string): Promise<{ dir: string; missing: Map<string, string> }> {
  const hash = createHash('sha256').update(readFileSync(DATA_SCRIPT)).digest('hex').slice(0, 10);
  const dir = args.cache ?? path.join(ROOT, 'node_modules', '.cache', 'layerlab-bench', `jobs-${hash}`);
  await mkdir(dir, { recursive: true });
  const missing = new Map<string, string>();
  const generated = jobs.filter((j) => j.kind !== 'import' && !j.data.includes('/')).map((j) => j.data);
  if (generated.some((name) => !existsSync(path.join(dir, `${name}.done`)))) {
    const lacking = pythonHas(python, ['numpy', 'pandas', 'PIL', 'sklearn']);
    if (lacking) for (const name of generated) missing.set(name, lacking);
    else {
      process.stdout.write(`Making datasets in ${dir} ...\n`);
      const run = spawnSync(python, [DATA_SCRIPT, dir, ...generated], {
        encoding: 'utf8',
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      if (run.status !== 0)
        for (const name of generated)
          missing.set(name, `jobs_data.py failed: ${run.stderr.trim().split('\n').at(-1) ?? ''}`);
    }
  }
  const rows = Number(args['import-rows']);
  const csv = path.join(dir, rows === 1_000_000 ? 'numeric.csv' : `numeric-${rows}.csv`);
  if (jobs.some((j) => j.kind === 'import') && !existsSync(`${csv}.done`)) {
    process.stdout.write(`Writing ${rows.toLocaleString('en')} × 21 numbers to ${csv} ...\n`);
    await writeNumericCsv(csv, rows);
    await writeFile(`${csv}.done`, '');
  }
  return { dir, missing };
}

interface Side {
  seconds: number[];
  cpuSeconds: number[];
  peakMb: number[];
  /** The quality figure (accuracy or MAE) for the table, or null when the run failed. */
  quality: number | null;
  note: string;
  failure?: string;
  extra?: Record<string, number>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : Number.NaN;
};

/** The last meaningful line of a failed process: its one-line reason. */
function reason(proc: Proc): string {
  const lines = `${proc.stderr}\n${proc.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines.reverse().find((l) => /^layerlab:|Error|error/.test(l)) ?? lines[0] ?? `exit ${proc.code}`;
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

interface Metrics {
  task?: string;
  config?: { validationSplit?: number; learningRate?: number | string };
  final?: Record<string, number> | null;
  epochs?: Record<string, number>[];
  early_stopped?: { bestEpoch: number | null; restored?: boolean; stoppedAt: number } | null;
  forecast?: {
    model_val_mae: number;
    baseline_val_mae: number;
    val_windows: number;
    lookback: number;
    horizon: number;
    differencing: string;
  };
}

/** The learning rate the run used (its config, 'auto' resolved), for the quality note. */
const lrNote = (metrics: Metrics) =>
  typeof metrics.config?.learningRate === 'number' ? `, lr ${metrics.config.learningRate.toPrecision(2)}` : '';

/** The model's validation score as metrics.json gives it: the kept epoch's when early stopping restored one. */
function finalScore(metrics: Metrics, key: 'val_accuracy' | 'val_mae'): { value: number | null; note: string } {
  const es = metrics.early_stopped;
  if (es && es.restored && es.bestEpoch !== null) {
    const kept = metrics.epochs?.find((e) => e.epoch === es.bestEpoch);
    if (kept?.[key] !== undefined)
      return {
        value: kept[key]!,
        note: `kept epoch ${es.bestEpoch + 1} of ${metrics.epochs?.length ?? '?'}${lrNote(metrics)}`,
      };
  }
  const value = metrics.final?.[key];
  return { value: value ?? null, note: `${metrics.epochs?.length ?? '?'} epochs${lrNote(metrics)}` };
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

const lastJsonLine = (text: string): Record<string, number> | null => {
  const line = text
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  try {
    return line ? (JSON.parse(line) as Record<string, number>) : null;
  } catch {
    return null;
  }
};

interface Result {
  job: Job;
  ours: Side;
  peer: Side | null;
  peerMissing?: string;
  /** Quality text for each side, and the target verdict. */
  oursText: string;
  peerText: string;
  target: string;
}

async function runJob(
  job: Job,
  dataDir: string,
  work: string,
  repeat: number,
  python: string,
  peerLacking: string | null,
): Promise<Result> {
  const data = job.data.includes('/')
    ? path.join(ROOT, job.data)
    : job.kind === 'import'
      ? path.join(
          dataDir,
          Number(args['import-rows']) === 1_000_000 ? 'numeric.csv' : `numeric-${args['import-rows']}.csv`,
        )
      : path.join(dataDir, job.data);
  const ours: Side = { seconds: [], cpuSeconds: [], peakMb: [], quality: null, note: '' };
  const peer: Side = { seconds: [], cpuSeconds: [], peakMb: [], quality: null, note: '' };
  const peerEnv = { ...process.env, ...TUNED_MALLOC };
  let metrics: Metrics | null = null;
  let imageSize: { width: number; height: number; channels: number } | null = null;
  let windowSettings: {
    lookback: number;
    horizon: number;
    differencing: string;
    validationSplit: number;
    from: string;
  } | null = null;

  for (let r = 0; r < repeat; r++) {
    const out = path.join(work, `${job.name}-${r}`);
    await rm(out, { recursive: true, force: true });
    // Layerlab, on its defaults.
    const argv =
      job.kind === 'import'
        ? [BIN, 'inspect', data]
        : [
            BIN,
            'train',
            '--data',
            data,
            ...(job.target ? ['--target', job.target] : []),
            ...(job.timeColumn ? ['--time-column', job.timeColumn] : []),
            ...(job.extra ?? []),
            '--out',
            out,
          ];
    const proc = await timed(process.execPath, argv, { ...process.env, ...job.env });
    if (proc.code !== 0) {
      ours.failure = reason(proc);
    } else {
      ours.seconds.push(proc.seconds);
      if (proc.cpuSeconds !== null) ours.cpuSeconds.push(proc.cpuSeconds);
      if (proc.peakMb !== null) ours.peakMb.push(proc.peakMb);
      if (job.kind !== 'import') {
        metrics = await readJson<Metrics>(path.join(out, 'metrics.json'));
        if (job.kind === 'image')
          imageSize =
            (
              await readJson<{ image?: { width: number; height: number; channels: number } }>(
                path.join(out, 'preprocessing.json'),
              )
            )?.image ?? null;
        if (job.kind === 'forecast') {
          const prep = await readJson<{ windows?: { lookback: number; horizon: number; differencing: string } }>(
            path.join(out, 'preprocessing.json'),
          );
          const config = await readJson<{ validationSplit?: number }>(path.join(out, 'config.json'));
          if (prep?.windows)
            windowSettings = {
              ...prep.windows,
              validationSplit:
                config?.validationSplit ?? metrics?.config?.validationSplit ?? DEFAULT_TRAIN_CONFIG.validationSplit,
              from: 'the run',
            };
        }
      }
    }
    await writeFile(
      path.join(work, `${job.name}-${r}.layerlab.log`),
      `${argv.join(' ')}\nexit ${proc.code} after ${proc.seconds.toFixed(2)} s\n${proc.stdout}\n${proc.stderr}`,
    );

    // The peer.
    if (peerLacking) continue;
    let peerArgv: string[];
    if (job.kind === 'image') peerArgv = [PEER, 'image', data, path.join(out, 'peer')];
    else if (job.kind === 'table') peerArgv = [PEER, 'table', data, job.target!, job.task!, path.join(out, 'peer')];
    else if (job.kind === 'import') peerArgv = ['-c', 'import sys, pandas; pandas.read_csv(sys.argv[1])', data];
    else {
      // The windows Layerlab used (its preprocessing.json and config.json); its defaults when it failed.
      const w = windowSettings ?? {
        ...DEFAULT_WINDOW_SPEC,
        validationSplit: DEFAULT_TRAIN_CONFIG.validationSplit,
        from: 'the defaults (the run failed)',
      };
      peer.note = `lookback ${w.lookback}, horizon ${w.horizon}, differencing ${w.differencing}, validation ${w.validationSplit} (from ${w.from})`;
      peerArgv = [
        PEER,
        'forecast',
        data,
        job.target!,
        job.timeColumn!,
        String(w.lookback),
        String(w.horizon),
        w.differencing,
        String(w.validationSplit),
      ];
    }
    const p = await timed(python, peerArgv, peerEnv);
    await writeFile(
      path.join(work, `${job.name}-${r}.peer.log`),
      `${python} ${peerArgv.join(' ')}\nexit ${p.code} after ${p.seconds.toFixed(2)} s\n${p.stdout}\n${p.stderr}`,
    );
    if (p.code !== 0) {
      peer.failure = reason(p);
      continue;
    }
    peer.seconds.push(p.seconds);
    if (p.cpuSeconds !== null) peer.cpuSeconds.push(p.cpuSeconds);
    if (p.peakMb !== null) peer.peakMb.push(p.peakMb);
    if (job.kind !== 'import') peer.extra = lastJsonLine(p.stdout) ?? undefined;
  }

  // A side that failed in some repeats keeps its reason (listed under the table); figures come from the runs that worked.
  if (ours.failure && ours.seconds.length)
    ours.failure = `${repeat - ours.seconds.length} of ${repeat} runs failed: ${ours.failure}`;
  if (peer.failure && peer.seconds.length)
    peer.failure = `${repeat - peer.seconds.length} of ${repeat} runs failed: ${peer.failure}`;
  const oursFailed = ours.seconds.length === 0;
  const peerFailed = peer.seconds.length === 0;
  let oursText = oursFailed ? 'FAILED (below)' : '';
  let peerText = peerLacking ? 'not measured' : peerFailed ? 'FAILED (below)' : '';
  let target = '-';
  const timeRatio =
    ours.seconds.length && peer.seconds.length ? median(ours.seconds) / median(peer.seconds) : Number.NaN;
  if (job.kind === 'image' || job.kind === 'table') {
    const key = job.kind === 'image' || job.task === 'classification' ? 'val_accuracy' : 'val_mae';
    if (metrics && !oursFailed) {
      const score = finalScore(metrics, key);
      ours.quality = score.value;
      const base = metrics.final?.[`baseline_${key}`];
      const size = imageSize ? `${imageSize.width}×${imageSize.height}×${imageSize.channels}, ` : '';
      oursText = `${key === 'val_accuracy' ? 'acc' : 'MAE'} ${fmt(score.value)} (${size}${score.note}${base !== undefined ? `; baseline ${fmt(base)}` : ''})`;
    }
    if (peer.extra && !peerFailed) {
      peer.quality = peer.extra[key] ?? null;
      peerText = `${key === 'val_accuracy' ? 'acc' : 'MAE'} ${fmt(peer.quality)}`;
    }
    // On defaults Layerlab trains until early stopping (often 2-3× the peer's 10 epochs): quality is
    // compared there, time on the equal-work jobs, as the target is stated.
    if (job.kind === 'image' && !job.extra)
      target =
        ours.quality !== null && peer.quality !== null
          ? `quality ≥ PyTorch's: ${ours.quality >= peer.quality - 0.01 ? 'met' : 'NOT met'}`
          : '-';
    else if (job.kind === 'image')
      target = Number.isFinite(timeRatio)
        ? `time ≤ ${IMAGE_TIME_TARGET}× PyTorch: ${timeRatio <= IMAGE_TIME_TARGET ? 'met' : 'NOT met'}`
        : oursFailed
          ? `time ≤ ${IMAGE_TIME_TARGET}× PyTorch: NOT met (failed)`
          : '-';
  } else if (job.kind === 'import') {
    if (!oursFailed) oursText = 'profiled';
    if (!peerFailed && !peerLacking) peerText = 'read_csv';
    target = Number.isFinite(timeRatio)
      ? `speed ≥ 1.0× pandas: ${1 / timeRatio >= 1 ? 'met' : 'NOT met'} (${(1 / timeRatio).toFixed(2)}×)`
      : '-';
  } else {
    const f = metrics?.forecast;
    if (f && !oursFailed) {
      ours.quality = f.model_val_mae;
      oursText = `MAE ${fmt(f.model_val_mae)} (naive ${fmt(f.baseline_val_mae)}; ${f.val_windows} windows${metrics ? lrNote(metrics) : ''})`;
    } else if (!oursFailed) oursText = 'no forecast in metrics.json';
    const e = peer.extra;
    if (e && !peerFailed) {
      peer.quality = e.ar_val_mae ?? null;
      peerText = `AR ${fmt(e.ar_val_mae)} (naive ${fmt(e.naive_val_mae)}; ${e.val_windows} windows)`;
      if (
        f &&
        (Math.abs(f.baseline_val_mae - e.naive_val_mae!) > 1e-6 * Math.max(1, Math.abs(e.naive_val_mae!)) ||
          f.val_windows !== e.val_windows)
      )
        peerText += " [windows differ from the run's]";
      // The AR "beats" the naive forecast only by a clear margin: on a random walk it ties up to noise.
      const arGain = 1 - e.ar_val_mae! / e.naive_val_mae!;
      if (!(arGain >= AR_MARGIN))
        target = `beat naive: n/a (AR ${arGain > 0 ? `only ${(100 * arGain).toFixed(1)}% better` : 'does not beat it'})`;
      else if (oursFailed || !f) target = 'beat naive: NOT met (failed)';
      else target = `beat naive: ${f.model_val_mae < e.naive_val_mae! ? 'met' : 'NOT met'}`;
    }
  }
  return {
    job,
    ours,
    peer: peerLacking ? null : peer,
    ...(peerLacking ? { peerMissing: peerLacking } : {}),
    oursText,
    peerText,
    target,
  };
}

function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (Math.abs(x) >= 100) return x.toFixed(1);
  if (Math.abs(x) >= 10) return x.toFixed(2);
  return x.toFixed(3);
}

function printTable(results: Result[], repeat: number): void {
  const secs = (xs: number[]) => (xs.length ? median(xs).toFixed(1) : '-');
  const short = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
  const rows = results.map((r) => {
    const o = median(r.ours.seconds);
    const p = r.peer ? median(r.peer.seconds) : Number.NaN;
    const cpu = `${secs(r.ours.cpuSeconds)} / ${r.peer ? secs(r.peer.cpuSeconds) : '-'}`;
    const rss = `${r.ours.peakMb.length ? median(r.ours.peakMb).toFixed(0) : '-'} / ${r.peer?.peakMb.length ? median(r.peer.peakMb).toFixed(0) : '-'}`;
    return [
      r.job.name,
      Number.isFinite(o) ? o.toFixed(1) : '-',
      Number.isFinite(p) ? p.toFixed(1) : '-',
      Number.isFinite(o / p) ? `${(o / p).toFixed(2)}×` : '-',
      cpu,
      rss,
      short(r.oursText),
      short(r.peerText),
      r.target,
    ];
  });
  const head = [
    'job',
    'layerlab s',
    'peer s',
    'ours/peer',
    'CPU s ours/peer',
    'peak MB ours/peer',
    'layerlab quality (val)',
    'peer quality (val)',
    'target',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 1 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`\n${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
  for (const r of results) {
    if (r.ours.failure) process.stdout.write(`${r.job.name}: layerlab failed: ${r.ours.failure}\n`);
    if (r.peer?.failure) process.stdout.write(`${r.job.name}: peer failed: ${r.peer.failure}\n`);
  }
  process.stdout.write(
    `\nTimes: median of ${repeat} run(s) per side; whole processes by the wall clock (start-up, reading, training, writing the model), ` +
      `CPU time (user + system, all threads and waited-for children) and peak RSS by GNU time${HAS_GNU_TIME ? '' : ' (not installed here: -)'}. ` +
      'Quality: validation accuracy (acc, higher is better) or MAE (lower is better) on a same-size split on each side; "kept epoch": early stopping kept that epoch\'s weights; "baseline" is Layerlab\'s naive one.\n',
  );
}

async function main(): Promise<void> {
  if (args.list) {
    for (const j of JOBS) process.stdout.write(`${j.name.padEnd(9)} ${j.kind.padEnd(8)} ${j.title}\n`);
    return;
  }
  const wanted = args.only
    ? args.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : JOBS.map((j) => j.name);
  const unknown = wanted.filter((w) => !JOBS.some((j) => j.name === w || j.kind === w));
  if (unknown.length) {
    process.stderr.write(
      `Unknown job(s) ${unknown.join(', ')}; --list shows them (a kind — image, table, import, forecast — picks its jobs).\n`,
    );
    process.exitCode = 2;
    return;
  }
  const jobs = JOBS.filter((j) => wanted.includes(j.name) || wanted.includes(j.kind));
  const repeat = Math.max(1, Math.floor(Number(args.repeat)) || 1);
  const python = args.python!;
  const { dir, missing } = await ensureData(jobs, python);
  const torchLacking = pythonHas(python, ['torch', 'numpy', 'PIL', 'pandas']);
  const work = await mkdtemp(path.join(os.tmpdir(), 'layerlab-bench-jobs-'));
  const threads = torchLacking
    ? null
    : spawnSync(python, ['-c', 'import torch; print(torch.get_num_threads(), torch.__version__)'], {
        encoding: 'utf8',
      }).stdout.trim();
  process.stdout.write(
    `Layerlab CLI: node ${path.relative(ROOT, BIN)} (Node ${process.version}); peer: ${python}${threads ? ` (PyTorch ${threads.split(' ')[1]}, ${threads.split(' ')[0]} thread(s) by default)` : ''}; ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}.\n`,
  );
  process.stdout.write(
    `Datasets: ${dir}. Logs: ${work}${args.keep ? '' : ' (removed at the end; --keep keeps them)'}.\n`,
  );
  if (torchLacking) process.stdout.write(`Peers not measured: ${torchLacking}\n`);

  const results: Result[] = [];
  const loads: number[] = [os.loadavg()[0]!];
  const started = performance.now();
  try {
    for (const job of jobs) {
      const lacking = missing.get(job.data);
      if (lacking) {
        process.stdout.write(`${job.name}: skipped (${lacking})\n`);
        continue;
      }
      const peerLacking =
        job.kind === 'import'
          ? pythonHas(python, ['pandas'])
          : job.kind === 'forecast'
            ? pythonHas(python, ['numpy', 'pandas'])
            : torchLacking;
      process.stdout.write(`${job.name}: ${job.title} ...`);
      loads.push(os.loadavg()[0]!);
      const result = await runJob(job, dir, work, repeat, python, peerLacking);
      loads.push(os.loadavg()[0]!);
      results.push(result);
      const o = median(result.ours.seconds);
      const p = result.peer ? median(result.peer.seconds) : Number.NaN;
      process.stdout.write(
        ` layerlab ${Number.isFinite(o) ? `${o.toFixed(1)} s` : 'failed'}, peer ${Number.isFinite(p) ? `${p.toFixed(1)} s` : result.peerMissing ? 'not measured' : 'failed'}\n`,
      );
      if (result.job.kind === 'forecast' && result.peer?.note) process.stdout.write(`  windows: ${result.peer.note}\n`);
    }
    printTable(results, repeat);
    if (Math.max(...loads) > os.cpus().length) {
      process.stdout.write(
        `The machine was busy (load average up to ${Math.max(...loads).toFixed(1)} on ${os.cpus().length} CPUs during the run): wall times swing with other work; CPU times are steadier.\n`,
      );
    }
    if (args.json) {
      const side = (s: Side | null) =>
        s && {
          seconds: s.seconds,
          cpu_seconds: s.cpuSeconds,
          peak_mb: s.peakMb,
          quality: s.quality,
          failure: s.failure ?? null,
          ...(s.extra ? { output: s.extra } : {}),
        };
      const payload = results.map((r) => ({
        job: r.job.name,
        kind: r.job.kind,
        title: r.job.title,
        layerlab: side(r.ours),
        peer: side(r.peer),
        layerlab_quality: r.oursText,
        peer_quality: r.peerText,
        target: r.target,
      }));
      await writeFile(
        args.json,
        `${JSON.stringify({ date: new Date().toISOString(), repeat, cpus: os.cpus().length, loads, jobs: payload }, null, 2)}\n`,
      );
      process.stdout.write(`Wrote ${args.json}.\n`);
    }
    process.stdout.write(
      `Whole bench: ${((performance.now() - started) / 1000 / 60).toFixed(1)} min; load average (1 min) now ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} CPUs.\n`,
    );
  } finally {
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }
}

await main();
