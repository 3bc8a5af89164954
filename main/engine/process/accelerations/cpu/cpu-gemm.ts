import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../../../../package-root';

/**
 * The engine's CPU GEMM addon (gemm.c beside this file; scripts/build-cpu-addon.mjs compiles it
 * into layerlab-cpu.node at install and build time): the same product as the wasm kernels' gemm,
 * on the same heap offsets, with the CPU's full vector width (AVX-512 or AVX2 with FMA, chosen
 * at load) and its own second thread. Optional: where it was not built or does not load, the
 * engine runs its wasm GEMM, and says so (LAYERLAB_CPU_GEMM=off turns it off).
 */
export interface CpuGemm {
  /** The instruction set its tile was compiled for: 'avx512', 'avx2' or 'portable'. */
  readonly isa: string;
  /** Threads sharing a large call (1 or 2). */
  readonly threads: number;
  /**
   * c (m×n, row stride ldc) = op(a)·op(b) (+ bias) (relu), every operand a byte offset into
   * heap (bias 0: none); flags are 0 or 1. Throws a RangeError when an operand lies outside it.
   */
  gemm(
    heap: Uint8Array,
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
    ldc: number,
  ): void;
  /**
   * A convolution: mode 0 forward (y = conv(x, filter w) + bias, relu) and 1 the filter
   * gradient (x the input, w dy), each one GEMM that reads its im2col operand from the image
   * while packing; 2 the input gradient (x dy, w the filter), col2im(dy · wᵀ) a few images at a
   * time. Byte offsets, then the window n, h, w, c, oh, ow, fh, fw, sh, sw, top, left, and the
   * output channels.
   */
  conv(
    heap: Uint8Array,
    mode: 0 | 1 | 2,
    x: number,
    w: number,
    bias: number,
    y: number,
    relu: number,
    ...windowAndOut: [...window: number[]]
  ): void;
  /**
   * Max pooling (mode 0: x into out; dy unused, pass 0) or its gradient (mode 1: dy routed into
   * out, zeroed first, at each window's first maximum in x). Byte offsets, then the window
   * n, h, w, c, oh, ow, fh, fw, sh, sw, top, left.
   */
  pool(heap: Uint8Array, mode: 0 | 1, x: number, dy: number, out: number, ...window: number[]): void;
  /** out = dy · step(y) over `count` floats (relu's gradient from its output), as tfjs composes it. */
  relu_grad(heap: Uint8Array, dy: number, y: number, out: number, count: number): void;
  /** out[c] = the sum of column c of x (rows × cols). */
  sum_rows(heap: Uint8Array, x: number, out: number, rows: number, cols: number): void;
}

interface Addon {
  configure(threads: number): string;
  gemm: CpuGemm['gemm'];
  conv: CpuGemm['conv'];
  pool: CpuGemm['pool'];
  relu_grad: CpuGemm['relu_grad'];
  sum_rows: CpuGemm['sum_rows'];
}

export const CPU_ADDON_NAME = 'layerlab-cpu.node';

let loaded: { file: string; addon: Addon } | null = null;

/**
 * Where the addon may lie: beside the running code (the dist/node and dist/electron bundles),
 * then the Node build's folder (running from the sources: tests and benches).
 */
export function cpuAddonCandidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.join(here, CPU_ADDON_NAME), path.join(ROOT, 'dist', 'node', CPU_ADDON_NAME)];
}

/**
 * Loads the addon at `file` (else the one loaded before, else the first candidate that exists)
 * for `threads` threads, or says why not.
 */
export function loadCpuGemm(threads: number, file?: string): CpuGemm | { unavailable: string } {
  if (process.env['LAYERLAB_CPU_GEMM'] === 'off') return { unavailable: 'LAYERLAB_CPU_GEMM=off' };
  // Once one is loaded, the process keeps it (a Node-API module cannot be unloaded).
  const found = file ?? loaded?.file ?? cpuAddonCandidates().find((candidate) => existsSync(candidate));
  if (!found)
    return {
      unavailable: `the CPU addon was not built (${CPU_ADDON_NAME}: no C compiler at install, or \`npm run build\` not run)`,
    };
  try {
    // configure() may repeat: it sets the thread count (the worker thread starts once).
    if (!loaded || loaded.file !== found)
      loaded = { file: found, addon: createRequire(import.meta.url)(found) as Addon };
    const { addon } = loaded;
    const wanted = Math.max(1, Math.min(2, Math.floor(threads)));
    const isa = addon.configure(wanted);
    return {
      isa,
      threads: wanted,
      gemm: addon.gemm,
      conv: addon.conv,
      pool: addon.pool,
      relu_grad: addon.relu_grad,
      sum_rows: addon.sum_rows,
    };
  } catch (error) {
    return { unavailable: `the CPU addon did not load: ${(error as Error).message.split('\n')[0]}` };
  }
}
