import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * tfjs-backend-wasm 4.22's threaded SIMD build (XNNPACK with a pthreadpool) under Node's
 * worker_threads. The package never uses it in Node: its WASM_HAS_MULTITHREAD_SUPPORT flag is
 * false whenever IS_NODE (tfjs issue 3830), and its init() hands Emscripten a Blob URL for the
 * pthread worker script and a Blob for the main script, neither of which worker_threads can
 * load. The Emscripten glue itself (wasm-out/tfjs-backend-wasm-threaded-simd.js) supports Node:
 * given a worker script on disk and the glue's own path as the script each pthread imports, it
 * starts its pool of worker_threads on a shared WebAssembly.Memory. So the 'wasm' backend's
 * factory is replaced by one that does exactly that and builds tfjs' own BackendWasm on the
 * module; every kernel registered for 'wasm' then runs unchanged.
 */

const requireHere = createRequire(import.meta.url);
const PACKAGE = '@tensorflow/tfjs-backend-wasm';
/** tfjs registers its wasm backend at this priority (tfjs-backend-wasm/src/base.ts). */
const WASM_PRIORITY = 2;

interface WasmPackage {
  BackendWasm: new (module: unknown) => tf.KernelBackend;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => unknown;
  tfjs?: unknown;
}

type ThreadedFactory = (config: {
  locateFile(file: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
}) => Promise<EmscriptenModule>;

/** `contents` as a file in the temp folder, named by its hash (worker_threads load scripts from files). */
function tempScript(stem: string, contents: string): string {
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 16);
  // .cjs: a CommonJS script whatever package.json lies above the temp folder.
  const file = path.join(os.tmpdir(), `layerlab-${stem}-${hash}.cjs`);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== contents) {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, contents);
    renameSync(temp, file);
  }
  return file;
}

