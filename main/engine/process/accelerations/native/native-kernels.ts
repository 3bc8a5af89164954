import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import type * as tf from '@tensorflow/tfjs';
import { loadCpuGemm, type CpuGemm } from '../cpu/cpu-gemm';
import { chooseWasmThreads } from '../wasm-threads';
import { startHelperThread, type HelperCalls, type HelperThread } from './helper-thread';
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
  /** Whether a second thread shares the kernels' work (the threaded backend's shared heap; helper-thread.ts). */
  readonly helperThread: boolean;
  /** Split calls so far: the helper's share run on it, or (before it started) here. */
  helperCalls(): HelperCalls;
  /**
   * The CPU GEMM addon that runs every gemm here instead of the wasm one (../cpu/cpu-gemm.ts):
   * its instruction set and threads, or null with the reason.
   */
  readonly cpuGemm: { isa: string; threads: number } | null;
  readonly cpuGemmReason: string | null;
  /** out (m×n, row-major, at outAt) = op(a)·op(b) (+ bias) (relu); m, k, n ≥ 1. */
  gemm(out: tf.TensorInfo, args: GemmArgs): void;
  /**
   * A convolution on the CPU addon (only when cpuGemm is set), its im2col read while packing:
   * 'forward' y = conv(a = x, b = filter) (+ bias) (relu); 'filter' the filter gradient from
   * a = x and b = dy; 'input' the input gradient from a = dy and b = the filter.
   */
  cpuConv(
    mode: 'forward' | 'filter' | 'input',
    out: tf.TensorInfo,
    a: tf.TensorInfo,
    b: tf.TensorInfo,
    bias: tf.TensorInfo | undefined,
    g: WindowGeometry,
    outChannels: number,
    relu: boolean,
  ): void;
  /** NHWC max pooling on the CPU addon (only when cpuGemm is set): each window's largest value inside the image. */
  cpuMaxPool(y: tf.TensorInfo, x: tf.TensorInfo, g: WindowGeometry): void;
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
  /**
   * A convolution's filter gradient without im2col, for few input channels (a first layer):
   * dw (filterHeight·filterWidth·inChannels × outChannels) is overwritten. outChannels must be
   * a multiple of SMALL_CONV.outMultiple (see kernels.wat, conv_filter_grad_small).
   */
  convFilterGradSmall(
    dw: tf.TensorInfo,
    x: tf.TensorInfo,
    dy: tf.TensorInfo,
    g: WindowGeometry,
    outChannels: number,
  ): void;
  /**
   * The forward convolution for the same layers (isSmallConv), bias (optional,
   * outChannels floats) and relu applied, into y (see kernels.wat, conv_small_forward).
   */
  convSmallForward(
    y: tf.TensorInfo,
    x: tf.TensorInfo,
    filter: tf.TensorInfo,
    bias: tf.TensorInfo | undefined,
    g: WindowGeometry,
    outChannels: number,
    relu: boolean,
  ): void;
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

/** A windowed kernel's geometry arguments, in windowArgs' order (images, input, output, window, stride, padding). */
type Window = [
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
];

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
    ldc: number,
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
  im2col(x: number, cols: number, ...window: Window): void;
  col2im(cols: number, dx: number, ...window: Window): void;
  sum_rows(x: number, out: number, rows: number, cols: number): void;
  conv_filter_grad_small(x: number, dy: number, dw: number, ...windowAndOut: [...Window, co: number]): void;
  conv_small_forward(
    x: number,
    w: number,
    bias: number,
    y: number,
    ...rest: [...Window, co: number, relu: number]
  ): void;
  relu_grad(dy: number, y: number, out: number, n: number): void;
  max_pool_grad(x: number, dy: number, dx: number, ...window: Window): void;
}

/**
 * The layers conv_small_forward and conv_filter_grad_small take instead of XNNPACK and im2col +
 * GEMM: few input channels (a first layer's gray or RGB pixels, where a window is a thin 9-36
 * taps), and output channels in whole groups of 16 (their four vectors).
 */
export const SMALL_CONV = { maxInChannels: 4, outMultiple: 16 } as const;

