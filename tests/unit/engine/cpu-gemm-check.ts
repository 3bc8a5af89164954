/**
 * The CPU addon's products beside a float64 reference, shared by cpu-gemm.test.ts in its own
 * process and in child processes that force another instruction set (LAYERLAB_CPU_ISA is read
 * when the addon loads): `node --import tsx tests/unit/engine/cpu-gemm-check.ts ADDON THREADS`
 * prints {"isa", "gemmError", "convError", "memoryError", "cases"}.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../../app/math/seeded-random';
import { loadCpuGemm, type CpuGemm } from '../../../main/engine/process/accelerations/cpu/cpu-gemm';

const HEAP_BYTES = 32 << 20;

interface Heap {
  bytes: Uint8Array;
  f: Float32Array;
  /** A fresh block of `floats` random values in [-0.5, 0.5), 64-byte aligned; its byte offset. */
  random(floats: number): number;
}

function heap(seed: number): Heap {
  const bytes = new Uint8Array(new SharedArrayBuffer(HEAP_BYTES));
  const f = new Float32Array(bytes.buffer);
  const next = mulberry32(seed);
  let top = 64;
  return {
    bytes,
    f,
    random(floats) {
      const at = top;
      for (let i = 0; i < floats; i++) f[at / 4 + i] = next() - 0.5;
      top = (at + 4 * floats + 127) & ~63;
      if (top > HEAP_BYTES) throw new Error('the test heap is full');
      return at;
    },
  };
}

/** GEMM shapes: tiny, tails of every tile size, k past one packing block (256), large enough to split. */
export const GEMM_SHAPES: Array<[m: number, k: number, n: number]> = [
  [1, 1, 1],
  [7, 3, 5],
  [13, 300, 17],
  [130, 257, 40],
  [9, 700, 70],
  [300, 20, 3],
  [257, 96, 33],
  [40, 513, 48],
  [10, 300, 200],
  // B read in place (n one tile wide, not transposed), k split between the threads when unclamped.
  [20, 2048, 16],
  [8, 1500, 32],
];

/** The largest |addon - reference| over GEMM_SHAPES × transposes × bias/relu, with a row stride wider than n. */
export function gemmError(cpu: CpuGemm): { error: number; cases: number } {
  const h = heap(7);
  let error = 0;
  let cases = 0;
  for (const [m, k, n] of GEMM_SHAPES) {
    for (const ta of [0, 1]) {
      for (const tb of [0, 1]) {
        for (const relu of [0, 1]) {
          const ldc = relu ? n + 3 : n;
          const a = h.random(m * k);
          const b = h.random(k * n);
          const bias = relu ? h.random(n) : 0;
          const c = h.random(m * ldc);
          const guard = h.f[c / 4 + (m - 1) * ldc + n]; // past the last row's n values: untouched
          cpu.gemm(h.bytes, m, k, n, a, ta, b, tb, c, bias, relu, ldc);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = bias ? h.f[bias / 4 + j]! : 0;
              for (let p = 0; p < k; p++) {
                const av = ta ? h.f[a / 4 + p * m + i]! : h.f[a / 4 + i * k + p]!;
                const bv = tb ? h.f[b / 4 + j * k + p]! : h.f[b / 4 + p * n + j]!;
                s += av * bv;
              }
              if (relu && s < 0) s = 0;
              error = Math.max(error, Math.abs(s - h.f[c / 4 + i * ldc + j]!));
            }
          }
          if (h.f[c / 4 + (m - 1) * ldc + n] !== guard) error = Infinity;
          cases++;
        }
      }
    }
  }
  return { error, cases };
}

/** [n, h, w, c, fh, fw, sh, sw, top, left, co]: 'same' and 'valid', strides 1 and 2, even filters, padding on one side. */
export const CONV_CASES: Array<number[]> = [
  [2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 4],
  [3, 8, 7, 16, 3, 3, 1, 1, 1, 1, 32],
  [2, 9, 9, 2, 3, 3, 2, 2, 1, 1, 16],
  [1, 6, 6, 5, 2, 2, 1, 1, 0, 0, 7],
  [2, 7, 7, 4, 3, 3, 1, 1, 0, 0, 5],
  [4, 12, 12, 16, 3, 3, 1, 1, 1, 1, 32],
  [2, 5, 6, 3, 5, 5, 1, 1, 2, 2, 9],
  [1, 4, 4, 3, 2, 3, 1, 1, 1, 0, 2],
];

