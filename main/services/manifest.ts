import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { TaskSpec } from '../../app/dataset/schema';
import type { BackendReport, RunSummary } from '../../app/project/schema';
import type { RunTrainConfig, TrainConfig } from '../../app/training/config';
import { writeJsonAtomic } from '../data';
import { appVersion, ROOT } from '../package-root';

/** runs/<id>/manifest.json (and a `train --out` folder's): what it takes to train the run again. */
export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_VERSION = 1;

/** Files up to this size are hashed from one read, larger ones streamed. */
const SMALL_FILE_BYTES = 1024 * 1024;

/** SHA-256 of a file, streamed (a data file may be larger than memory). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * An imported dataset's meta.json names its import (id, time, the folder it came from): left out
 * of its fingerprint, so the same file imported twice has one fingerprint.
 */
function datasetMetaBytes(text: string): string {
  try {
    const { id: _id, importedAt: _at, sourceFile: _file, ...rest } = JSON.parse(text) as Record<string, unknown>;
    return JSON.stringify(rest);
  } catch {
    return text;
  }
}

/**
 * SHA-256 of a folder: every regular file under it, in name order, as "relative path, NUL,
 * length, NUL, bytes". An imported dataset (its columns, schema) is a folder; with `dataset`,
 * its top-level meta.json counts without what names the import (datasetMetaBytes).
 */
