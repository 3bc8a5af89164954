import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCpuAddon } from '../../../scripts/build-cpu-addon.mjs';
import { loadCpuGemm, type CpuGemm } from '../../../main/engine/process/accelerations/cpu/cpu-gemm';
import { selectBackend } from '../../../main/engine/process/backend';
import { engineNativeKernels } from '../../../main/engine/process/accelerations/wasm-kernel-fixes';
import { convError, gemmError, memoryOpsError } from './cpu-gemm-check';
import { ROOT, tempDir } from './fixtures';

// The engine's CPU GEMM addon (main/engine/process/accelerations/cpu/gemm.c), compiled here from
// the current source with the machine's C compiler as `npm install` does. Without a compiler or
// Node's headers it cannot exist: the tests say why they are skipped (the engine then runs its
// wasm GEMM, which wasm-native-kernels.test.ts and wasm-threads.test.ts test).
let dir = '';
let cleanup: () => Promise<void> = async () => {};
const addonFile = () => path.join(dir, 'layerlab-cpu.node');
let built: { built: true } | { built: false; reason: string } = { built: false, reason: 'not built yet' };

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('cpu-addon'));
  built = buildCpuAddon({ root: ROOT, outFile: addonFile() });
  if (!built.built) console.warn(`cpu-gemm.test.ts: skipped, the CPU addon did not build here: ${built.reason}`);
});
afterAll(() => cleanup());

/** The addon's products beside a float64 reference, in a child process that forces an instruction set. */
function checkInChild(isa: string, threads: number) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'tests/unit/engine/cpu-gemm-check.ts'), addonFile(), String(threads)],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LAYERLAB_CPU_ISA: isa }, timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    isa: string;
    gemmError: number;
    convError: number;
    memoryError: number;
    cases: number;
  };
}

