import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendReport } from '../../../app/project/schema';
import { loadCpuGemm } from './accelerations/cpu/cpu-gemm';
import { engineNativeKernels } from './accelerations/wasm-kernel-fixes';
import {
  ACCELERATIONS_TFJS_VERSION,
  installAccelerations,
  planAccelerations,
  type AccelerationsPlan,
} from './accelerations';
import {
  chooseWasmThreads,
  registerThreadedWasmBackend,
  restoreStockWasmBackend,
  wasmThreadsInUse,
} from './accelerations/wasm-threads';

export const BACKEND_ORDER = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(value);
}

type Attempt =
  | { ok: true; threads?: number; threadsNote?: string; cpuGemm?: string; accelerations: AccelerationsPlan }
  | { ok: false; reason: string };

/** The first line of an error, without the stack: a reason that fits on one line of a report. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
}

function isMissingModule(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  // Only the package itself being absent counts as "not installed"; a missing native library or
  // a missing dependency of an installed package is a load failure worth reporting as such.
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${specifier}'`);
}

/**
 * tf.setBackend swallows the initialisation error and only console.warns it; capture those
 * warnings so the report can say why, not just that, a backend did not start.
 */
async function setBackendCapturingWarnings(name: string): Promise<{ ok: boolean; warnings: string[] }> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  };
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return { ok, warnings };
  } catch (error) {
    return { ok: false, warnings: [...warnings, firstLine(error)] };
  } finally {
    console.warn = original;
  }
}

const near = (actual: ArrayLike<number>, expected: readonly number[]): boolean =>
  actual.length === expected.length &&
  expected.every((e, i) => Math.abs((actual[i] ?? NaN) - e) <= 1e-4 * Math.max(1, Math.abs(e)));

/**
 * A tiny forward and backward pass whose answer is known: a backend that loads but computes
 * wrong numbers (a broken native build, a bad kernel) must not train anyone's model. It covers
 * the kernels a Dense network's training step needs, including a fused matmul with a
 * transposed operand and a bias, which stock tfjs-backend-wasm 4.22 gets wrong.
 */
export function probeBackend(): string | null {
  const xv = [1, 2, 3, -1, 0.5, 4]; // 3×2
  const wv = [0.5, -1, 2, 0.25]; // 2×2, used transposed
  const bv = [0.1, -0.2];
  // Expected numbers, computed in plain JS: y = x·wᵀ + b, L = Σ y², dL/dw = (2y)ᵀ·x, dL/db = Σ_rows 2y.
  const y: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 2; c++) y.push(xv[r * 2]! * wv[c * 2]! + xv[r * 2 + 1]! * wv[c * 2 + 1]! + bv[c]!);
  }
  const dW = [0, 0, 0, 0];
  const dB = [0, 0];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 2; c++) {
      const g = 2 * y[r * 2 + c]!;
      dB[c]! += g;
      for (let k = 0; k < 2; k++) dW[c * 2 + k]! += g * xv[r * 2 + k]!;
    }
  }

  let tensors: tf.Tensor[] = [];
  try {
    // Everything inside try: a broken backend may throw rather than compute wrong numbers.
    tensors = tf.tidy(() => {
      const x = tf.tensor2d(xv, [3, 2]);
      const w = tf.tensor2d(wv, [2, 2]);
      const b = tf.tensor1d(bv);
      const forward = (wt: tf.Tensor, bt: tf.Tensor) =>
        tf.fused.matMul({ a: x, b: wt as tf.Tensor2D, transposeB: true, bias: bt });
      const out = forward(w, b);
      const [gw, gb] = tf.grads((wt: tf.Tensor, bt: tf.Tensor) => forward(wt, bt).square().sum())([w, b]);
      const plain = tf.matMul(x, w); // untransposed path, no bias
      // A batch of two: the path where stock wasm's fused bias is wrong even without transposes.
      const batched = tf.fused.matMul({
        a: tf.stack([x, x]) as tf.Tensor3D,
        b: tf.stack([w, w]) as tf.Tensor3D,
        transposeB: true,
        bias: b,
      });
      return [out, gw!, gb!, plain, batched];
    });
    const [out, gw, gb, plain, batched] = tensors.map((t) => t.dataSync());
    const plainExpected: number[] = [];
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 2; c++) plainExpected.push(xv[r * 2]! * wv[c]! + xv[r * 2 + 1]! * wv[2 + c]!);
    if (!near(plain!, plainExpected))
      return `matMul gave ${Array.from(plain!).join(', ')}, expected ${plainExpected.join(', ')}`;
    if (!near(out!, y)) return `fused matMul with bias gave ${Array.from(out!).join(', ')}, expected ${y.join(', ')}`;
    if (!near(gw!, dW)) return `the kernel gradient was ${Array.from(gw!).join(', ')}, expected ${dW.join(', ')}`;
    if (!near(gb!, dB)) return `the bias gradient was ${Array.from(gb!).join(', ')}, expected ${dB.join(', ')}`;
    if (!near(batched!, [...y, ...y]))
      return `batched fused matMul with bias gave ${Array.from(batched!).join(', ')}, expected ${[...y, ...y].join(', ')}`;
    return null;
  } catch (error) {
    return firstLine(error);
  } finally {
    tensors.forEach((t) => t.dispose());
  }
}