export async function sha256Folder(dir: string, options: { dataset?: boolean } = {}): Promise<string> {
  const files: string[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) files.push(child);
    }
  };
  await walk('');
  const hash = createHash('sha256');
  let smallFiles = 0;
  for (const rel of files) {
    const file = path.join(dir, rel);
    // split.json is derived (the split, made from the settings): manifest.split fingerprints it.
    if (options.dataset && rel === 'split.json') continue;
    if (options.dataset && rel === 'meta.json') {
      const meta = datasetMetaBytes(await readFile(file, 'utf8'));
      hash.update(`${rel}\0${Buffer.byteLength(meta)}\0${meta}`);
      continue;
    }
    const size = statSync(file).size;
    hash.update(`${rel}\0${size}\0`);
    if (size <= SMALL_FILE_BYTES) {
      // A folder of thousands of small images: one read each (a stream per file costs more than
      // its hashing), and a pause for the event loop every so often.
      hash.update(readFileSync(file));
      if (++smallFiles % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    } else for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

const sha256Text = (text: string) => createHash('sha256').update(text).digest('hex');

/** The rows of each split as the run read them (datasets/<id>/split.json), or null. */
async function splitRowsHash(datasetDir: string): Promise<string | null> {
  try {
    const { train, validation, test } = JSON.parse(await readFile(path.join(datasetDir, 'split.json'), 'utf8')) as {
      train: unknown;
      validation: unknown;
      test: unknown;
    };
    return sha256Text(JSON.stringify({ train, validation, test }));
  } catch {
    return null;
  }
}

/** The environment part of a manifest: what must be the same for a retraining to be bit-for-bit. */
export const ManifestEnvironment = z.object({
  layerlab_version: z.string(),
  /** The checkout's commit (null outside a git checkout, or without git); `dirty` when files differ from it. */
  git_commit: z.string().nullable(),
  git_dirty: z.boolean().nullable(),
  /** SHA-256 of package-lock.json (null in an install without one). */
  lockfile_sha256: z.string().nullable(),
  tfjs_version: z.string().nullable(),
  backend: z.string().nullable(),
  backend_threads: z.number().nullable(),
  /** SHA-256 of Layerlab's own WebAssembly kernels, by file (the wasm backend runs them). */
  kernels: z.record(z.string(), z.string()),
  node: z.string(),
  os: z.string(),
  arch: z.string(),
  cpu: z.string(),
  cpus: z.number(),
});
export type ManifestEnvironment = z.infer<typeof ManifestEnvironment>;

export const Manifest = z.object({
  manifest_version: z.literal(MANIFEST_VERSION),
  created_at: z.string(),
  run_id: z.string(),
  /** The data trained on: the imported dataset as stored (columns or image shards), and the source file when known. */
  data: z.object({
    dataset_sha256: z.string(),
    source: z
      .object({ path: z.string(), name: z.string(), bytes: z.number(), sha256: z.string(), folder: z.boolean() })
      .nullable(),
  }),
  split: z.object({
    validation_split: z.number(),
    seed: z.number(),
    /** The task's split spec (random/stratified/time, test share and its own seed); null: random validation share only. */
    spec: z.unknown().nullable(),
    /** SHA-256 of the rows in each split (the dataset's split.json train, validation, test); null where none is kept. */
    rows_sha256: z.string().nullable(),
  }),
  task: z.unknown(),
  /** Every setting the run trained with, resolved ("auto" replaced by what was chosen). */
  settings: z.record(z.string(), z.unknown()),
  /** The settings as asked for ("auto" where left to Layerlab). */
  settings_requested: z.record(z.string(), z.unknown()),
  auto_settings: z.array(z.string()),
  graph_sha256: z.string(),
  environment: ManifestEnvironment,
  /** `layerlab train`: the arguments that trained it (paths absolute, --out left out); `layerlab reproduce` reruns them. */
  command: z.object({ name: z.literal('train'), args: z.array(z.string()) }).optional(),
});
export type Manifest = z.infer<typeof Manifest>;

const run = promisify(execFile);

async function gitState(): Promise<{ commit: string | null; dirty: boolean | null }> {
  if (!existsSync(path.join(ROOT, '.git'))) return { commit: null, dirty: null };
  try {
    const { stdout } = await run('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { timeout: 5000 });
    const status = await run('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], {
      timeout: 10_000,
      maxBuffer: 8 << 20,
    });
    return { commit: stdout.trim(), dirty: status.stdout.trim() !== '' };
  } catch {
    return { commit: null, dirty: null };
  }
}

async function readVersion(file: string): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** The kernels the engine loads: the compiled build's copies, else the sources'. */
async function kernelHashes(): Promise<Record<string, string>> {
  const candidates = [
    path.join(ROOT, 'dist', 'node'),
    path.join(ROOT, 'main', 'engine', 'process', 'accelerations', 'native'),
    path.join(ROOT, 'main', 'engine', 'native'),
  ];
  for (const dir of candidates) {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^kernels-.*\.wasm$/.test(n)).sort();
    if (names.length === 0) continue;
    const out: Record<string, string> = {};
    for (const name of names) out[name] = await sha256File(path.join(dir, name));
    return out;
  }
  return {};
}

let environmentCache: Promise<Omit<ManifestEnvironment, 'backend' | 'backend_threads'>> | null = null;

/** What this process runs on (computed once per process; the backend comes from the run). */
export async function environment(backend: BackendReport | null): Promise<ManifestEnvironment> {
  environmentCache ??= (async () => {
    const git = await gitState();
    const lock = path.join(ROOT, 'package-lock.json');
    return {
      layerlab_version: appVersion(),
      git_commit: git.commit,
      git_dirty: git.dirty,
      lockfile_sha256: existsSync(lock) ? await sha256File(lock) : null,
      tfjs_version: await readVersion(path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs', 'package.json')),
      kernels: await kernelHashes(),
      node: process.version,
      os: `${os.type()} ${os.release()}`,
      arch: os.arch(),
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      cpus: os.cpus().length,
    };
  })();
  return { ...(await environmentCache), backend: backend?.name ?? null, backend_threads: backend?.threads ?? null };
}

/** Writes runs/<id>/manifest.json when a run starts (RunManager.start). */
export async function writeRunManifest(
  runDir: string,
  input: {
    datasetDir: string;
    taskSpec: TaskSpec;
    requested: TrainConfig;
    summary: RunSummary;
    source?: { path: string; folder: boolean } | undefined;
  },
): Promise<Manifest> {
  const { summary } = input;
  const source = input.source
    ? {
        path: path.resolve(input.source.path),
        name: path.basename(input.source.path),
        bytes: input.source.folder ? 0 : (await stat(input.source.path)).size,
        sha256: input.source.folder ? await sha256Folder(input.source.path) : await sha256File(input.source.path),
        folder: input.source.folder,
      }
    : null;
  const manifest: Manifest = {
    manifest_version: MANIFEST_VERSION,
    created_at: new Date().toISOString(),
    run_id: summary.id,
    data: { dataset_sha256: await sha256Folder(input.datasetDir, { dataset: true }), source },
    split: {
      validation_split: summary.trainConfig.validationSplit,
      seed: summary.trainConfig.seed,
      spec: input.taskSpec.split ?? null,
      rows_sha256: await splitRowsHash(input.datasetDir),
    },
    task: input.taskSpec,
    settings: summary.trainConfig as Record<string, unknown>,
    settings_requested: input.requested as Record<string, unknown>,
    auto_settings: summary.autoSettings ?? [],
    graph_sha256: sha256Text(JSON.stringify(summary.graph)),
    environment: await environment(summary.backend),
  };
  await writeJsonAtomic(path.join(runDir, MANIFEST_FILE), manifest);
  return manifest;
}

/** When a run ends: the settings it finally trained with (the LR range test's rate) and the backend it ended on. */
export async function finishRunManifest(runDir: string, config: RunTrainConfig, backend: BackendReport | null) {
  const manifest = await readManifest(runDir).catch(() => null);
  if (!manifest) return;
  manifest.settings = config as Record<string, unknown>;
  manifest.environment = {
    ...manifest.environment,
    backend: backend?.name ?? null,
    backend_threads: backend?.threads ?? null,
  };
  await writeJsonAtomic(path.join(runDir, MANIFEST_FILE), manifest);
}

export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file} does not exist` : `${file} is not valid JSON`, { cause: error });
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return parsed.data;
}
