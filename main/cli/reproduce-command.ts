import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../../app/ipc/errors';
import { RunSummary, type EpochLogs } from '../../app/project/schema';
import { TrainConfig } from '../../app/training/config';
import { readManifest, sha256File, sha256Folder, type Manifest, type ManifestEnvironment } from '../services/manifest';
import { UsageError } from './cli-error';
import { formatEpoch } from './train-command';

/**
 * What "the same backend and machine" means: a retraining is expected bit for bit only when
 * every one of these is the same as when the run trained (git_dirty is left out: the commit and
 * the lockfile stand for the code, and a dirty tree cannot be compared anyway).
 */
const SAME_MACHINE_FIELDS = [
  'layerlab_version',
  'git_commit',
  'lockfile_sha256',
  'tfjs_version',
  'backend',
  'backend_threads',
  'kernels',
  'node',
  'os',
  'arch',
  'cpu',
] as const satisfies readonly (keyof ManifestEnvironment)[];

/** Default tolerance across machines or backends: relative for curves, relative to the largest weight for weights. */
export const DEFAULT_TOLERANCE = 1e-3;

export interface CurveComparison {
  epochs: [number, number];
  values: number;
  identical: boolean;
  maxAbsDiff: number;
  /** max |a − b| / max(1, |a|) over every value. */
  maxRelDiff: number;
  /** The first value that differs, "epoch 3 val_loss". */
  firstDifference: string | null;
}

/** Every number of every epoch (loss, metrics, lr) of two runs' histories, compared. */
export function compareCurves(a: readonly Record<string, unknown>[], b: readonly Record<string, unknown>[]) {
  const result: CurveComparison = {
    epochs: [a.length, b.length],
    values: 0,
    identical: a.length === b.length,
    maxAbsDiff: a.length === b.length ? 0 : Infinity,
    maxRelDiff: a.length === b.length ? 0 : Infinity,
    firstDifference: a.length === b.length ? null : `epochs run: ${a.length} then ${b.length}`,
  };
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const keys = new Set([...Object.keys(a[i]!), ...Object.keys(b[i]!)]);
    for (const key of keys) {
      const x = a[i]![key];
      const y = b[i]![key];
      result.values++;
      if (Object.is(x, y)) continue;
      result.identical = false;
      result.firstDifference ??= `epoch ${i + 1} ${key}: ${String(x)} then ${String(y)}`;
      if (typeof x !== 'number' || typeof y !== 'number') {
        result.maxAbsDiff = result.maxRelDiff = Infinity;
        continue;
      }
      const diff = Math.abs(x - y);
      result.maxAbsDiff = Math.max(result.maxAbsDiff, diff);
      result.maxRelDiff = Math.max(result.maxRelDiff, diff / Math.max(1, Math.abs(x)));
    }
  }
  return result;
}

export interface WeightComparison {
  files: number;
  bytes: number;
  identical: boolean;
  /** Float32 values compared when the bytes differ but the sizes match. */
  maxAbsDiff: number;
  maxAbs: number;
  problem: string | null;
}

/** The weight files a TF.js model.json names (weightsManifest paths). */
async function weightFiles(dir: string): Promise<string[]> {
  const model = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as {
    weightsManifest?: { paths: string[] }[];
  };
  return (model.weightsManifest ?? []).flatMap((g) => g.paths);
}

/** The trained weights of two `train --out` folders, byte for byte, else as float32 values. */
export async function compareWeights(a: string, b: string): Promise<WeightComparison> {
  const result: WeightComparison = { files: 0, bytes: 0, identical: true, maxAbsDiff: 0, maxAbs: 0, problem: null };
  const files = await weightFiles(a);
  const other = await weightFiles(b);
  if (files.join('\n') !== other.join('\n'))
    return { ...result, identical: false, maxAbsDiff: Infinity, problem: 'the models have different weight files' };
  for (const file of files) {
    const x = await readFile(path.join(a, file));
    const y = await readFile(path.join(b, file));
    result.files++;
    result.bytes += x.length;
    if (x.length !== y.length)
      return { ...result, identical: false, maxAbsDiff: Infinity, problem: `${file} has a different size` };
    const fx = new Float32Array(x.buffer, x.byteOffset, x.length >> 2);
    const fy = new Float32Array(y.buffer, y.byteOffset, y.length >> 2);
    for (let i = 0; i < fx.length; i++) result.maxAbs = Math.max(result.maxAbs, Math.abs(fx[i]!));
    if (x.equals(y)) continue;
    result.identical = false;
    for (let i = 0; i < fx.length; i++)
      result.maxAbsDiff = Math.max(
        result.maxAbsDiff,
        Math.abs(fx[i]! - fy[i]!) || (Object.is(fx[i], fy[i]) ? 0 : Infinity),
      );
  }
  return result;
}