/**
 * Resolve packages from this file, not the working directory (the engine may be started from
 * anywhere), and with require: the tfjs packages are CommonJS in Node, require shares one module
 * instance with `import`, and it works the same when the engine is bundled as CommonJS.
 */
const requireHere = createRequire(import.meta.url);

/** Why an optional package could not be loaded, in the words of the backend report. */
export function describeLoadFailure(error: unknown, specifier: string): string {
  if (isMissingModule(error, specifier)) return `${specifier} is not installed`;
  return `failed to load: ${firstLine(error)}`;
}

function requireOptional(specifier: string): { ok: true } | { ok: false; reason: string } {
  try {
    // The native packages are optionalDependencies: their absence is the normal case on
    // machines without a native TensorFlow build, so it is reported, never thrown.
    requireHere(specifier);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describeLoadFailure(error, specifier) };
  }
}

async function tryBackend(name: BackendName, wasmThreads: number, accelerations: AccelerationsPlan): Promise<Attempt> {
  let tfName: string = name;
  let plan = accelerations;
  if (name === 'tfjs-node-gpu' || name === 'tfjs-node') {
    const loaded = requireOptional(`@tensorflow/${name}`);
    if (!loaded.ok) return loaded;
    tfName = 'tensorflow';
    if (!tf.findBackendFactory(tfName)) {
      return {
        ok: false,
        reason: `failed to load: it registered no "tensorflow" backend with this copy of TensorFlow.js (a version mismatch with @tensorflow/tfjs ${tf.version.tfjs}?)`,
      };
    }
  } else if (name === 'wasm') {
    const specifier = '@tensorflow/tfjs-backend-wasm';
    try {
      const wasm = requireHere(specifier) as typeof import('@tensorflow/tfjs-backend-wasm');
      // The .wasm binaries ship beside the package's main file; point at them explicitly so a
      // bundled or relocated engine still finds them (a bundle's __dirname guess would be wrong).
      wasm.setWasmPaths(path.dirname(requireHere.resolve(specifier)) + path.sep);
      if (plan.on && wasm.version_wasm !== ACCELERATIONS_TFJS_VERSION)
        plan = planAccelerations({}, { 'tfjs-backend-wasm': wasm.version_wasm });
    } catch (error) {
      return { ok: false, reason: describeLoadFailure(error, specifier) };
    }
  }

  let threadsNote: string | undefined;
  let started: { ok: boolean; warnings: string[] };
  // With the engine's CPU GEMM addon (accelerations/cpu), the GEMMs run on its own threads and
  // the wasm build stays single-threaded: XNNPACK's pool would only spin beside them.
  const cpu = name === 'wasm' && plan.on ? loadCpuGemm(wasmThreads) : null;
  const cpuGemm = cpu && !('unavailable' in cpu) ? cpu : null;
  if (name === 'wasm' && !tf.findBackend('wasm')) {
    // More than one thread: tfjs' threaded build, started by the engine (wasm-threads.ts).
    const threads = plan.on && !cpuGemm ? wasmThreads : 1;
    if (wasmThreads > 1 && !plan.on)
      threadsNote = `one thread: the threaded build is one of the engine's accelerations, which are off (${plan.reason})`;
    if (threads > 1) {
      try {
        registerThreadedWasmBackend(threads);
      } catch (error) {
        threadsNote = `one thread: the threaded build could not be set up (${firstLine(error)})`;
      }
    }
    started = await setBackendCapturingWarnings(tfName);
    if (!started.ok && threads > 1 && threadsNote === undefined) {
      // The threaded build failed to start: the single-threaded one still may.
      const why = started.warnings.filter((w) => !/^Initialization of backend/.test(w))[0] ?? 'no reason given';
      threadsNote = `one thread: the threaded build failed to start (${firstLine(why)})`;
      restoreStockWasmBackend();
      started = await setBackendCapturingWarnings(tfName);
    }
  } else {
    started = await setBackendCapturingWarnings(tfName);
  }
  if (!started.ok) {
    const why = started.warnings.filter((w) => !/^Initialization of backend/.test(w))[0] ?? 'no reason given';
    return { ok: false, reason: `failed to initialise: ${firstLine(why)}` };
  }
  // The engine's accelerations (accelerations/index.ts): on wasm its kernel fixes and own
  // kernels; for every backend leaner saved tensors and tfjs' fused relu layers while recording.
  try {
    installAccelerations(tfName, plan);
  } catch (error) {
    return { ok: false, reason: `failed to install the engine's wasm kernels: ${firstLine(error)}` };
  }
  const probe = probeBackend();
  if (probe !== null)
    return {
      ok: false,
      reason: plan.on
        ? `probe failed: ${probe}`
        : `probe failed on stock TensorFlow.js (the engine's accelerations are off): ${probe}`,
    };
  const report = { accelerations: plan };
  if (name !== 'wasm') return { ok: true, ...report };
  const usedCpu = cpuGemm ? engineNativeKernels()?.cpuGemm : null;
  return {
    ok: true,
    ...report,
    // What ran, not what loaded: the addon is used through the engine's wasm kernels.
    threads: usedCpu ? usedCpu.threads : (wasmThreadsInUse() ?? 1),
    ...(usedCpu ? { cpuGemm: usedCpu.isa } : {}),
    ...(threadsNote === undefined ? {} : { threadsNote }),
  };
}

