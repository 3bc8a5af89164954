import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ColumnProfile } from '../../app/dataset/schema';
import type { RangeResult, RangeTask, SegmentRequest, SegmentResult, SegmentsTask } from './csv-range';

/** Profile these columns of the task, each its first `rows` values. */
export interface ProfileRequest {
  rows: number;
  columns: { index: number; name: string }[];
}

/** Profile column `index` of numbers from its file in `dir`, `rows` values (column-spill.ts). */
export interface ProfileFileRequest {
  dir: string;
  rows: number;
  index: number;
  name: string;
}

/** What the worker is started with (csv-range-worker.ts). */
export type WorkerData = { range: RangeTask } | { segments: SegmentsTask };

/** What the worker is sent. */
export type WorkerRequest =
  | ({ kind: 'profile' } & ProfileRequest)
  | ({ kind: 'segment' } & SegmentRequest)
  | ({ kind: 'profile-file' } & ProfileFileRequest);

export interface RangeThread {
  /** The range's result, or null when the thread failed (the main thread reads the range). */
  result: Promise<RangeResult | null>;
  /** After the result: profiles of the asked columns, in order, or null when the thread failed. */
  profile(request: ProfileRequest): Promise<ColumnProfile[] | null>;
  /** Stop the thread; resolves once it can no longer write to the columns. */
  stop(): Promise<void>;
}

/** Where a worker's script is, and whether it is a bundle (which needs no tsx). */
export interface WorkerEntry {
  url: URL;
  bundled: boolean;
}

/**
 * The worker's entry: compiled, the worker of the same build beside the running code
 * (csv-range-worker.mjs in dist/node, scripts/build-node.mjs; csv-range-worker.cjs in
 * dist/electron, scripts/build-electron.mjs). Running from the TypeScript sources under tsx
 * (tests, benches), a bundle of the sources cached while they are unchanged (csv-range-bundle.ts),
 * else the sources through tsx's tsImport (a worker does not inherit its parent's tsx hooks, so a
 * small data: module loads them). Null when none is there: the import then reads on one thread.
 * A worker costs ~0.8 s of CPU to start under tsx, ~0.2 s bundled. Called before it is needed, so
 * that a bundle can be built while the first chunks are read. `here`: the running module's URL.
 */
export async function rangeWorkerEntry(here: string = import.meta.url): Promise<WorkerEntry | null> {
  if (here.endsWith('.ts')) {
    const { rangeWorkerBundle } = await import('./csv-range-bundle');
    const bundle = await rangeWorkerBundle();
    if (bundle !== null) return { url: pathToFileURL(bundle), bundled: true };
    // What `node --import tsx` loads, then the worker; absolute URLs, as the data: URL has no
    // folder to resolve from.
    const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
    const source = new URL('./csv-range-worker.ts', here).href;
    const code = `const { tsImport } = await import(${JSON.stringify(tsx)});\nawait tsImport(${JSON.stringify(source)}, ${JSON.stringify(here)});\n`;
    return { url: new URL(`data:text/javascript,${encodeURIComponent(code)}`), bundled: false };
  }
  // Packaged, a worker thread cannot load its script from inside app.asar: electron-builder
  // unpacks this one beside it (asarUnpack in electron-builder.yml).
  const bundled = fileURLToPath(
    new URL(here.endsWith('.cjs') ? './csv-range-worker.cjs' : './csv-range-worker.mjs', here),
  ).replace(/app\.asar(?=[\\/])/, 'app.asar.unpacked');
  return existsSync(bundled) ? { url: pathToFileURL(bundled), bundled: true } : null;
}

/** A started worker and its replies, one per request, in the order asked; null for each once it failed. */
function startWorker(data: WorkerData, entry: WorkerEntry | null) {
  if (entry === null) return null;
  let worker: Worker;
  try {
    // A bundle needs none of the parent's flags; inheriting `--import tsx` would load tsx in the
    // thread for nothing (~0.3 s of CPU).
    worker = new Worker(entry.url, {
      workerData: data,
      stdout: false,
      stderr: false,
      ...(entry.bundled ? { execArgv: [] } : {}),
    });
  } catch {
    return null;
  }
  const waiting: ((reply: unknown) => void)[] = [];
  let failed = false;
  const fail = () => {
    failed = true;
    for (const resolve of waiting.splice(0)) resolve(null);
  };
  worker.on('message', (reply: unknown) => waiting.shift()?.(reply));
  worker.once('error', fail);
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      fail();
      resolve();
    }),
  );
  return {
    /** The next reply (the first: a range's result, sent unasked). */
    reply: <T>(request?: WorkerRequest): Promise<T | null> => {
      if (failed) return Promise.resolve(null);
      const reply = new Promise<T | null>((resolve) => waiting.push(resolve as (reply: unknown) => void));
      if (request) worker.postMessage(request);
      return reply;
    },
    stop: async () => {
      await worker.terminate();
      await exited;
    },
  };
}

/** Start a thread that reads task's range (csv-range.ts) from `entry`, or null when it cannot start. */
export function startRangeThread(task: RangeTask, entry: WorkerEntry | null): RangeThread | null {
  const worker = startWorker({ range: task }, entry);
  if (worker === null) return null;
  return {
    result: worker.reply<RangeResult>(),
    profile: (request) => worker.reply<ColumnProfile[]>({ kind: 'profile', ...request }),
    stop: worker.stop,
  };
}

export interface SegmentThread {
  /** Read a segment into its set (asked while others are still being read: they queue). Null when the thread failed. */
  segment(request: SegmentRequest): Promise<SegmentResult | null>;
  /** Profile a column of numbers from its file; null when the thread failed. */
  profileFile(request: ProfileFileRequest): Promise<ColumnProfile | null>;
  /** Stop the thread; resolves once it can no longer write to the sets. */
  stop(): Promise<void>;
}

/** Start a thread that reads the segments of an import too large for memory, or null when it cannot start. */
export function startSegmentThread(task: SegmentsTask, entry: WorkerEntry | null): SegmentThread | null {
  const worker = startWorker({ segments: task }, entry);
  if (worker === null) return null;
  return {
    segment: (request) => worker.reply<SegmentResult>({ kind: 'segment', ...request }),
    profileFile: (request) => worker.reply<ColumnProfile>({ kind: 'profile-file', ...request }),
    stop: worker.stop,
  };
}
