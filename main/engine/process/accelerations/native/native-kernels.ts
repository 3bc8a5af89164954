import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import type * as tf from '@tensorflow/tfjs';
import { withSharedMemoryImport } from './shared-memory-import';

/**
 * The engine's own wasm kernels (kernels.wat, built by scripts/build-wasm-kernels.mjs), run on
 * tfjs-backend-wasm's heap: the module imports the backend's WebAssembly.Memory, so tensors
 * are read and written where they lie, with no copies. Two builds of one source: relaxed SIMD
 * (fused multiply-add, ~1.3× the f32 GEMM throughput of XNNPACK's wasm kernels here) and plain
 * SIMD128 for runtimes without relaxed SIMD.
 */

/** The part of tfjs-backend-wasm's backend object these kernels touch. */
interface WasmBackendInternals {
  wasm: {
    asm?: { memory?: unknown };
    wasmMemory?: unknown;
    _malloc(bytes: number): number;
    _free(offset: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  refCount(dataId: object): number;
  disposeData(dataId: object): unknown;
}

export type NativeVariant = 'relaxed-simd' | 'simd128';

export interface GemmArgs {
  m: number;
  k: number;
  n: number;
  a: tf.TensorInfo;
  transposeA: boolean;
  b: tf.TensorInfo;
  transposeB: boolean;
  /** n values, added to every row */
  bias?: tf.TensorInfo | undefined;
  relu?: boolean;
  /** element offsets of this product's operands and output inside their tensors (batched products) */
  aAt?: number;
  bAt?: number;
  outAt?: number;
}

export interface NativeKernels {
  readonly variant: NativeVariant;
  /** out (m×n, row-major, at outAt) = op(a)·op(b) (+ bias) (relu); m, k, n ≥ 1. */
  gemm(out: tf.TensorInfo, args: GemmArgs): void;
  /** NHWC MaxPoolGrad into dx: each window's dy goes to its first maximum in x. */
  maxPoolGrad(dx: tf.TensorInfo, x: tf.TensorInfo, dy: tf.TensorInfo, geometry: WindowGeometry): void;
  /** Each output pixel's receptive field as one row of cols: [n·oh·ow, fh·fw·c], zeros in the padding. */
  im2col(cols: tf.TensorInfo, x: tf.TensorInfo, geometry: WindowGeometry): void;
  /** The inverse scatter: dx (zeroed first) gets every row of cols added back onto its pixels. */
  col2im(dx: tf.TensorInfo, cols: tf.TensorInfo, geometry: WindowGeometry): void;
  /** out[c] = Σ_r x[r, c] for x viewed as [rows, cols] (out holds cols floats). */
  sumRows(out: tf.TensorInfo, x: tf.TensorInfo, rows: number, cols: number): void;
  /** relu's gradient from its output y: out = dy·step(y), n floats each (see kernels.wat). */
  reluGrad(out: tf.TensorInfo, dy: tf.TensorInfo, y: tf.TensorInfo, n: number): void;
  /** A fresh float32 output tensor on the backend's heap. */
  output(shape: number[]): tf.TensorInfo;
  /** Frees a temporary made with output(). */
  free(t: tf.TensorInfo): void;
  /** Whether `t` is the only tensor on its buffer, so an in-place update changes nothing else. */
  ownsBuffer(t: tf.TensorInfo): boolean;
  /** One Adam step from the gradient g: m and v in place, the new weights into xOut (n floats each); see kernels.wat. */
  adam(
    x: tf.TensorInfo,
    xOut: tf.TensorInfo,
    m: tf.TensorInfo,
    v: tf.TensorInfo,
    g: tf.TensorInfo,
    n: number,
    step: AdamStep,
  ): void;
  /** A tensor's floats where they lie on the heap (valid until the heap next grows: copy or use at once). */
  floats(t: tf.TensorInfo, size: number): Float32Array;
  /** The first float of a tensor, read or written in place (an optimizer's scalar state). */
  scalar(t: tf.TensorInfo): number;
  setScalar(t: tf.TensorInfo, value: number): void;
}

/** Adam's numbers for one step, as tfjs' AdamOptimizer forms them (float32 on the heap). */
export interface AdamStep {
  beta1: number;
  beta2: number;
  /** 1 - β1ᵗ and 1 - β2ᵗ */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  learningRate: number;
}

/** A pooling window's or a convolution's geometry (NHWC), as backend_util computes it. */
export interface WindowGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padInfo: { top: number; left: number };
}

/** The little of the WebAssembly JS API used here (the engine's tsconfig has no DOM lib, which declares it). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const windowArgs = (g: WindowGeometry) =>
  [
    g.batchSize,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outHeight,
    g.outWidth,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.padInfo.top,
    g.padInfo.left,
  ] as const;

interface Exports {
  gemm_scratch_bytes(m: number, k: number, n: number): number;
  gemm(
    m: number,
    k: number,
    n: number,
    a: number,
    ta: number,
    b: number,
    tb: number,
    c: number,
    bias: number,
    relu: number,
    scratch: number,
  ): void;
  adam(
    x: number,
    xout: number,
    m: number,
    v: number,
    g: number,
    n: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    omab1: number,
    omab2: number,
    eps: number,
    neglr: number,
  ): void;
  im2col(
    x: number,
    cols: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
  ): void;
  col2im(
    cols: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
  ): void;
  sum_rows(x: number, out: number, rows: number, cols: number): void;
  relu_grad(dy: number, y: number, out: number, n: number): void;
  max_pool_grad(
    x: number,
    dy: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    ch: number,
    oh: number,
    ow: number,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
  ): void;
}

const wasmFile = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url));

/**
 * Relaxed SIMD ships enabled in Electron's V8 and in Node ≥ 22; Node 20 has it behind a V8
 * flag, which takes effect for modules validated after it is set (checked, not assumed).
 */
function relaxedSimdAvailable(bytes: Uint8Array): boolean {
  if (Wasm.validate(bytes)) return true;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return Wasm.validate(bytes);
}

/**
 * Which build to use: LAYERLAB_WASM_KERNELS=simd128 (or `prefer`) forces the plain one
 * (benchmarks and tests compare them); otherwise relaxed SIMD where the runtime validates it.
 */
function chooseBuild(prefer: NativeVariant | undefined): { variant: NativeVariant; bytes: Uint8Array } {
  const wanted = prefer ?? (process.env['LAYERLAB_WASM_KERNELS'] === 'simd128' ? 'simd128' : 'relaxed-simd');
  if (wanted === 'relaxed-simd') {
    const relaxed = wasmFile('kernels-relaxed.wasm');
    if (relaxedSimdAvailable(relaxed)) return { variant: 'relaxed-simd', bytes: relaxed };
  }
  return { variant: 'simd128', bytes: wasmFile('kernels-simd.wasm') };
}

/**
 * Instantiates the kernels on the wasm backend's heap, or says why not (then the callers keep
 * XNNPACK and the composed kernels). LAYERLAB_WASM_KERNELS=off turns them off. Relaxed SIMD is
 * used where available unless `prefer` asks for the plain build.
 */
export function loadNativeKernels(
  backendObject: object,
  options: { prefer?: NativeVariant } = {},
): NativeKernels | { unavailable: string } {
  if (process.env['LAYERLAB_WASM_KERNELS'] === 'off') return { unavailable: 'LAYERLAB_WASM_KERNELS=off' };
  const backend = backendObject as WasmBackendInternals;
  // The single-threaded builds export their memory; the threaded one imports it (Module.wasmMemory).
  const memory = backend.wasm?.asm?.memory ?? backend.wasm?.wasmMemory;
  if (!(memory instanceof Wasm.Memory))
    return { unavailable: "tfjs-backend-wasm does not expose its heap's WebAssembly.Memory (a tfjs change?)" };
  // The threaded build's heap is shared: the kernels then import it as shared memory. They still
  // run on the calling thread only, between XNNPACK's calls (which return once its pool is done).
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  let variant: NativeVariant;
  let exports: Exports;
  try {
    const build = chooseBuild(options.prefer);
    variant = build.variant;
    const bytes = shared ? withSharedMemoryImport(build.bytes) : build.bytes;
    exports = new Wasm.Instance(new Wasm.Module(bytes), { env: { memory } }).exports as unknown as Exports;
  } catch (error) {
    return { unavailable: `the engine's wasm kernels did not load: ${(error as Error).message}` };
  }

  // One scratch block on the backend's heap for GEMM packing, grown when a product needs more.
  let scratch = 0;
  let scratchBytes = 0;
  const scratchOf = (bytes: number) => {
    if (bytes > scratchBytes) {
      if (scratch !== 0) backend.wasm._free(scratch);
      scratchBytes = Math.max(bytes, scratchBytes * 2);
      scratch = backend.wasm._malloc(scratchBytes + 16) >>> 0;
      if (scratch === 0) throw new Error(`the wasm heap could not give ${scratchBytes} bytes of GEMM scratch`);
    }
    return (scratch + 15) & ~15;
  };
  const offset = (t: tf.TensorInfo) => {
    const entry = backend.dataIdMap.get(t.dataId);
    if (!entry) throw new Error('a tensor passed to a wasm kernel has no data on the wasm backend');
    return entry.memoryOffset;
  };

  return {
    variant,
    output: (shape) => backend.makeOutput(shape, 'float32'),
    gemm(out, { m, k, n, a, transposeA, b, transposeB, bias, relu, aAt = 0, bAt = 0, outAt = 0 }) {
      const work = scratchOf(exports.gemm_scratch_bytes(m, k, n));
      exports.gemm(
        m,
        k,
        n,
        offset(a) + 4 * aAt,
        transposeA ? 1 : 0,
        offset(b) + 4 * bAt,
        transposeB ? 1 : 0,
        offset(out) + 4 * outAt,
        bias ? offset(bias) : 0,
        relu ? 1 : 0,
        work,
      );
    },
    sumRows(out, x, rows, cols) {
      exports.sum_rows(offset(x), offset(out), rows, cols);
    },
    reluGrad(out, dy, y, n) {
      exports.relu_grad(offset(dy), offset(y), offset(out), n);
    },
    free: (t) => {
      backend.disposeData(t.dataId);
    },
    im2col(cols, x, g) {
      exports.im2col(offset(x), offset(cols), ...windowArgs(g));
    },
    col2im(dx, cols, g) {
      exports.col2im(offset(cols), offset(dx), ...windowArgs(g));
    },
    ownsBuffer: (t) => backend.refCount(t.dataId) === 1,
    adam(x, xOut, m, v, g, n, h) {
      // 1 - β is formed in double and rounded once, exactly as tfjs passes `1 - this.beta1` to mul.
      exports.adam(
        offset(x),
        offset(xOut),
        offset(m),
        offset(v),
        offset(g),
        n,
        h.beta1,
        1 - h.beta1,
        h.beta2,
        1 - h.beta2,
        h.oneMinusAccBeta1,
        h.oneMinusAccBeta2,
        h.epsilon,
        -h.learningRate,
      );
    },
    floats: (t, size) => new Float32Array(memory.buffer, offset(t), size),
    scalar: (t) => new Float32Array(memory.buffer, offset(t), 1)[0]!,
    setScalar: (t, value) => {
      new Float32Array(memory.buffer, offset(t), 1)[0] = value;
    },
    maxPoolGrad(dx, x, dy, g) {
      exports.max_pool_grad(offset(x), offset(dy), offset(dx), ...windowArgs(g));
    },
  };
}