/** The environment fields that differ between two manifests ("backend: wasm → tensorflow"). */
export function environmentDifferences(was: ManifestEnvironment, now: ManifestEnvironment): string[] {
  return SAME_MACHINE_FIELDS.filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k])).map((k) =>
    typeof was[k] === 'object' && was[k] !== null ? `${k} changed` : `${k}: ${String(was[k])} → ${String(now[k])}`,
  );
}

async function readEpochs(dir: string): Promise<Record<string, unknown>[]> {
  const metrics = JSON.parse(await readFile(path.join(dir, 'metrics.json'), 'utf8')) as {
    epochs?: Record<string, unknown>[];
  };
  return metrics.epochs ?? [];
}

/** The data the manifest names, hashed again: null when it is the same, else what changed. */
async function dataChange(manifest: Manifest): Promise<string | null> {
  const source = manifest.data.source;
  if (!source) return null;
  if (!existsSync(source.path)) return `${source.path} no longer exists`;
  const isFolder = (await stat(source.path)).isDirectory();
  const now = isFolder ? await sha256Folder(source.path) : await sha256File(source.path);
  return now === source.sha256
    ? null
    : `${source.path} changed since the run (SHA-256 ${source.sha256.slice(0, 12)}… then, ${now.slice(0, 12)}… now)`;
}

/**
 * A project's run folder (runs/<id>, from the app): its dataset is found in the project by the
 * manifest's fingerprint, copied into a scratch workspace (without its split.json, so the split
 * is made again from the seed) and trained with the settings as they were asked for ("auto"
 * included), the graph and task from run.json. Null (with the reason said) when the data is gone.
 */
