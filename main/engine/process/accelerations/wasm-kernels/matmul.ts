import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/native-kernels';
import { product, wasmKernel, type WasmBackendLike } from './kernel-scope';

/**
 * Two defects of tfjs-backend-wasm 4.22's matmuls (docs/architecture.md, Engine accelerations), both fixed by
 * wrapping its BatchMatMul and _FusedMatMul kernels:
 *
 * - Only untransposed products with a batch of 1 use XNNPACK; any transposed operand (every
 *   backward matmul of a Dense layer) runs a slow scalar loop. The wrappers materialise the
 *   transpose with the native Transpose kernel first: the same numbers, several times faster.
 * - On that scalar path _FusedMatMul adds the bias wrongly. After the transpose the only scalar
 *   case left is a batch > 1; there the wrapper composes BatchMatMul + Add + the activation.
 *
 * With the engine's own GEMM (native/kernels.wat) both are replaced outright: it packs any
 * transpose as it goes (no Transpose kernel), adds the bias and applies relu in its last step
 * (one kernel for a Dense layer's forward pass), and runs ~1.3-2× faster than XNNPACK on the
 * MLP's shapes. The wrappers above remain the path when it is unavailable (tfjs changed its
 * heap, a threaded backend) and for what it does not take (other dtypes, empty products).
 *
 * The backend probe (backend.ts) checks the fused transposed case before any training, so a
 * tfjs upgrade that changes these kernels is caught rather than trusted.
 */

const batchOf = (x: tf.TensorInfo) => x.shape.slice(0, -2).reduce((a, b) => a * b, 1);

interface Product {
  m: number;
  k: number;
  n: number;
  batchA: number;
  batchB: number;
  outShape: number[];
}

/** The product's sizes when the native GEMM can compute it; null sends it to the other path. */
function nativeProduct(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): Product | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const [a0, a1] = a.shape.slice(-2) as [number, number];
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? a1 : a0;
  const k = transposeA ? a0 : a1;
  const n = transposeB ? b0 : b1;
  if ((transposeB ? b1 : b0) !== k || m === 0 || k === 0 || n === 0) return null;
  const batchA = batchOf(a);
  const batchB = batchOf(b);
  const batch = Math.max(batchA, batchB);
  // One side's batch broadcast over the other's, as the stock kernel supports; nothing subtler.
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    return null;
  }
  if (product(outer) !== batch) return null;
  return { m, k, n, batchA, batchB, outShape: [...outer, m, n] };
}

/** Runs op(a)·op(b) (+ bias) (relu) with the native GEMM, one product per batch entry. */
function nativeMatMul(
  native: NativeKernels,
  p: Product,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias?: tf.TensorInfo,
  relu = false,
): tf.TensorInfo {
  const out = native.output(p.outShape);
  const { m, k, n } = p;
  for (let i = 0; i < Math.max(p.batchA, p.batchB); i++) {
    native.gemm(out, {
      m,
      k,
      n,
      a,
      transposeA,
      b,
      transposeB,
      bias,
      relu,
      aAt: p.batchA === 1 ? 0 : i * m * k,
      bAt: p.batchB === 1 ? 0 : i * k * n,
      outAt: i * m * n,
    });
  }
  return out;
}

/** Replacements for BatchMatMul and _FusedMatMul built on the stock kernels (read them first). */
export function createMatMulKernels(native: NativeKernels | null = null): {
  BatchMatMul: tf.KernelFunc;
  _FusedMatMul: tf.KernelFunc;
} {
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
  const untransposed = (
    args: Parameters<tf.KernelFunc>[0],
    body: (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo,
  ): tf.TensorInfo => {
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

  const transposes = (args: Parameters<tf.KernelFunc>[0]) =>
    [Boolean(args.attrs?.['transposeA']), Boolean(args.attrs?.['transposeB'])] as const;

  const batchMatMul: tf.KernelFunc = (args) => {
    const a = args.inputs['a']!;
    const b = args.inputs['b']!;
    const [ta, tb] = transposes(args);
    const p = native ? nativeProduct(a, b, ta, tb) : null;
    if (native && p) return nativeMatMul(native, p, a, b, ta, tb);
    return untransposed(
      args,
      (a, b) =>
        stockMatMul({ inputs: { a, b }, attrs: { ...args.attrs, ...plain }, backend: args.backend }) as tf.TensorInfo,
    );
  };

  /** The bias and activation after a product `out` that had neither; frees what it replaces. */
  const finishFused = (
    args: Parameters<tf.KernelFunc>[0],
    product: tf.TensorInfo,
    withBias: boolean,
  ): tf.TensorInfo => {
    const attrs = args.attrs ?? {};
    const { backend } = args;
    const free = (x: tf.TensorInfo) => (backend as WasmBackendLike).disposeData(x.dataId);
    let out = product;
    const bias = withBias ? args.inputs['bias'] : undefined;
    if (bias) {
      const biased = add({ inputs: { a: out, b: bias }, backend }) as tf.TensorInfo;
      free(out);
      out = biased;
    }
    const activation = String(attrs['activation'] ?? 'linear');
    const act = activations[activation];
    if (act) {
      const inputs: tf.NamedTensorInfoMap = { x: out };
      if (activation === 'prelu' && args.inputs['preluActivationWeights'])
        inputs['alpha'] = args.inputs['preluActivationWeights'];
      const activated = act({ inputs, attrs: { alpha: attrs['leakyreluAlpha'] ?? 0.2 }, backend }) as tf.TensorInfo;
      free(out);
      out = activated;
    } else if (activation !== 'linear') {
      free(out);
      throw new Error(`unsupported fused activation "${activation}"`);
    }
    return out;
  };

  const fusedMatMul: tf.KernelFunc = (args) => {
    const a = args.inputs['a']!;
    const b = args.inputs['b']!;
    const [ta, tb] = transposes(args);
    const p = native ? nativeProduct(a, b, ta, tb) : null;
    if (native && p) {
      const bias = args.inputs['bias'];
      // A bias of n values (shape [n], [1, n], …) is added inside the GEMM; any other shape broadcasts after it.
      const inGemm =
        bias !== undefined && bias.dtype === 'float32' && product(bias.shape) === p.n && bias.shape.at(-1) === p.n;
      const activation = String(args.attrs?.['activation'] ?? 'linear');
      const biasAfter = bias !== undefined && !inGemm;
      // relu goes inside the GEMM too, unless a bias still has to be added before it.
      const reluInGemm = activation === 'relu' && !biasAfter;
      const out = nativeMatMul(native, p, a, b, ta, tb, inGemm ? bias : undefined, reluInGemm);
      if (!biasAfter && (reluInGemm || activation === 'linear')) return out;
      return finishFused(
        reluInGemm ? { ...args, attrs: { ...args.attrs, activation: 'linear' } } : args,
        out,
        biasAfter,
      );
    }
    return untransposed(args, (a, b) => {
      const attrs = args.attrs ?? {};
      const { backend } = args;
      if (batchOf(a) <= 1 && batchOf(b) <= 1) {
        return stockFused({
          inputs: { ...args.inputs, a, b },
          attrs: { ...attrs, ...plain },
          backend,
        }) as tf.TensorInfo;
      }
      return finishFused(args, stockMatMul({ inputs: { a, b }, attrs: plain, backend }) as tf.TensorInfo, true);
    });
  };
  return { BatchMatMul: batchMatMul, _FusedMatMul: fusedMatMul };
}