/** Whether a convolution of this geometry into `outChannels` is one SMALL_CONV's kernels take. */
export function isSmallConv(g: WindowGeometry, outChannels: number): boolean {
  return g.inChannels <= SMALL_CONV.maxInChannels && outChannels % SMALL_CONV.outMultiple === 0;
}

/** The exports the helper thread may run. */
const HELPER_CALLS = [
  'gemm',
  'im2col',
  'col2im',
  'max_pool_grad',
  'relu_grad',
  'adam',
  'conv_filter_grad_small',
  'conv_small_forward',
] as const;
/** A product this large (multiply-adds) is split between the threads; a handover costs ~10-50 µs. */
const SPLIT_MACS = 1 << 20;
/** An elementwise or windowed call over this many floats is split. */
const SPLIT_FLOATS = 1 << 16;

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
  options: { prefer?: NativeVariant; cpuGemm?: boolean } = {},
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
  let module: object;
  try {
    const build = chooseBuild(options.prefer);
    variant = build.variant;
    const bytes = shared ? withSharedMemoryImport(build.bytes) : build.bytes;
    module = new Wasm.Module(bytes);
    exports = new Wasm.Instance(module, { env: { memory } }).exports as unknown as Exports;
  } catch (error) {
    return { unavailable: `the engine's wasm kernels did not load: ${(error as Error).message}` };
  }
  // On a shared heap a second thread takes half of each large kernel call (LAYERLAB_WASM_HELPER=off: none).
  const helper: HelperThread | null =
    shared && process.env['LAYERLAB_WASM_HELPER'] !== 'off'
      ? startHelperThread(
          module,
          memory,
          HELPER_CALLS,
          exports as unknown as Record<string, (...args: number[]) => unknown>,
        )
      : null;

  // The CPU addon takes every GEMM where it loads, on the engine's thread count (its own threads:
  // the wasm backend then runs single-threaded, backend.ts).
  const cpu: CpuGemm | { unavailable: string } =
    options.cpuGemm === false ? { unavailable: 'turned off by the caller' } : loadCpuGemm(chooseWasmThreads());
  const cpuGemm = 'unavailable' in cpu ? null : cpu;
  let heapView = new Uint8Array(memory.buffer);
  /** The heap as bytes; a new view once it has grown (the old buffer is then detached or shorter). */
  const heap = () => (heapView.buffer === memory.buffer ? heapView : (heapView = new Uint8Array(memory.buffer)));

  // Scratch blocks on the backend's heap, grown when a call needs more: 0 for this thread's GEMM
  // packing, 1 for the helper thread's, 2 for the helper's partial sums of a split product.
  const scratch = [0, 0, 0];
  const scratchBytes = [0, 0, 0];
  const scratchOf = (bytes: number, slot = 0) => {
    if (bytes > scratchBytes[slot]!) {
      if (scratch[slot] !== 0) backend.wasm._free(scratch[slot]!);
      scratchBytes[slot] = Math.max(bytes, scratchBytes[slot]! * 2);
      scratch[slot] = backend.wasm._malloc(scratchBytes[slot]! + 16) >>> 0;
      if (scratch[slot] === 0)
        throw new Error(`the wasm heap could not give ${scratchBytes[slot]} bytes of GEMM scratch`);
    }
    return (scratch[slot]! + 15) & ~15;
  };

  /** Adds the helper thread's partial sum (`size` floats at `partial`) into the floats at `into`. */
  const addPartial = (into: number, partial: number, size: number) => {
    const out = new Float32Array(memory.buffer, into, size);
    const add = new Float32Array(memory.buffer, partial, size);
    for (let i = 0; i < size; i++) out[i]! += add[i]!;
  };

  /**
   * A first-layer kernel (conv_small_forward, conv_filter_grad_small) over the batch, its
   * leading offsets `head`, then the image count, then `rest`: split into image halves when it
   * is large, `second(n1)` giving the second half's offsets. True when it was split.
   */
  const byImages = (
    name: 'conv_small_forward' | 'conv_filter_grad_small',
    g: WindowGeometry,
    co: number,
    head: number[],
    second: (n1: number) => number[],
    rest: number[],
  ): boolean => {
    const call = exports[name] as (...a: number[]) => void;
    const n = g.batchSize;
    const macs = n * g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels * co;
    if (!helper || n < 2 || macs < SPLIT_MACS) {
      call(...head, n, ...rest);
      return false;
    }
    const n1 = Math.ceil(n / 2);
    helper.alongside(name, [...second(n1), n - n1, ...rest], () => call(...head, n1, ...rest));
    return true;
  };

  /**
   * One GEMM, split between the two threads when it is large. By rows of op(A) when A is not
   * transposed and the rows outnumber the columns (a convolution's m is every pixel of the batch;
   * each thread packs all of B, and writes its own rows of C). By the summed dimension when A is
   * transposed and k is long (a convolution's weight gradient: k is every pixel, m·n small; the
   * helper's partial sum is then added into C here). Otherwise by columns (a Dense layer's
   * products: m is the batch, n the units or inputs): each thread packs all of op(A) but only
   * its own columns of B, and writes its own columns of C, which the kernel's row stride (ldc)
   * allows; split by rows, both threads would pack the whole of B for a few rows each.
   */
  const gemmAt = (
    m: number,
    k: number,
    n: number,
    a: number,
    ta: boolean,
    b: number,
    tb: boolean,
    c: number,
    bias: number,
    relu: boolean,
  ) => {
    const [taFlag, tbFlag, reluFlag] = [ta ? 1 : 0, tb ? 1 : 0, relu ? 1 : 0];
    if (cpuGemm) {
      cpuGemm.gemm(heap(), m, k, n, a, taFlag, b, tbFlag, c, bias, reluFlag, n);
      return;
    }
    const big = helper !== null && m * k * n >= SPLIT_MACS;
    if (big && !ta && m >= 8 && m >= n) {
      // Whole 5-row panels (kernels.wat's tile) in the first half, so only the last one is partial.
      const m1 = Math.ceil(Math.ceil(m / 2) / 5) * 5;
      const theirs = scratchOf(exports.gemm_scratch_bytes(m - m1, k, n), 1);
      const mine = scratchOf(exports.gemm_scratch_bytes(m1, k, n), 0);
      helper.alongside(
        'gemm',
        [m - m1, k, n, a + 4 * m1 * k, 0, b, tbFlag, c + 4 * m1 * n, bias, reluFlag, theirs, n],
        () => exports.gemm(m1, k, n, a, 0, b, tbFlag, c, bias, reluFlag, mine, n),
      );
      return;
    }
    if (big && ta && !tb && bias === 0 && !relu && k >= 512) {
      const k1 = Math.ceil(k / 2);
      const theirs = scratchOf(exports.gemm_scratch_bytes(m, k - k1, n), 1);
      const mine = scratchOf(exports.gemm_scratch_bytes(m, k1, n), 0);
      const partial = scratchOf(4 * m * n, 2);
      helper.alongside('gemm', [m, k - k1, n, a + 4 * k1 * m, 1, b + 4 * k1 * n, 0, partial, 0, 0, theirs, n], () =>
        exports.gemm(m, k1, n, a, 1, b, 0, c, 0, 0, mine, n),
      );
      addPartial(c, partial, m * n);
      return;
    }
    if (big && n >= 16) {
      // Whole 8-column panels (the tile's width) in the first half.
      const n1 = Math.ceil(Math.ceil(n / 2) / 8) * 8;
      const theirs = scratchOf(exports.gemm_scratch_bytes(m, k, n - n1), 1);
      const mine = scratchOf(exports.gemm_scratch_bytes(m, k, n1), 0);
      // Column n1 of op(B): n1 floats along a row of B, or n1 rows down a transposed one.
      const bTheirs = b + 4 * n1 * (tb ? k : 1);
      helper.alongside(
        'gemm',
        [m, k, n - n1, a, taFlag, bTheirs, tbFlag, c + 4 * n1, bias === 0 ? 0 : bias + 4 * n1, reluFlag, theirs, n],
        () => exports.gemm(m, k, n1, a, taFlag, b, tbFlag, c, bias, reluFlag, mine, n),
      );
      return;
    }
    exports.gemm(m, k, n, a, taFlag, b, tbFlag, c, bias, reluFlag, scratchOf(exports.gemm_scratch_bytes(m, k, n)), n);
  };

  /**
   * A windowed kernel (im2col, col2im, MaxPoolGrad) over a batch, split into its two halves when
   * it is large: the same call on each half, every tensor offset moved by the first half's images.
   */
  const windowed = (
    name: 'im2col' | 'col2im' | 'max_pool_grad',
    tensors: Array<{ at: number; perImage: number }>,
    g: WindowGeometry,
  ) => {
    const args = windowArgs(g);
    const n = g.batchSize;
    const size =
      n * Math.max(g.inHeight * g.inWidth, g.outHeight * g.outWidth * g.filterHeight * g.filterWidth) * g.inChannels;
    const call = exports[name] as (...a: number[]) => void;
    if (!helper || n < 2 || size < SPLIT_FLOATS) {
      call(...tensors.map((t) => t.at), ...args);
      return;
    }
    const n1 = Math.ceil(n / 2);
    helper.alongside(name, [...tensors.map((t) => t.at + 4 * n1 * t.perImage), n - n1, ...args.slice(1)], () =>
      call(...tensors.map((t) => t.at), n1, ...args.slice(1)),
    );
  };

  /** An elementwise kernel over n floats, split at a multiple of four floats when it is large. */
  const elementwise = (name: 'relu_grad' | 'adam', at: number[], n: number, rest: number[]) => {
    const call = exports[name] as (...a: number[]) => void;
    if (!helper || n < SPLIT_FLOATS) {
      call(...at, n, ...rest);
      return;
    }
    const n1 = (Math.ceil(n / 2) + 3) & ~3;
    helper.alongside(name, [...at.map((o) => o + 4 * n1), n - n1, ...rest], () => call(...at, n1, ...rest));
  };
  const offset = (t: tf.TensorInfo) => {
    const entry = backend.dataIdMap.get(t.dataId);
    if (!entry) throw new Error('a tensor passed to a wasm kernel has no data on the wasm backend');
    return entry.memoryOffset;
  };

  return {
    variant,
    cpuGemm: cpuGemm && { isa: cpuGemm.isa, threads: cpuGemm.threads },
    cpuGemmReason: 'unavailable' in cpu ? cpu.unavailable : null,
    helperThread: helper !== null,
    helperCalls: () => {
      const calls = helper?.calls ?? { byHelper: 0, here: 0, takenBack: 0, byKernel: {} };
      return { ...calls, byKernel: { ...calls.byKernel } };
    },
    output: (shape) => backend.makeOutput(shape, 'float32'),
    gemm(out, { m, k, n, a, transposeA, b, transposeB, bias, relu, aAt = 0, bAt = 0, outAt = 0 }) {
      gemmAt(
        m,
        k,
        n,
        offset(a) + 4 * aAt,
        transposeA,
        offset(b) + 4 * bAt,
        transposeB,
        offset(out) + 4 * outAt,
        bias ? offset(bias) : 0,
        relu ?? false,
      );
    },
    cpuConv(mode, out, a, b, bias, g, co, relu) {
      if (!cpuGemm) throw new Error("the engine's CPU addon is not loaded");
      const code = mode === 'forward' ? 0 : mode === 'filter' ? 1 : 2;
      cpuGemm.conv(
        heap(),
        code,
        offset(a),
        offset(b),
        bias ? offset(bias) : 0,
        offset(out),
        relu ? 1 : 0,
        ...windowArgs(g),
        co,
      );
    },
    sumRows(out, x, rows, cols) {
      if (cpuGemm) cpuGemm.sum_rows(heap(), offset(x), offset(out), rows, cols);
      else exports.sum_rows(offset(x), offset(out), rows, cols);
    },
    reluGrad(out, dy, y, n) {
      if (cpuGemm) cpuGemm.relu_grad(heap(), offset(dy), offset(y), offset(out), n);
      else elementwise('relu_grad', [offset(dy), offset(y), offset(out)], n, []);
    },
    cpuMaxPool(y, x, g) {
      if (!cpuGemm) throw new Error("the engine's CPU addon is not loaded");
      cpuGemm.pool(heap(), 0, offset(x), 0, offset(y), ...windowArgs(g));
    },
    convSmallForward(y, x, filter, bias, g, co, relu) {
      const [xAt, wAt, biasAt, yAt] = [offset(x), offset(filter), bias ? offset(bias) : 0, offset(y)];
      // By images: each thread writes its own images' outputs.
      byImages(
        'conv_small_forward',
        g,
        co,
        [xAt, wAt, biasAt, yAt],
        (n1) => [
          xAt + 4 * n1 * g.inHeight * g.inWidth * g.inChannels,
          wAt,
          biasAt,
          yAt + 4 * n1 * g.outHeight * g.outWidth * co,
        ],
        [...windowArgs(g).slice(1), co, relu ? 1 : 0],
      );
    },
    convFilterGradSmall(dw, x, dy, g, co) {
      const size = g.filterHeight * g.filterWidth * g.inChannels * co;
      let partial = 0;
      // By images: the helper sums the second half into its own buffer, added here after.
      const split = byImages(
        'conv_filter_grad_small',
        g,
        co,
        [offset(x), offset(dy), offset(dw)],
        (n1) => {
          partial = scratchOf(4 * size, 2);
          return [
            offset(x) + 4 * n1 * g.inHeight * g.inWidth * g.inChannels,
            offset(dy) + 4 * n1 * g.outHeight * g.outWidth * co,
            partial,
          ];
        },
        [...windowArgs(g).slice(1), co],
      );
      if (split) addPartial(offset(dw), partial, size);
    },
    free: (t) => {
      backend.disposeData(t.dataId);
    },
    im2col(cols, x, g) {
      const taps = g.filterHeight * g.filterWidth * g.inChannels;
      windowed(
        'im2col',
        [
          { at: offset(x), perImage: g.inHeight * g.inWidth * g.inChannels },
          { at: offset(cols), perImage: g.outHeight * g.outWidth * taps },
        ],
        g,
      );
    },
    col2im(dx, cols, g) {
      const taps = g.filterHeight * g.filterWidth * g.inChannels;
      windowed(
        'col2im',
        [
          { at: offset(cols), perImage: g.outHeight * g.outWidth * taps },
          { at: offset(dx), perImage: g.inHeight * g.inWidth * g.inChannels },
        ],
        g,
      );
    },
    ownsBuffer: (t) => backend.refCount(t.dataId) === 1,
    adam(x, xOut, m, v, g, n, h) {
      // 1 - β is formed in double and rounded once, exactly as tfjs passes `1 - this.beta1` to mul.
      elementwise('adam', [offset(x), offset(xOut), offset(m), offset(v), offset(g)], n, [
        h.beta1,
        1 - h.beta1,
        h.beta2,
        1 - h.beta2,
        h.oneMinusAccBeta1,
        h.oneMinusAccBeta2,
        h.epsilon,
        -h.learningRate,
      ]);
    },
    floats: (t, size) => new Float32Array(memory.buffer, offset(t), size),
    scalar: (t) => new Float32Array(memory.buffer, offset(t), 1)[0]!,
    setScalar: (t, value) => {
      new Float32Array(memory.buffer, offset(t), 1)[0] = value;
    },
    maxPoolGrad(dx, x, dy, g) {
      if (cpuGemm) {
        cpuGemm.pool(heap(), 1, offset(x), offset(dy), offset(dx), ...windowArgs(g));
        return;
      }
      const channels = g.inChannels;
      windowed(
        'max_pool_grad',
        [
          { at: offset(x), perImage: g.inHeight * g.inWidth * channels },
          { at: offset(dy), perImage: g.outHeight * g.outWidth * channels },
          { at: offset(dx), perImage: g.inHeight * g.inWidth * channels },
        ],
        g,
      );
    },
  };
}
