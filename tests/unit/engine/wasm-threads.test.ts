import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../../app/engine/protocol';
import type { BackendReport, EpochLogs } from '../../../app/project/schema';
import { EngineClient } from '../../../main/engine/client';
import { selectBackend } from '../../../main/engine/process/backend';
import { startHelperThread } from '../../../main/engine/process/accelerations/native/helper-thread';
import { withSharedMemoryImport } from '../../../main/engine/process/accelerations/native/shared-memory-import';
import { mulberry32 } from '../../../app/math/seeded-random';
import { wasmNativeKernels } from '../../../main/engine/process/accelerations/wasm-kernel-fixes';
import { chooseWasmThreads, defaultThreads } from '../../../main/engine/process/accelerations/wasm-threads';
import { config, ROOT, tempDir } from './fixtures';
import { smallConvGraph } from './image-train-fixtures';

describe('the wasm backend thread count', () => {
  it('is LAYERLAB_WASM_THREADS when set, else the default for the cores', () => {
    expect(chooseWasmThreads({ LAYERLAB_WASM_THREADS: '1' }, 8)).toBe(1);
    expect(chooseWasmThreads({ LAYERLAB_WASM_THREADS: ' 3 ' }, 2)).toBe(3);
    expect(chooseWasmThreads({}, 1)).toBe(defaultThreads(1));
    expect(chooseWasmThreads({ LAYERLAB_WASM_THREADS: '' }, 2)).toBe(defaultThreads(2));
    expect(defaultThreads(1)).toBe(1);
    // Two threads from two cores on, never more (a run's numbers stay the same across such machines).
    expect([2, 4, 64].map(defaultThreads)).toEqual([2, 2, 2]);
    for (const bad of ['0', 'two', '1.5', '-2', '65']) {
      expect(() => chooseWasmThreads({ LAYERLAB_WASM_THREADS: bad }, 2)).toThrow(
        `LAYERLAB_WASM_THREADS must be a whole number from 1 to 64, but it is "${bad}"`,
      );
    }
  });
});

describe("the engine's kernels on a shared heap", () => {
  const wasm = (name: string) =>
    new Uint8Array(readFileSync(path.join(ROOT, 'main/engine/process/accelerations/native', name)));
  // The engine's tsconfig has no DOM lib, which declares the WebAssembly API.
  const Wasm = (
    globalThis as unknown as {
      WebAssembly: {
        Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike };
        Module: new (bytes: Uint8Array) => object;
        Instance: new (module: object, imports: object) => { exports: unknown };
      };
    }
  ).WebAssembly;

  it('link to a shared memory once their import says so, and compute the same', () => {
    const memory = new Wasm.Memory({ initial: 1, maximum: 65536, shared: true });
    const plain = wasm('kernels-simd.wasm');
    expect(() => new Wasm.Instance(new Wasm.Module(plain), { env: { memory } })).toThrow();
    const shared = withSharedMemoryImport(plain);
    expect(withSharedMemoryImport(shared)).toEqual(shared); // already shared: unchanged
    const { exports } = new Wasm.Instance(new Wasm.Module(shared), { env: { memory } }) as {
      exports: {
        sum_rows(x: number, out: number, rows: number, cols: number): void;
        gemm(...args: number[]): void;
        gemm_scratch_bytes(m: number, k: number, n: number): number;
      };
    };
    const f = new Float32Array(memory.buffer);
    // x: 3×5 at byte 0, x[r][c] = 5r + c - 4; its column sums into byte 1024.
    for (let i = 0; i < 15; i++) f[i] = i - 4;
    exports.sum_rows(0, 1024, 3, 5);
    expect(Array.from(f.subarray(256, 261))).toEqual([3, 6, 9, 12, 15]);
    // a (2×3, byte 2048) · b (3×2, byte 2112) into c (byte 2176); packing scratch at byte 4096.
    f.set([1, 2, 3, 4, 5, 6], 512);
    f.set([1, -1, 0, 2, 3, 0.5], 528);
    exports.gemm(2, 3, 2, 2048, 0, 2112, 0, 2176, 0, 0, 4096, 2);
    expect(Array.from(f.subarray(544, 548))).toEqual([10, 4.5, 22, 9]);
  });

  it('run every split call exactly once, whether the helper thread ran its part or the caller took it back', async () => {
    const memory = new Wasm.Memory({ initial: 4, maximum: 65536, shared: true });
    const module = new Wasm.Module(withSharedMemoryImport(wasm('kernels-simd.wasm')));
    const local = new Wasm.Instance(module, { env: { memory } }).exports as Record<string, (...a: number[]) => void>;
    const helper = startHelperThread(module, memory, ['relu_grad'], local);
    try {
      // Wait until the worker is up, or its part would simply run here.
      for (let i = 0; i < 200 && helper.calls.takenBack === 0 && helper.calls.byHelper === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        helper.alongside('relu_grad', [0, 0, 4096, 4], () => undefined);
      }
      const f = new Float32Array(memory.buffer);
      // Call i: relu_grad of dy = i + 1 where y > 0, four floats for each thread's part, each
      // call into its own 8 floats of output; the caller's part does almost nothing, so the
      // helper's is often taken back before the worker wakes, and sometimes run by it.
      f.fill(1, 0, 8); // y > 0 everywhere
      const calls = 300;
      const before = { ...helper.calls };
      for (let i = 0; i < calls; i++) {
        f.fill(i + 1, 8, 16); // dy
        const out = 4096 + 32 * i;
        helper.alongside('relu_grad', [32 + 16, 16, out + 16, 4], () => local['relu_grad']!(32, 0, out, 4));
      }
      const ran = helper.calls.byHelper - before.byHelper + (helper.calls.takenBack - before.takenBack);
      expect(ran).toBe(calls);
      expect(helper.calls.takenBack + helper.calls.byHelper).toBeGreaterThan(0);
      for (let i = 0; i < calls; i++) {
        expect(Array.from(f.subarray(1024 + 8 * i, 1024 + 8 * i + 8)), `call ${i}`).toEqual(new Array(8).fill(i + 1));
      }
    } finally {
      await helper.close();
    }
  });
});