/** The pthread worker script; the package ships it as a CommonJS module exporting its text. */
function workerScript(wasmOut: string): string {
  const { wasmWorkerContents: text } = requireHere(path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The text holds a raw newline where the script means the escape "\\n" inside a string literal
  // (the template literal undid it); tfjs' init() re-escapes every newline the same way.
  return tempScript('tfjs-wasm-threaded-worker', text.replace(/\n/g, '\\n'));
}

/**
 * The Emscripten glue with its pthread pool sized to threads - 1 workers instead of 8: each one is a
 * worker_thread that instantiates the whole module before the backend is ready, so 8 on a
 * 2-core machine cost start-up time for threads XNNPACK never uses (it runs threads - 1 of them
 * beside the calling thread).
 */
function glueScript(wasmOut: string, threads: number): string {
  let text = readFileSync(path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js'), 'utf8');
  const patch = (pattern: RegExp, replacement: string, what: string) => {
    const patched = text.replace(pattern, replacement);
    if (patched === text) throw new Error(`the threaded glue has no ${what} to patch (a tfjs change?)`);
    text = patched;
  };
  patch(/\bpthreadPoolSize\s*=\s*8\b/, `pthreadPoolSize=${Math.max(1, threads - 1)}`, '"pthreadPoolSize=8"');
  // backend.cc caps the pool at emscripten_num_logical_cores() / 2 (it assumes two hyperthreads a
  // core), which is 1 thread on a 2-CPU machine whatever setThreadsCount asked: the glue answers
  // that call with twice the count chosen here, so the count chosen is the count used.
  patch(/return require\("os"\)\.cpus\(\)\.length/, `return ${2 * threads}`, 'emscripten_num_logical_cores');
  return tempScript('tfjs-wasm-threaded-glue', text);
}

/**
 * Emscripten's Node glue adds process-wide 'uncaughtException' and 'unhandledRejection'
 * listeners that rethrow; tfjs' own bundle removes them again, and so does this.
 */
function withoutGlueListeners<T>(start: () => Promise<T>): Promise<T> {
  const before = {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
  const removeAdded = () => {
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
    }
  };
  const started = start();
  removeAdded();
  return started.finally(removeAdded);
}

let registeredThreads: number | null = null;

/** The XNNPACK thread count the threaded backend runs with, once started; null when not in use. */
export function wasmThreadsInUse(): number | null {
  if (registeredThreads === null) return null;
  try {
    return (requireHere(PACKAGE) as WasmPackage).getThreadsCount();
  } catch {
    return null;
  }
}

/**
 * Makes the next `tf.setBackend('wasm')` start the threaded SIMD build with `threads` threads
 * (XNNPACK's pool; the calling thread is one of them). Call before the wasm backend starts.
 */
export function registerThreadedWasmBackend(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`a thread count must be a whole number ≥ 1, not ${threads}`);
  if (tf.findBackend('wasm')) throw new Error('the wasm backend has already started');
  const wasmPackage = requireHere(PACKAGE) as WasmPackage;
  const wasmOut = path.join(path.dirname(requireHere.resolve(`${PACKAGE}/package.json`)), 'wasm-out');
  const gluePath = glueScript(wasmOut, threads);
  const factory = requireHere(gluePath) as ThreadedFactory;
  const worker = workerScript(wasmOut);
  const existing = tf.findBackendFactory('wasm');
  if (existing) {
    stockFactory ??= existing;
    tf.removeBackend('wasm');
  }
  registeredThreads = threads;
  tf.registerBackend(
    'wasm',
    async () => {
      const module = await withoutGlueListeners(() =>
        factory({
          locateFile: (file) => (file.endsWith('.worker.js') ? worker : path.join(wasmOut, file)),
          // Each pthread evaluates this script to define the module factory it then runs.
          mainScriptUrlOrBlob: gluePath,
        }),
      );
      // The bridge tfjs' init() adds (tfjs-backend-wasm/src/backend_wasm.ts).
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      wasmPackage.setThreadsCount(threads);
      return new wasmPackage.BackendWasm(module);
    },
    WASM_PRIORITY,
  );
}

/**
 * How many threads the wasm backend should run, and why: LAYERLAB_WASM_THREADS=N forces N
 * (1 = the single-threaded build); otherwise `defaultThreads(cores)`.
 */
export function chooseWasmThreads(
  env: NodeJS.ProcessEnv = process.env,
  cores: number = os.availableParallelism(),
): number {
  const forced = (env['LAYERLAB_WASM_THREADS'] ?? '').trim();
  if (forced !== '') {
    const n = Number(forced);
    if (!Number.isInteger(n) || n < 1 || n > 64)
      throw new Error(
        `LAYERLAB_WASM_THREADS must be a whole number from 1 to 64, but it is "${forced}". Unset it to choose automatically.`,
      );
    return n;
  }
  return defaultThreads(cores);
}

/**
 * The automatic choice: two threads wherever there are two cores (XNNPACK's pool and the engine
 * kernels' helper thread, native/helper-thread.ts), else one. Measured on 2 cores (README,
 * Benchmarks): with the machine otherwise quiet, two threads bought the 48×48×3 cnn template
 * 1.80× at batch 32 and a whole colour-image job 1.73×, the MLP 1.04×. With the other core busy
 * they once cost the CNN 0.77×, because a split call waited for a helper thread that was not
 * scheduled; the caller now takes the helper's part back when the helper has not started it by
 * the time its own part is done, and two threads measured 1.2-1.4× one thread at load 6-7 on 2
 * cores. Two, not more: the helper design splits a call in two, and a fixed count keeps a run's
 * numbers the same on every machine with two cores or more (reproduce compares thread counts).
 * LAYERLAB_WASM_THREADS=1 asks for one.
 */
export function defaultThreads(cores: number): number {
  return cores >= 2 ? 2 : 1;
}

let stockFactory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | null = null;

/** Puts tfjs' own single-threaded 'wasm' factory back (after the threaded one failed to start). */
export function restoreStockWasmBackend(): void {
  if (!stockFactory) return;
  if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
  tf.registerBackend('wasm', stockFactory, WASM_PRIORITY);
  registeredThreads = null;
}
