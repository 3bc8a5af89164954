import * as tf from '@tensorflow/tfjs';
import { installFusedLayerTraining } from './fused-layers';
import { installLeanTapeSaves } from './lean-tape';
import { installWasmKernelFixes } from './wasm-kernel-fixes';

/**
 * The engine's accelerations, installed in one place. They patch TensorFlow.js internals of one
 * release, so they are installed only on that release, and one switch turns them all off:
 *
 * - wasm-kernel-fixes.ts: missing, wrong and slow tfjs-backend-wasm kernels replaced, with the
 *   engine's own wasm kernels (native/) where they load;
 * - lean-tape.ts: tensors saved for the backward pass share their buffer instead of an Identity run;
 * - fused-layers.ts: relu layers keep tfjs' fused kernel while a gradient is recorded;
 * - fused-adam.ts (optimizers.ts) and dense-fast-path.ts (train.ts): used only where the engine's
 *   own wasm kernels are installed, so they follow the wasm kernel fixes;
 * - wasm-threads.ts: tfjs-backend-wasm's threaded build under worker_threads (LAYERLAB_WASM_THREADS);
 * - cpu/: a native GEMM and convolution addon (AVX-512/AVX2), used by the engine's kernels where it
 *   was built and loads; the wasm build then runs single-threaded (backend.ts).
 *
 * LAYERLAB_ACCELERATIONS=off installs none of them; so does a TensorFlow.js release other than
 * ACCELERATIONS_TFJS_VERSION. The engine then runs stock TensorFlow.js, says why on its stderr
 * and in the backend report (`accelerations`), and the backend probe decides whether stock wasm
 * is usable (stock tfjs-backend-wasm 4.22 computes a batched fused matmul with a bias wrong, so
 * the engine falls back to the cpu backend there).
 */

/** The TensorFlow.js release the accelerations were written against and are tested with. */
export const ACCELERATIONS_TFJS_VERSION = '4.22.0';

export interface AccelerationsPlan {
  on: boolean;
  /** Why they are off. */
  reason?: string;
}

/**
 * Whether to install the accelerations: LAYERLAB_ACCELERATIONS (on | off; unset is on) and the
 * versions of the TensorFlow.js packages loaded (tf.version, plus tfjs-backend-wasm's when the
 * wasm backend runs). A bad value of the switch is refused, like a bad LAYERLAB_BACKEND.
 */
export function planAccelerations(
  env: NodeJS.ProcessEnv = process.env,
  versions: Record<string, string> = { ...tf.version },
): AccelerationsPlan {
  const value = (env['LAYERLAB_ACCELERATIONS'] ?? '').trim().toLowerCase();
  if (value !== '' && value !== 'on' && value !== 'off')
    throw new Error(
      `LAYERLAB_ACCELERATIONS must be "on" or "off", but it is "${env['LAYERLAB_ACCELERATIONS']}". Unset it for on.`,
    );
  if (value === 'off') return { on: false, reason: 'LAYERLAB_ACCELERATIONS=off' };
  const other = Object.entries(versions).filter(([, v]) => v !== ACCELERATIONS_TFJS_VERSION);
  if (other.length > 0)
    return {
      on: false,
      reason: `they were written for TensorFlow.js ${ACCELERATIONS_TFJS_VERSION}, but ${other
        .map(([name, v]) => `${name} is ${v}`)
        .join(', ')}`,
    };
  return { on: true };
}

let installedOn: string[] = [];

/**
 * Installs the accelerations for the backend just started (`name` as tfjs knows it: 'wasm',
 * 'cpu', 'tensorflow'), if the plan says so; returns what it installed. Throws when the wasm
 * kernels fail to install (the backend is then not used).
 */
export function installAccelerations(name: string, plan: AccelerationsPlan): string[] {
  if (!plan.on) return [];
  const installed: string[] = [];
  if (name === 'wasm') {
    installWasmKernelFixes();
    installed.push('wasm kernels');
  }
  installLeanTapeSaves();
  installFusedLayerTraining();
  installed.push('lean tape', 'fused layers');
  installedOn = installed;
  return installed;
}

/** What installAccelerations installed in this process (tests, benches). */
export function installedAccelerations(): readonly string[] {
  return installedOn;
}
