import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ColumnProfile } from '../../app/dataset/schema';
import type { RangeResult, RangeTask } from './csv-range';

/** Profile these columns of the task, each its first `rows` values. */
export interface ProfileRequest {
  rows: number;
  columns: { index: number; name: string }[];
}

export interface RangeThread {
  /** The range's result, or null when the thread failed (the main thread reads the range). */
  result: Promise<RangeResult | null>;
  /** After the result: profiles of the asked columns, in order, or null when the thread failed. */
  profile(request: ProfileRequest): Promise<ColumnProfile[] | null>;
  /** Stop the thread; resolves once it can no longer write to the columns. */
  stop(): Promise<void>;
}

/**
 * The worker's entry: the TypeScript source through tsx's tsImport (host, CLI and tests run the
 * sources; a worker does not inherit its parent's --import, so a small data: module loads it),
 * or csv-range-worker.cjs beside the Electron bundle (scripts/build-electron.mjs). Null when
 * neither is there: the import then reads on one thread. Under tsx a worker costs ~0.5 s of CPU
 * to start (and ~0.4 s more to load profile.ts), a bundled one ~0.1 s.
 */
function workerEntry(): URL | null {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // What `node --import tsx` loads, then the worker; absolute URLs, as the data: URL has no
    // folder to resolve from.
    const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
    const source = new URL('./csv-range-worker.ts', here).href;
    const code = `const { tsImport } = await import(${JSON.stringify(tsx)});\nawait tsImport(${JSON.stringify(source)}, ${JSON.stringify(here)});\n`;
    return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
  }
  // Packaged, a worker thread cannot load its script from inside app.asar: electron-builder
  // unpacks this one beside it (asarUnpack in electron-builder.yml).
  const bundled = fileURLToPath(new URL('./csv-range-worker.cjs', here)).replace(/app\.asar(?=[\\/])/, 'app.asar.unpacked');
  return existsSync(bundled) ? pathToFileURL(bundled) : null;
}

/** Start a thread that reads task's range (csv-range.ts), or null when it cannot start. */
export function startRangeThread(task: RangeTask): RangeThread | null {
  const entry = workerEntry();
  if (entry === null) return null;
  let worker: Worker;
  try {
    worker = new Worker(entry, { workerData: task, stdout: false, stderr: false });
  } catch {
    return null;
  }
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const failed = new Promise<null>((resolve) => {
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
  const nextMessage = <T>() => Promise.race([new Promise<T>((resolve) => worker.once('message', resolve)), failed]);
  const result = nextMessage<RangeResult>();
  return {
    result,
    profile: async (request) => {
      const reply = nextMessage<ColumnProfile[]>();
      worker.postMessage(request);
      return reply;
    },
    stop: async () => {
      await worker.terminate();
      await exited;
    },
  };
}