describe("the engine's CPU GEMM addon", () => {
  it('builds from gemm.c with the C compiler and loads, on the best instruction set the CPU has', (ctx) => {
    if (!built.built) return ctx.skip();
    const cpu = loadCpuGemm(2, addonFile());
    expect(cpu).toMatchObject({ threads: 2, isa: expect.stringMatching(/^(avx512|avx2|portable)$/) });
  });

  it('multiplies as a float64 reference does, on one thread and two, every transpose, bias, relu and row stride', (ctx) => {
    if (!built.built) return ctx.skip();
    for (const threads of [1, 2]) {
      const cpu = loadCpuGemm(threads, addonFile()) as CpuGemm;
      const { error, cases } = gemmError(cpu);
      expect(cases).toBeGreaterThan(60);
      expect(error, `${threads} thread(s)`).toBeLessThan(1e-4);
    }
  });

  it('convolves, and forms both gradients, as a float64 reference does (padding, strides, even filters)', (ctx) => {
    if (!built.built) return ctx.skip();
    for (const threads of [1, 2]) {
      const cpu = loadCpuGemm(threads, addonFile()) as CpuGemm;
      const { error, cases } = convError(cpu);
      expect(cases).toBeGreaterThan(20);
      expect(error, `${threads} thread(s)`).toBeLessThan(1e-4);
    }
  });

  it('max-pools, routes the pooling gradient to each first maximum, forms relu gradients and column sums', (ctx) => {
    if (!built.built) return ctx.skip();
    for (const threads of [1, 2]) {
      const cpu = loadCpuGemm(threads, addonFile()) as CpuGemm;
      const { error, cases } = memoryOpsError(cpu);
      expect(cases).toBeGreaterThan(15);
      expect(error, `${threads} thread(s)`).toBeLessThan(1e-5);
    }
  });

  it('computes the same with each instruction set it was compiled for (LAYERLAB_CPU_ISA)', (ctx) => {
    if (!built.built) return ctx.skip();
    const isas = new Set<string>();
    for (const isa of ['portable', 'avx2', 'avx512']) {
      const result = checkInChild(isa, 2);
      isas.add(result.isa);
      expect(result.gemmError, isa).toBeLessThan(1e-4);
      expect(result.convError, isa).toBeLessThan(1e-4);
      expect(result.memoryError, isa).toBeLessThan(1e-5);
    }
    // The portable tile is always there; the others where the CPU has them.
    expect(isas.has('portable')).toBe(true);
  });

  it('refuses an operand outside the heap and a bad call, with a message, writing nothing', (ctx) => {
    if (!built.built) return ctx.skip();
    const cpu = loadCpuGemm(1, addonFile()) as CpuGemm;
    const heap = new Uint8Array(4096);
    heap.fill(7);
    expect(() => cpu.gemm(heap, 16, 16, 16, 0, 0, 1024, 0, 4000, 0, 0, 16)).toThrow(/operand lies outside the heap/);
    expect(() => cpu.gemm(heap, 2, 2, 2, 2, 0, 64, 0, 128, 0, 0, 2)).toThrow(RangeError); // misaligned
    expect(() => cpu.conv(heap, 0, 0, 64, 0, 128, 0, 1, 4, 4, 1, 2, 2, 3, 3, 2, 2, 3, 1, 1)).toThrow(
      /bad geometry/, // padding of a whole window
    );
    expect(() => (cpu.gemm as unknown as (...a: unknown[]) => void)(heap, 1, 1)).toThrow(/12 arguments/);
    expect(heap.every((b) => b === 7)).toBe(true);
  });

  it('runs the engine: the wasm backend single-threaded, convolution and pooling on the addon, gradients matching cpu', async (ctx) => {
    if (!built.built) return ctx.skip();
    // The engine looks for the addon beside its code, then in dist/node: loaded first, this one is used.
    const saved = { threads: process.env['LAYERLAB_WASM_THREADS'] };
    process.env['LAYERLAB_WASM_THREADS'] = '2';
    loadCpuGemm(2, addonFile()); // the process keeps the first addon it loads
    try {
      const report = await selectBackend({ force: 'wasm' });
      expect(report).toMatchObject({ name: 'wasm', threads: 2 });
      expect((await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount()).toBe(1);
      expect(engineNativeKernels()?.cpuGemm).toEqual({ isa: report.cpuGemm, threads: 2 });
    } finally {
      if (saved.threads === undefined) delete process.env['LAYERLAB_WASM_THREADS'];
      else process.env['LAYERLAB_WASM_THREADS'] = saved.threads;
    }
    const grads = () =>
      tf.tidy(() => {
        const x = tf.randomNormal([4, 10, 9, 16], 0, 1, 'float32', 3) as tf.Tensor4D;
        const w = tf.randomNormal([3, 3, 16, 24], 0, 0.2, 'float32', 4) as tf.Tensor4D;
        const b = tf.randomNormal([24], 0, 0.2, 'float32', 5) as tf.Tensor1D;
        const d = tf.randomNormal([24 * 25, 5], 0, 0.1, 'float32', 6) as tf.Tensor2D;
        const f = (xx: tf.Tensor, ww: tf.Tensor) =>
          tf.fused
            .conv2d({
              x: xx as tf.Tensor4D,
              filter: ww as tf.Tensor4D,
              strides: 1,
              pad: 'same',
              bias: b,
              activation: 'relu',
            })
            .maxPool([3, 3], [2, 2], 'same') // overlapping windows: MaxPool and its gradient on the addon
            .reshape([4, 24 * 25])
            .matMul(d)
            .square()
            .sum();
        const [gx, gw] = tf.grads(f)([x, w]);
        return [f(x, w), gx!, gw!].map((t) => Array.from(t.dataSync()));
      });
    const onWasm = grads();
    await tf.setBackend('cpu');
    const onCpu = grads();
    await tf.setBackend('wasm');
    for (let t = 0; t < onCpu.length; t++) {
      const scale = Math.max(...onCpu[t]!.map(Math.abs));
      const worst = Math.max(...onCpu[t]!.map((v, i) => Math.abs(v - onWasm[t]![i]!)));
      expect(worst / scale, `output ${t}`).toBeLessThan(1e-4);
    }
  });
});
