import * as tf from '@tensorflow/tfjs';
import { loadNativeKernels, type NativeKernels, type NativeVariant } from './native/native-kernels';
import type { HelperCalls } from './native/helper-thread';
import { conv2dBackpropFilter } from './wasm-kernels/conv-filter-grad';
import { conv2dBackpropInput } from './wasm-kernels/conv-input-grad';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './wasm-kernels/depthwise-grads';
import { createSamePaddingKernels } from './wasm-kernels/explicit-same-padding';
import { shareIdentity } from './wasm-kernels/identity';
import { createNativeConvKernels } from './wasm-kernels/native-conv';
import { createCast, createSum } from './wasm-kernels/reductions';
import { wasmKernel } from './wasm-kernels/kernel-scope';
import { createMatMulKernels } from './wasm-kernels/matmul';
import { createMaxPool, createMaxPoolGrad } from './wasm-kernels/max-pool-grad';
import { createReluGrad, RELU_GRAD_KERNEL } from './wasm-kernels/relu-grad';
import { unsortedSegmentSum } from './wasm-kernels/segment-sum';

/**
 * What the engine changes in tfjs-backend-wasm 4.22 so that every layer of the palette trains
 * on it, correctly and without a scalar loop in the hot path (docs/architecture.md, Engine accelerations):
 *
 * - missing kernels, composed from native ones: Conv2DBackpropFilter,
 *   DepthwiseConv2dNativeBackpropFilter/Input, UnsortedSegmentSum (without them tfjs throws;
 *   it never falls back to the cpu backend's kernels);
 * - wrong kernels, routed around: MaxPoolGrad (windows ≤ 0), _FusedMatMul (bias on its scalar
 *   path), and the forward convolutions' 'same' padding for some filter/stride pairs;
 * - slow kernels, replaced: BatchMatMul with transposes, Conv2DBackpropInput, MaxPoolGrad;
 *   with the engine's own wasm kernels (native/kernels.wat) where they load, every f32 matmul,
 *   MaxPoolGrad and the convolution gradients (im2col + GEMM) run on those instead, and a
 *   Sum over all leading axes (a bias gradient) reads its input once instead of transposing
 *   it first, and relu's gradient is one pass (an engine kernel of its own, fused-layers.ts);
 * - needless copies, avoided: Identity (every tensor a gradient saves) and a Cast to the same
 *   dtype share their input's buffer, as on the cpu backend.
 *
 * Every replacement is compared with the cpu backend in tests/unit/engine/wasm-*.test.ts.
 */
let installed: { native: NativeKernels | null; reason: string | null } | null = null;

/** The engine's own wasm kernels once the fixes are installed and they loaded, else null. */
export function engineNativeKernels(): NativeKernels | null {
  return installed?.native ?? null;
}

/** Which of the engine's own wasm kernel builds runs, or why none does (benchmarks report it). */
export function wasmNativeKernels(): {
  variant: NativeVariant | null;
  reason: string | null;
  /** Whether a second thread shares the engine kernels' large calls, and how many it has shared. */
  helperThread: boolean;
  helperCalls: HelperCalls;
} {
  const native = installed?.native;
  return installed
    ? {
        variant: native?.variant ?? null,
        reason: installed.reason,
        helperThread: native?.helperThread ?? false,
        helperCalls: native?.helperCalls() ?? { byHelper: 0, here: 0, takenBack: 0, byKernel: {} },
      }
    : {
        variant: null,
        reason: 'the wasm kernel fixes are not installed',
        helperThread: false,
        helperCalls: { byHelper: 0, here: 0, takenBack: 0, byKernel: {} },
      };
}

/** Registers the replacements on 'wasm'; call once the wasm backend is initialised. */
export function installWasmKernelFixes(): void {
  if (installed) return;
  const backend = tf.findBackend('wasm');
  if (!backend) throw new Error('the wasm backend is not initialised');
  const loaded = loadNativeKernels(backend);
  const native: NativeKernels | null = 'unavailable' in loaded ? null : loaded;
  // The wrappers capture the stock kernels, so they are built before anything is replaced.
  const kernels: Record<string, tf.KernelFunc> = {
    ...createMatMulKernels(native),
    ...createSamePaddingKernels(),
    Conv2DBackpropFilter: conv2dBackpropFilter,
    Conv2DBackpropInput: conv2dBackpropInput,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
    UnsortedSegmentSum: unsortedSegmentSum,
    MaxPoolGrad: createMaxPoolGrad(native),
    MaxPool: createMaxPool(native, wasmKernel('MaxPool')),
    Identity: shareIdentity,
    Cast: createCast(wasmKernel('Cast')),
  };
  if (native) {
    kernels['Sum'] = createSum(native, wasmKernel('Sum'));
    kernels[RELU_GRAD_KERNEL] = createReluGrad(native);
    Object.assign(
      kernels,
      createNativeConvKernels(native, {
        Conv2D: kernels['Conv2D']!,
        FusedConv2D: kernels['FusedConv2D']!,
        Conv2DBackpropFilter: conv2dBackpropFilter,
        Conv2DBackpropInput: conv2dBackpropInput,
      }),
    );
  }
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    const stock = tf.getKernel(kernelName, 'wasm');
    if (stock) tf.unregisterKernel(kernelName, 'wasm');
    // A stock kernel's setup already ran when the backend started; its config is kept otherwise.
    tf.registerKernel({ ...(stock ?? { backendName: 'wasm' }), kernelName, kernelFunc });
  }
  installed = { native, reason: 'unavailable' in loaded ? loaded.unavailable : null };
}
