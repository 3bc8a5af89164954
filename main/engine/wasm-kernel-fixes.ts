import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter } from './wasm-kernels/conv-filter-grad';
import { conv2dBackpropInput } from './wasm-kernels/conv-input-grad';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './wasm-kernels/depthwise-grads';
import { createSamePaddingKernels } from './wasm-kernels/explicit-same-padding';
import { createMatMulKernels } from './wasm-kernels/matmul';
import { maxPoolGrad } from './wasm-kernels/max-pool-grad';
import { unsortedSegmentSum } from './wasm-kernels/segment-sum';

/**
 * What the engine changes in tfjs-backend-wasm 4.22 so that every layer of the palette trains
 * on it, correctly and without a scalar loop in the hot path (design/ENGINE-NOTES.md):
 *
 * - missing kernels, composed from native ones: Conv2DBackpropFilter,
 *   DepthwiseConv2dNativeBackpropFilter/Input, UnsortedSegmentSum (without them tfjs throws;
 *   it never falls back to the cpu backend's kernels);
 * - wrong kernels, routed around: MaxPoolGrad (windows ≤ 0), _FusedMatMul (bias on its scalar
 *   path), and the forward convolutions' 'same' padding for some filter/stride pairs;
 * - slow kernels, replaced: BatchMatMul with transposes, Conv2DBackpropInput, MaxPoolGrad.
 *
 * Every replacement is compared with the cpu backend in tests/unit/engine/wasm-*.test.ts.
 */
let installed = false;

/** Registers the replacements on 'wasm'; call once the wasm backend is initialised. */
export function installWasmKernelFixes(): void {
  if (installed) return;
  // The wrappers capture the stock kernels, so they are built before anything is replaced.
  const kernels: Record<string, tf.KernelFunc> = {
    ...createMatMulKernels(),
    ...createSamePaddingKernels(),
    Conv2DBackpropFilter: conv2dBackpropFilter,
    Conv2DBackpropInput: conv2dBackpropInput,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
    UnsortedSegmentSum: unsortedSegmentSum,
    MaxPoolGrad: maxPoolGrad,
  };
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    const stock = tf.getKernel(kernelName, 'wasm');
    if (stock) tf.unregisterKernel(kernelName, 'wasm');
    // A stock kernel's setup already ran when the backend started; its config is kept otherwise.
    tf.registerKernel({ ...(stock ?? { backendName: 'wasm' }), kernelName, kernelFunc });
  }
  installed = true;
}