describe('in this process, LAYERLAB_WASM_THREADS=2', () => {
  /**
   * Selects the threaded wasm backend in this process (once; later calls find it selected). The
   * CPU GEMM addon is turned off: with it the wasm build runs single-threaded (cpu-gemm.test.ts
   * tests that path); this is the path of machines without it.
   */
  async function startThreaded() {
    tf.enableProdMode();
    const saved = process.env['LAYERLAB_WASM_THREADS'];
    process.env['LAYERLAB_WASM_THREADS'] = '2';
    process.env['LAYERLAB_CPU_GEMM'] = 'off';
    try {
      return await selectBackend({ force: 'wasm' });
    } finally {
      if (saved === undefined) delete process.env['LAYERLAB_WASM_THREADS'];
      else process.env['LAYERLAB_WASM_THREADS'] = saved;
    }
  }

  it("starts tfjs' threaded build with two threads and the engine's kernels on its shared heap, matching cpu", async () => {
    expect(await startThreaded()).toMatchObject({ name: 'wasm', threads: 2 });
    expect(wasmNativeKernels()).toMatchObject({
      variant: expect.stringMatching(/^(relaxed-simd|simd128)$/),
      reason: null,
    });
    const heap = (tf.findBackend('wasm') as unknown as { wasm: { wasmMemory: { buffer: unknown } } }).wasm.wasmMemory
      .buffer;
    expect(heap).toBeInstanceOf(SharedArrayBuffer);
    // A convolution (XNNPACK, threaded), its gradients and a dense layer's (the engine's GEMM).
    const compute = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(
          Float32Array.from({ length: 4 * 10 * 10 * 3 }, (_, i) => Math.sin(i)),
          [4, 10, 10, 3],
        );
        const f = tf.tensor4d(
          Float32Array.from({ length: 3 * 3 * 3 * 8 }, (_, i) => Math.cos(i) / 4),
          [3, 3, 3, 8],
        );
        const w = tf.tensor2d(
          Float32Array.from({ length: 8 * 8 * 8 * 5 }, (_, i) => Math.sin(3 * i) / 8),
          [512, 5],
        );
        const loss = (xt: tf.Tensor, ft: tf.Tensor, wt: tf.Tensor) =>
          tf
            .conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'valid')
            .relu()
            .reshape([4, 512])
            .matMul(wt as tf.Tensor2D)
            .square()
            .sum();
        const [gx, gf, gw] = tf.grads(loss)([x, f, w]);
        return [loss(x, f, w), gx!, gf!, gw!].map((t) => Array.from(t.dataSync()));
      });
    const threaded = compute();
    await tf.setBackend('cpu');
    const reference = compute();
    await tf.setBackend('wasm');
    for (const [i, values] of threaded.entries()) {
      const expected = reference[i]!;
      expect(values).toHaveLength(expected.length);
      const worst = Math.max(...values.map((v, j) => Math.abs(v - expected[j]!) / Math.max(1, Math.abs(expected[j]!))));
      expect(worst, `output ${i}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('splits large kernel calls with its helper thread and computes what cpu computes', async () => {
    if (tf.getBackend() !== 'wasm') await startThreaded();
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmNativeKernels().helperThread).toBe(true);
    // The worker starts on the event loop: give it a moment, then count what it takes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = wasmNativeKernels().helperCalls;
    // Sizes past the split thresholds: a batch of 4 images 24×24×8 into 32 channels (im2col,
    // col2im and MaxPoolGrad by batch halves), the conv weight gradient summing 4·24·24 = 2,304
    // pixels (GEMM split by k), its input gradient (GEMM split by rows), and a Dense layer of 64
    // units with bias and relu on the 4 flattened rows, whose three products (forward, input and
    // weight gradients: plain, B transposed, A transposed) are split by columns. One pass: the
    // cpu reference is slow.
    const random = mulberry32(3);
    const values = (n: number, scale: number) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
    const x0 = values(4 * 24 * 24 * 8, 1);
    const f0 = values(3 * 3 * 8 * 32, 0.3);
    const w0 = values(12 * 12 * 32 * 64, 0.05);
    const b0 = values(64, 0.1);
    // And an RGB first layer (3 channels into 16: conv_small_forward and conv_filter_grad_small, by image halves).
    const rgb0 = values(4 * 26 * 26 * 3, 1);
    const g0 = values(3 * 3 * 3 * 16, 0.3);
    const compute = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(x0, [4, 24, 24, 8]);
        const f = tf.tensor4d(f0, [3, 3, 8, 32]);
        const w = tf.tensor2d(w0, [4608, 64]);
        const bias = tf.tensor1d(b0);
        const rgb = tf.tensor4d(rgb0, [4, 26, 26, 3]);
        const g = tf.tensor4d(g0, [3, 3, 3, 16]);
        const loss = (xt: tf.Tensor, ft: tf.Tensor, wt: tf.Tensor, gt: tf.Tensor) =>
          tf.fused
            .matMul({
              a: tf
                .maxPool(
                  tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'same').relu() as tf.Tensor4D,
                  2,
                  2,
                  'valid',
                )
                .reshape([4, 4608]),
              b: wt as tf.Tensor2D,
              bias,
              activation: 'relu',
            })
            .square()
            .mean()
            .add(
              tf
                .conv2d(rgb, gt as tf.Tensor4D, 1, 'same')
                .square()
                .mean(),
            );
        const [gx, gf, gw, gg] = tf.grads(loss)([x, f, w, g]);
        return [loss(x, f, w, g), gx!, gf!, gw!, gg!].map((t) => Array.from(t.dataSync()));
      });
    let threaded = compute();
    let after = wasmNativeKernels().helperCalls;
    // A part the worker had not started when the caller finished its own is taken back: on a
    // busy machine the worker may miss some kinds of call in one pass, so pass again until it ran each.
    const took = (kernel: string) => (after.byKernel[kernel] ?? 0) - (before.byKernel[kernel] ?? 0);
    const split = ['gemm', 'im2col', 'col2im', 'max_pool_grad', 'conv_filter_grad_small', 'conv_small_forward'];
    for (let pass = 0; pass < 30 && split.some((k) => took(k) < 1); pass++) {
      threaded = compute();
      after = wasmNativeKernels().helperCalls;
    }
    // The worker took its share of each kind of large call.
    for (const kernel of split) expect(took(kernel), kernel).toBeGreaterThanOrEqual(1);
    await tf.setBackend('cpu');
    const reference = compute();
    await tf.setBackend('wasm');
    for (const [i, got] of threaded.entries()) {
      const expected = reference[i]!;
      expect(got).toHaveLength(expected.length);
      const worst = got.reduce(
        (w, v, j) => Math.max(w, Math.abs(v - expected[j]!) / Math.max(1e-2, Math.abs(expected[j]!))),
        0,
      );
      expect(worst, `output ${i}`).toBeLessThanOrEqual(1e-3);
    }
  });
});

const ROWS = 96;
const SIDE = 12;
const CLASSES = 3;

/** Random images and labels as the data layer writes them (12×12×1, 3 classes). */
async function writeImages(dir: string): Promise<PreparedData> {
  const random = mulberry32(11);
  const width = SIDE * SIDE;
  const write = (name: string, values: Float32Array) => writeFile(path.join(dir, name), Buffer.from(values.buffer));
  const labels = (n: number) => {
    const y = new Float32Array(n * CLASSES);
    for (let i = 0; i < n; i++) y[i * CLASSES + Math.floor(random() * CLASSES)] = 1;
    return y;
  };
  await mkdir(dir, { recursive: true });
  await write(
    'x_train.f32',
    Float32Array.from({ length: ROWS * width }, () => random() * 2 - 1),
  );
  await write('y_train.f32', labels(ROWS));
  await write(
    'x_val.f32',
    Float32Array.from({ length: 32 * width }, () => random() * 2 - 1),
  );
  await write('y_val.f32', labels(32));
  const features = Array.from({ length: width }, (_, i) => `p${i}`);
  return {
    dir,
    inputWidth: width,
    outputWidth: CLASSES,
    trainRows: ROWS,
    valRows: 32,
    preprocessing: {
      format: 'layerlab-preprocessing',
      version: 1,
      task: 'classification',
      target: 'label',
      features: features.map((name) => ({ name, kind: 'numeric', mean: 0, std: 1, fill: 0 })),
      inputOrder: features,
      labels: Array.from({ length: CLASSES }, (_, i) => String(i)),
    },
  } as PreparedData;
}

describe('the engine process with LAYERLAB_WASM_THREADS', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let data: PreparedData;
  beforeAll(async () => {
    tmp = await tempDir('threads');
    data = await writeImages(path.join(tmp.dir, 'data'));
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  /** The backend report and the loss curve of a small CNN trained in an engine run with `threads`. */
  async function trainWith(threads: number): Promise<{ backend: BackendReport; epochs: EpochLogs[] }> {
    const client = new EngineClient({ env: { LAYERLAB_BACKEND: 'wasm', LAYERLAB_WASM_THREADS: String(threads) } });
    try {
      const backend = await client.start();
      const epochs: EpochLogs[] = [];
      const runId = `threads-${threads}`;
      const done = await client.train(
        {
          runId,
          runDir: path.join(tmp.dir, 'runs', runId),
          data,
          graph: smallConvGraph(CLASSES, SIDE, 1),
          config: config({ epochs: 4, batchSize: 32, learningRate: 0.01, seed: 5 }),
        },
        (event) => event.type === 'epoch' && epochs.push(event.logs),
      );
      expect(done.status, done.error ?? '').toBe('completed');
      return { backend, epochs };
    } finally {
      client.dispose();
    }
  }

  it('starts with two threads when asked and trains as one thread does (within 1e-4)', async () => {
    const two = await trainWith(2);
    const one = await trainWith(1);
    expect(two.backend).toMatchObject({ name: 'wasm', threads: 2 });
    expect(two.backend.threadsNote).toBeUndefined();
    expect(one.backend).toMatchObject({ name: 'wasm', threads: 1 });
    expect(two.epochs).toHaveLength(4);
    expect(one.epochs).toHaveLength(4);
    for (const [i, e] of two.epochs.entries()) {
      for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) {
        const a = e[key]!;
        const b = one.epochs[i]![key]!;
        expect(Math.abs(a - b), `epoch ${i} ${key}: ${a} with 2 threads, ${b} with 1`).toBeLessThanOrEqual(
          1e-4 * Math.max(1, Math.abs(b)),
        );
      }
    }
  }, 120_000);
});
