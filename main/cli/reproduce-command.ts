import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../../app/ipc/errors';
import { readManifest, sha256File, sha256Folder, type Manifest, type ManifestEnvironment } from '../services/manifest';
import { UsageError } from './cli-error';

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
  if (positionals.length !== 1) throw new UsageError('Give one RUN_DIR: a folder written by layerlab train --out.');
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
  if (!manifest.command)
    throw new UserError(
      `${path.join(runDir, 'manifest.json')} records no train command: reproduce takes a folder written by layerlab train --out.`,
    );
  const changed = await dataChange(manifest);
  if (changed) {
    out(`Data: ${changed}.`);
    out('Not reproducible: the run cannot be trained again on the data it was trained on.');
    return 1;
  }
  out(
    `Data: ${manifest.data.source ? `${manifest.data.source.name} unchanged (SHA-256 ${manifest.data.source.sha256.slice(0, 12)}…)` : 'no source file recorded'}. Training again with: ${manifest.command.args.join(' ')}`,
  );

  const outDir = values.out ? path.resolve(values.out) : await mkdtemp(path.join(os.tmpdir(), 'layerlab-reproduce-'));
  try {
    const { trainCommand } = await import('./train-command');
    const code = await trainCommand([...manifest.command.args, '--out', outDir], (line) => out(`  ${line}`));
    if (code !== 0) throw new UserError(`The retraining did not finish (exit ${code}).`);
    const again = await readManifest(outDir);
    const envDiff = environmentDifferences(manifest.environment, again.environment);
    const curves = compareCurves(await readEpochs(runDir), await readEpochs(outDir));
    const weights = await compareWeights(runDir, outDir);
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