/** The largest |addon - reference| of the three conv modes over CONV_CASES. */
export function convError(cpu: CpuGemm): { error: number; cases: number } {
  const h = heap(11);
  let error = 0;
  let cases = 0;
  for (const [n, ih, iw, c, fh, fw, sh, sw, top, left, co] of CONV_CASES as number[][] as Array<
    [number, number, number, number, number, number, number, number, number, number, number]
  >) {
    const oh = Math.floor((ih + 2 * top - fh) / sh) + 1;
    const ow = Math.floor((iw + 2 * left - fw) / sw) + 1;
    const x = h.random(n * ih * iw * c);
    const w = h.random(fh * fw * c * co);
    const bias = h.random(co);
    const dy = h.random(n * oh * ow * co);
    const xAt = (b: number, y: number, xx: number, ci: number) =>
      y < 0 || y >= ih || xx < 0 || xx >= iw ? 0 : h.f[x / 4 + ((b * ih + y) * iw + xx) * c + ci]!;
    const wAt = (ky: number, kx: number, ci: number, o: number) => h.f[w / 4 + ((ky * fw + kx) * c + ci) * co + o]!;
    const dyAt = (b: number, y: number, xx: number, o: number) => h.f[dy / 4 + ((b * oh + y) * ow + xx) * co + o]!;
    const window = [n, ih, iw, c, oh, ow, fh, fw, sh, sw, top, left, co];
    for (const relu of [0, 1]) {
      const y = h.random(n * oh * ow * co);
      cpu.conv(h.bytes, 0, x, w, bias, y, relu, ...window);
      for (let b = 0; b < n; b++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++)
            for (let o = 0; o < co; o++) {
              let s = h.f[bias / 4 + o]!;
              for (let ky = 0; ky < fh; ky++)
                for (let kx = 0; kx < fw; kx++)
                  for (let ci = 0; ci < c; ci++)
                    s += xAt(b, oy * sh + ky - top, ox * sw + kx - left, ci) * wAt(ky, kx, ci, o);
              if (relu && s < 0) s = 0;
              error = Math.max(error, Math.abs(s - h.f[y / 4 + ((b * oh + oy) * ow + ox) * co + o]!));
            }
      cases++;
    }
    const dw = h.random(fh * fw * c * co);
    cpu.conv(h.bytes, 1, x, dy, 0, dw, 0, ...window);
    for (let ky = 0; ky < fh; ky++)
      for (let kx = 0; kx < fw; kx++)
        for (let ci = 0; ci < c; ci++)
          for (let o = 0; o < co; o++) {
            let s = 0;
            for (let b = 0; b < n; b++)
              for (let oy = 0; oy < oh; oy++)
                for (let ox = 0; ox < ow; ox++)
                  s += xAt(b, oy * sh + ky - top, ox * sw + kx - left, ci) * dyAt(b, oy, ox, o);
            error = Math.max(error, Math.abs(s - h.f[dw / 4 + ((ky * fw + kx) * c + ci) * co + o]!));
          }
    cases++;
    {
      const dx = h.random(n * ih * iw * c);
      cpu.conv(h.bytes, 2, dy, w, 0, dx, 0, ...window);
      const want = new Float64Array(n * ih * iw * c);
      for (let b = 0; b < n; b++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++)
            for (let o = 0; o < co; o++)
              for (let ky = 0; ky < fh; ky++)
                for (let kx = 0; kx < fw; kx++) {
                  const y = oy * sh + ky - top;
                  const xx = ox * sw + kx - left;
                  if (y < 0 || y >= ih || xx < 0 || xx >= iw) continue;
                  for (let ci = 0; ci < c; ci++)
                    want[((b * ih + y) * iw + xx) * c + ci]! += dyAt(b, oy, ox, o) * wAt(ky, kx, ci, o);
                }
      for (let i = 0; i < want.length; i++) error = Math.max(error, Math.abs(want[i]! - h.f[dx / 4 + i]!));
      cases++;
    }
  }
  return { error, cases };
}

/** [n, h, w, c, fh, fw, sh, sw, top, left]: the usual 2×2/2, odd sizes, overlapping, padded ('same'), many channels. */
export const POOL_CASES: Array<number[]> = [
  [3, 8, 8, 16, 2, 2, 2, 2, 0, 0],
  [2, 7, 5, 3, 2, 2, 2, 2, 0, 0],
  [2, 6, 6, 5, 3, 3, 1, 1, 1, 1],
  [1, 7, 7, 70, 3, 3, 2, 2, 1, 1],
  [2, 5, 6, 4, 2, 3, 2, 1, 0, 1],
];