async function retrainAppRun(runDir: string, manifest: Manifest, outDir: string, out: (line: string) => void) {
  const run = RunSummary.parse(JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')));
  const datasetsDir = path.join(path.dirname(path.dirname(runDir)), 'datasets');
  let datasetDir: string | null = null;
  for (const name of await readdir(datasetsDir).catch(() => [] as string[])) {
    const dir = path.join(datasetsDir, name);
    if ((await sha256Folder(dir, { dataset: true }).catch(() => null)) === manifest.data.dataset_sha256) {
      datasetDir = dir;
      break;
    }
  }
  if (!datasetDir) {
    out(
      `Data: no dataset in ${datasetsDir} has the fingerprint the run trained on (${manifest.data.dataset_sha256.slice(0, 12)}…).`,
    );
    out('Not reproducible: the run cannot be trained again on the data it was trained on.');
    return null;
  }
  const requested = TrainConfig.safeParse(manifest.settings_requested);
  if (!requested.success)
    throw new UserError(`${path.join(runDir, 'manifest.json')}: settings_requested is not a valid set of settings.`);
  out(
    `Data: ${path.basename(datasetDir)} in the project, unchanged (fingerprint ${manifest.data.dataset_sha256.slice(0, 12)}…). Training run ${run.id} again.`,
  );
  const { createServices } = await import('../services/create-services');
  const services = createServices({ workspace: outDir, mode: 'host' });
  try {
    const project = await services.projects.create('reproduce');
    const copy = path.join(services.projects.datasetsDir(project.id), path.basename(datasetDir));
    await cp(datasetDir, copy, { recursive: true, filter: (src) => path.basename(src) !== 'split.json' });
    await services.projects.save(project.id, { datasetId: path.basename(datasetDir) });
    const initialWeights = path.join(runDir, 'initial-weights.bin');
    services.bus.subscribe((event, payload) => {
      if (event === 'run.epoch') out(`  ${formatEpoch((payload as { logs: EpochLogs }).logs, run.trainConfig.epochs)}`);
    });
    const started = await services.runs.start({
      projectId: project.id,
      taskSpec: run.taskSpec,
      graph: run.graph,
      trainConfig: requested.data,
      ...(existsSync(initialWeights) ? { initialWeights } : {}),
      ...(run.augmentation ? { augmentation: run.augmentation } : {}),
    });
    const done = await services.runs.whenDone(started.id);
    if (done.status !== 'completed' && done.status !== run.status)
      throw new UserError(`The retraining ended ${done.status}${done.error ? `: ${done.error}` : ''}.`);
    const newRunDir = services.projects.runDir(project.id, done.id);
    return {
      manifest: await readManifest(newRunDir),
      epochsBefore: run.epochs as Record<string, unknown>[],
      epochsAfter: done.epochs as Record<string, unknown>[],
      runDir: newRunDir,
    };
  } finally {
    await services.dispose();
  }
}

const FLAGS = {
  out: { type: 'string' },
  tolerance: { type: 'string' },
} as const;

/**
 * `layerlab reproduce RUN_DIR`: trains a `train --out` folder's run again from its manifest.json
 * (same data, checked by SHA-256; same arguments, so the same seeds) and reports whether the
 * curves and the weights match: bit for bit when the backend and machine are the same, within
 * --tolerance otherwise. Exit 0 when they match, 1 when not.
 */
export async function reproduceCommand(args: string[], out: (line: string) => void): Promise<number> {
  let values: { out?: string; tolerance?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  if (positionals.length !== 1)
    throw new UsageError(
      "Give one RUN_DIR: a folder written by layerlab train --out, or a project's runs/<id> folder.",
    );
  const tolerance = values.tolerance === undefined ? DEFAULT_TOLERANCE : Number(values.tolerance);
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new UsageError(`--tolerance must be a number ≥ 0, not "${values.tolerance}".`);
  const runDir = path.resolve(positionals[0]!);
  let manifest: Manifest;
  try {
    manifest = await readManifest(runDir);
  } catch (error) {
    throw new UserError(
      `Cannot reproduce ${runDir}: ${error instanceof Error ? error.message : String(error)} (runs trained before manifests existed have none).`,
    );
  }
  const appRun = !manifest.command && existsSync(path.join(runDir, 'run.json'));
  if (!manifest.command && !appRun)
    throw new UserError(
      `${path.join(runDir, 'manifest.json')} records no train command and ${runDir} holds no run.json: reproduce takes a layerlab train --out folder or a project's runs/<id> folder.`,
    );
  const changed = appRun ? null : await dataChange(manifest);
  if (changed) {
    out(`Data: ${changed}.`);
    out('Not reproducible: the run cannot be trained again on the data it was trained on.');
    return 1;
  }

  const outDir = values.out ? path.resolve(values.out) : await mkdtemp(path.join(os.tmpdir(), 'layerlab-reproduce-'));
  try {
    let again: Manifest;
    let curves: CurveComparison;
    let weights: WeightComparison;
    if (manifest.command) {
      out(
        `Data: ${manifest.data.source ? `${manifest.data.source.name} unchanged (SHA-256 ${manifest.data.source.sha256.slice(0, 12)}…)` : 'no source file recorded'}. Training again with: ${manifest.command.args.join(' ')}`,
      );
      const { trainCommand } = await import('./train-command');
      const code = await trainCommand([...manifest.command.args, '--out', outDir], (line) => out(`  ${line}`));
      if (code !== 0) throw new UserError(`The retraining did not finish (exit ${code}).`);
      again = await readManifest(outDir);
      curves = compareCurves(await readEpochs(runDir), await readEpochs(outDir));
      weights = await compareWeights(runDir, outDir);
    } else {
      const retrained = await retrainAppRun(runDir, manifest, outDir, out);
      if (!retrained) return 1;
      again = retrained.manifest;
      curves = compareCurves(retrained.epochsBefore, retrained.epochsAfter);
      weights = await compareWeights(path.join(runDir, 'model'), path.join(retrained.runDir, 'model'));
    }
    const envDiff = environmentDifferences(manifest.environment, again.environment);
    const inputsDiff = [
      again.data.dataset_sha256 !== manifest.data.dataset_sha256 ? 'the imported data' : null,
      again.split.rows_sha256 !== manifest.split.rows_sha256 ? 'the split rows' : null,
      again.graph_sha256 !== manifest.graph_sha256 ? 'the model graph' : null,
      JSON.stringify(again.settings) !== JSON.stringify(manifest.settings) ? 'the resolved settings' : null,
    ].filter((d): d is string => d !== null);

    out(
      `Environment: ${envDiff.length === 0 ? `the same backend (${again.environment.backend}) and machine, so the retraining must match bit for bit` : `differs (${envDiff.join('; ')}), so the retraining must match within a tolerance of ${tolerance}`}.`,
    );
    if (inputsDiff.length) out(`Inputs differ: ${inputsDiff.join(', ')}.`);
    out(
      `Curves: ${curves.values} values over ${curves.epochs[1]} epochs ${curves.identical ? 'identical' : `differ (max |Δ| ${curves.maxAbsDiff.toExponential(2)}, relative ${curves.maxRelDiff.toExponential(2)}; first: ${curves.firstDifference})`}.`,
    );
    out(
      `Weights: ${weights.problem ?? `${weights.files} file(s), ${weights.bytes} bytes ${weights.identical ? 'identical' : `differ (max |Δ| ${weights.maxAbsDiff.toExponential(2)}, largest weight ${weights.maxAbs.toPrecision(3)})`}`}.`,
    );
    const exact = curves.identical && weights.identical;
    const withinTolerance =
      curves.maxRelDiff <= tolerance && weights.maxAbsDiff <= tolerance * Math.max(1, weights.maxAbs);
    if (exact) {
      out('Reproduced bit for bit.');
      return 0;
    }
    if (envDiff.length === 0) {
      out(
        'Not reproduced: same backend and machine, yet the curves or weights differ' +
          (inputsDiff.length ? ` (${inputsDiff.join(', ')} differ)` : '') +
          '.',
      );
      return 1;
    }
    if (withinTolerance) {
      out(`Reproduced within tolerance ${tolerance} (not bit for bit: the environment differs).`);
      return 0;
    }
    out(`Not reproduced: the differences exceed the tolerance ${tolerance}.`);
    return 1;
  } finally {
    if (!values.out) await rm(outDir, { recursive: true, force: true });
  }
}