/**
 * Pick the fastest backend that loads and computes correctly, in the order
 * tfjs-node-gpu → tfjs-node → wasm → cpu, and say why each better one was skipped.
 * LAYERLAB_BACKEND=<name> forces a backend (tests, benchmarks); the backends before it are then
 * reported as not tried, and if it fails the ones after it are still tried.
 */
export async function selectBackend(options: { force?: string | undefined } = {}): Promise<BackendReport> {
  const force = (options.force ?? process.env['LAYERLAB_BACKEND'] ?? '').trim();
  if (force !== '' && !isBackendName(force)) {
    throw new Error(
      `LAYERLAB_BACKEND must be one of ${BACKEND_ORDER.join(', ')}, but it is "${force}". Unset it to choose automatically.`,
    );
  }
  // The wasm backend's threads: LAYERLAB_WASM_THREADS=N, else the default (checked up front:
  // a bad value is refused like a bad LAYERLAB_BACKEND, whichever backend would have started).
  const wasmThreads = chooseWasmThreads();
  // Whether the accelerations go in (LAYERLAB_ACCELERATIONS, the TensorFlow.js version): checked
  // up front too; when they don't, the engine says so here and in the report.
  const accelerations = planAccelerations();
  if (!accelerations.on) console.warn(`Layerlab engine: accelerations off: ${accelerations.reason}.`);
  const skipped: BackendReport['skipped'] = [];
  const start = force === '' ? 0 : BACKEND_ORDER.indexOf(force);
  for (const name of BACKEND_ORDER.slice(0, start)) {
    skipped.push({ name, reason: `not tried: LAYERLAB_BACKEND=${force} forces the ${force} backend` });
  }
  for (const name of BACKEND_ORDER.slice(start)) {
    const attempt = await tryBackend(name, wasmThreads, accelerations);
    if (attempt.ok) {
      return {
        name,
        skipped,
        accelerations: attempt.accelerations,
        ...(attempt.threads === undefined ? {} : { threads: attempt.threads }),
        ...(attempt.cpuGemm === undefined ? {} : { cpuGemm: attempt.cpuGemm }),
        ...(attempt.threadsNote === undefined ? {} : { threadsNote: attempt.threadsNote }),
      };
    }
    skipped.push({ name, reason: attempt.reason });
  }
  throw new Error(
    `No TensorFlow.js backend works on this machine: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}.`,
  );
}
