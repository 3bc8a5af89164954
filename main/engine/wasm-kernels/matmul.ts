import type * as tf from '@tensorflow/tfjs';
import { wasmKernel, type WasmBackendLike } from './kernel-scope';

/**
 * Two defects of tfjs-backend-wasm 4.22's matmuls (design/ENGINE-NOTES.md), both fixed by
 * wrapping its BatchMatMul and _FusedMatMul kernels:
 *
 * - Only untransposed products with a batch of 1 use XNNPACK; any transposed operand (every
 *   backward matmul of a Dense layer) runs a slow scalar loop. The wrappers materialise the
 *   transpose with the native Transpose kernel first: the same numbers, several times faster.
 * - On that scalar path _FusedMatMul adds the bias wrongly. After the transpose the only scalar
 *   case left is a batch > 1; there the wrapper composes BatchMatMul + Add + the activation.
 *
 * The backend probe (backend.ts) checks the fused transposed case before any training, so a
 * tfjs upgrade that changes these kernels is caught rather than trusted.
 */

const batchOf = (x: tf.TensorInfo) => x.shape.slice(0, -2).reduce((a, b) => a * b, 1);

/** Replacements for BatchMatMul and _FusedMatMul built on the stock kernels (read them first). */
export function createMatMulKernels(): { BatchMatMul: tf.KernelFunc; _FusedMatMul: tf.KernelFunc } {
  const transpose = wasmKernel('Transpose');
  const stockMatMul = wasmKernel('BatchMatMul');
  const stockFused = wasmKernel('_FusedMatMul');
  const add = wasmKernel('Add');
  const activations: Record<string, tf.KernelFunc> = {
    relu: wasmKernel('Relu'),
    relu6: wasmKernel('Relu6'),
    elu: wasmKernel('Elu'),
    sigmoid: wasmKernel('Sigmoid'),
    leakyrelu: wasmKernel('LeakyRelu'),
    prelu: wasmKernel('Prelu'),
  };

  const swapLastTwo = (x: tf.TensorInfo, backend: object): tf.TensorInfo => {
    const perm = x.shape.map((_, i) => i);
    const r = perm.length;
    perm[r - 1] = r - 2;
    perm[r - 2] = r - 1;
    return transpose({ inputs: { x }, attrs: { perm }, backend }) as tf.TensorInfo;
  };

  /** Runs `body` on untransposed operands; frees the temporary transposed copies afterwards. */
  const untransposed = (args: Parameters<tf.KernelFunc>[0], body: (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo): tf.TensorInfo => {
    const attrs = args.attrs ?? {};
    const a = args.inputs['a']!;
    const b = args.inputs['b']!;
    const ta = attrs['transposeA'] ? swapLastTwo(a, args.backend) : a;
    const tb = attrs['transposeB'] ? swapLastTwo(b, args.backend) : b;
    try {
      return body(ta, tb);
    } finally {
      // Kernel-internal intermediates: no Tensor owns them, so free them here.
      const backend = args.backend as WasmBackendLike;
      if (ta !== a) backend.disposeData(ta.dataId);
      if (tb !== b) backend.disposeData(tb.dataId);
    }
  };
  const plain = { transposeA: false, transposeB: false };

  const batchMatMul: tf.KernelFunc = (args) =>
    untransposed(args, (a, b) => stockMatMul({ inputs: { a, b }, attrs: { ...args.attrs, ...plain }, backend: args.backend }) as tf.TensorInfo);

  const fusedMatMul: tf.KernelFunc = (args) =>
    untransposed(args, (a, b) => {
      const attrs = args.attrs ?? {};
      const { backend } = args;
      if (batchOf(a) <= 1 && batchOf(b) <= 1) {
        return stockFused({ inputs: { ...args.inputs, a, b }, attrs: { ...attrs, ...plain }, backend }) as tf.TensorInfo;
      }
      const free = (x: tf.TensorInfo) => (backend as WasmBackendLike).disposeData(x.dataId);
      let out = stockMatMul({ inputs: { a, b }, attrs: plain, backend }) as tf.TensorInfo;
      const bias = args.inputs['bias'];
      if (bias) {
        const biased = add({ inputs: { a: out, b: bias }, backend }) as tf.TensorInfo;
        free(out);
        out = biased;
      }
      const activation = String(attrs['activation'] ?? 'linear');
      const act = activations[activation];
      if (act) {
        const inputs: tf.NamedTensorInfoMap = { x: out };
        if (activation === 'prelu' && args.inputs['preluActivationWeights']) inputs['alpha'] = args.inputs['preluActivationWeights'];
        const activated = act({ inputs, attrs: { alpha: attrs['leakyreluAlpha'] ?? 0.2 }, backend }) as tf.TensorInfo;
        free(out);
        out = activated;
      } else if (activation !== 'linear') {
        free(out);
        throw new Error(`unsupported fused activation "${activation}"`);
      }
      return out;
    });

  return { BatchMatMul: batchMatMul, _FusedMatMul: fusedMatMul };
}