/**
 * The largest |addon - reference| of max pooling, its gradient (ties included: every value is
 * one of a few, so windows often hold two maxima and the first must win), relu's gradient and
 * column sums.
 */
export function memoryOpsError(cpu: CpuGemm): { error: number; cases: number } {
  const h = heap(13);
  let error = 0;
  let cases = 0;
  for (const [n, ih, iw, c, fh, fw, sh, sw, top, left] of POOL_CASES as Array<
    [number, number, number, number, number, number, number, number, number, number]
  >) {
    const oh = Math.floor((ih + 2 * top - fh) / sh) + 1;
    const ow = Math.floor((iw + 2 * left - fw) / sw) + 1;
    const x = h.random(n * ih * iw * c);
    // A few distinct values (all ≤ 0 in places): windows often hold two maxima, and the first must win.
    for (let i = 0; i < n * ih * iw * c; i++) h.f[x / 4 + i] = Math.round(h.f[x / 4 + i]! * 4) - 1;
    const dy = h.random(n * oh * ow * c);
    const y = h.random(n * oh * ow * c);
    const dx = h.random(n * ih * iw * c);
    const window = [n, ih, iw, c, oh, ow, fh, fw, sh, sw, top, left];
    cpu.pool(h.bytes, 0, x, 0, y, ...window);
    cpu.pool(h.bytes, 1, x, dy, dx, ...window);
    const want = new Float64Array(n * ih * iw * c);
    for (let b = 0; b < n; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let ci = 0; ci < c; ci++) {
            let best = -Infinity;
            let at = -1;
            for (let ky = 0; ky < fh; ky++)
              for (let kx = 0; kx < fw; kx++) {
                const yy = oy * sh + ky - top;
                const xx = ox * sw + kx - left;
                if (yy < 0 || yy >= ih || xx < 0 || xx >= iw) continue;
                const i = ((b * ih + yy) * iw + xx) * c + ci;
                if (h.f[x / 4 + i]! > best) {
                  best = h.f[x / 4 + i]!;
                  at = i;
                }
              }
            const o = ((b * oh + oy) * ow + ox) * c + ci;
            error = Math.max(error, Math.abs(best - h.f[y / 4 + o]!));
            if (at >= 0) want[at]! += h.f[dy / 4 + o]!;
          }
    for (let i = 0; i < want.length; i++) error = Math.max(error, Math.abs(want[i]! - h.f[dx / 4 + i]!));
    cases += 2;
  }
  for (const count of [1, 7, 100_003]) {
    const [dy, y, out] = [h.random(count), h.random(count), h.random(count)];
    cpu.relu_grad(h.bytes, dy, y, out, count);
    for (let i = 0; i < count; i++)
      error = Math.max(
        error,
        Math.abs((h.f[y / 4 + i]! > 0 ? h.f[dy / 4 + i]! : 0 * h.f[dy / 4 + i]!) - h.f[out / 4 + i]!),
      );
    cases++;
  }
  for (const [rows, cols] of [
    [1, 5],
    [33, 7],
    [4097, 17],
  ] as const) {
    const [x, out] = [h.random(rows * cols), h.random(cols)];
    cpu.sum_rows(h.bytes, x, out, rows, cols);
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += h.f[x / 4 + r * cols + c]!;
      // float32 sums of thousands of rows: relative to the sum's size
      error = Math.max(error, Math.abs(s - h.f[out / 4 + c]!) / Math.max(1, Math.sqrt(rows)) / 100);
    }
    cases++;
  }
  return { error, cases };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, threads] = process.argv.slice(2);
  const cpu = loadCpuGemm(Number(threads ?? 1), file);
  if ('unavailable' in cpu) throw new Error(cpu.unavailable);
  const gemm = gemmError(cpu);
  const conv = convError(cpu);
  const memory = memoryOpsError(cpu);
  console.log(
    JSON.stringify({
      isa: cpu.isa,
      gemmError: gemm.error,
      convError: conv.error,
      memoryError: memory.error,
      cases: gemm.cases + conv.cases + memory.cases,
    }),
  );
  process.exit(0);
}
