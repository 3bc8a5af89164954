import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedAdamOptimizer } from '../../../main/engine/process/accelerations/fused-adam';
import {
  loadNativeKernels,
  type NativeKernels,
} from '../../../main/engine/process/accelerations/native/native-kernels';
import { createOptimizer } from '../../../main/engine/process/optimizers';
import { engineNativeKernels, wasmNativeKernels } from '../../../main/engine/process/accelerations/wasm-kernel-fixes';
import { conv2dBackpropFilter } from '../../../main/engine/process/accelerations/wasm-kernels/conv-filter-grad';
import { conv2dBackpropInput } from '../../../main/engine/process/accelerations/wasm-kernels/conv-input-grad';
import { createMatMulKernels } from '../../../main/engine/process/accelerations/wasm-kernels/matmul';
import { createMaxPoolGrad } from '../../../main/engine/process/accelerations/wasm-kernels/max-pool-grad';
import { expectWasmMatchesCpu, randomTensor, relativeError, TOLERANCE, useWasmWithFixes, values } from './wasm-compare';

// The engine's own wasm kernels (main/engine/process/accelerations/native/kernels.wat) against the cpu backend.

beforeAll(useWasmWithFixes);

const ROOT = path.resolve(__dirname, '../../..');

/** Every build this runtime can run: the plain one always, the relaxed-SIMD one where it validates. */
/**
 * Each wasm build of the engine's kernels, without the CPU addon (cpu-gemm.test.ts tests that:
 * where it loads it takes the products, pooling gradients, relu gradients and sums), and, when
 * it loads here, the kernels with it.
 */
function builds(): Array<{ variant: string; kernels: NativeKernels }> {
  const out: Array<{ variant: string; kernels: NativeKernels }> = [];
  for (const prefer of ['simd128', 'relaxed-simd'] as const) {
    const loaded = loadNativeKernels(tf.findBackend('wasm')!, { prefer, cpuGemm: false });
    if ('unavailable' in loaded) throw new Error(loaded.unavailable);
    if (loaded.variant === prefer) out.push({ variant: prefer, kernels: loaded });
  }
  const withAddon = loadNativeKernels(tf.findBackend('wasm')!);
  if (!('unavailable' in withAddon) && withAddon.cpuGemm)
    out.push({ variant: `CPU addon (${withAddon.cpuGemm.isa})`, kernels: withAddon });
  return out;
}

/** Reads a kernel's output (a bare TensorInfo on the wasm heap) and frees it. */
function readOut(info: tf.TensorInfo): Float32Array {
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const values = Float32Array.from(t.dataSync());
  t.dispose();
  return values;
}

/** A cpu-backend reference computed with tfjs ops on fresh copies of the given values. */
async function onCpu(compute: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const t = tf.tidy(compute);
  const values = Float32Array.from(await t.data());
  t.dispose();
  await tf.setBackend('wasm');
  return values;
}

describe('the native f32 GEMM matches the cpu backend (relative error ≤ 1e-4)', () => {
  const sizes = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 8],
    [5, 9, 17],
    [13, 31, 9],
    [33, 17, 65],
    [128, 100, 10],
    // k past one 256-step block: several blocks, the last one partial, edge tiles carried over
    [9, 700, 13],
    [6, 513, 20],
    // m past one 120-row block of packed A (each block packed just before use): full blocks, a
    // last block that is not whole 5-row panels, with and without several blocks of k
    [121, 7, 8],
    [243, 40, 24],
    [250, 300, 19],
  ] as const;
  it('both builds, every transpose combination, odd sizes, with and without bias and relu', async () => {
    const found = builds();
    expect(found.map((b) => b.variant)).toContain('simd128');
    // Node 20 needs the V8 flag, which the loader sets; a runtime that refuses it runs the plain build only.
    if (!found.some((b) => b.variant === 'relaxed-simd'))
      console.log('relaxed SIMD is not available in this runtime: only the SIMD128 build was checked');
    let checked = 0;
    for (const [m, k, n] of sizes) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const aShape = transposeA ? [k, m] : [m, k];
          const bShape = transposeB ? [n, k] : [k, n];
          const aValues = values(m * k, m + k, -1, 1);
          const bValues = values(k * n, k + n + 1, -1, 1);
          const biasValues = values(n, n + 7, -1, 1);
          for (const fused of [false, true]) {
            const expected = await onCpu(() => {
              const product = tf.matMul(tf.tensor(aValues, aShape), tf.tensor(bValues, bShape), transposeA, transposeB);
              return fused ? tf.relu(tf.add(product, tf.tensor1d(biasValues))) : product;
            });
            for (const { variant, kernels } of found) {
              const a = tf.tensor(aValues, aShape);
              const b = tf.tensor(bValues, bShape);
              const bias = tf.tensor1d(biasValues);
              const out = kernels.output([m, n]);
              kernels.gemm(out, { m, k, n, a, transposeA, b, transposeB, bias: fused ? bias : undefined, relu: fused });
              const error = relativeError(expected, readOut(out));
              expect(
                error,
                `${variant} ${m}×${k}×${n} transposeA=${transposeA} transposeB=${transposeB} fused=${fused}`,
              ).toBeLessThanOrEqual(TOLERANCE);
              tf.dispose([a, b, bias]);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(sizes.length * 8);
  });

  it('the registered kernels take batched products, a broadcast batch and a bias of shape [1, n]', async () => {
    expect(wasmNativeKernels().variant).not.toBeNull();
    await expectWasmMatchesCpu('batched', () => [
      tf.matMul(randomTensor([3, 5, 7], 1), randomTensor([3, 6, 7], 2), false, true),
    ]);
    await expectWasmMatchesCpu('broadcast batch', () => [
      tf.matMul(randomTensor([1, 9, 5], 3), randomTensor([4, 5, 6], 4)),
      tf.matMul(randomTensor([2, 2, 9, 5], 5), randomTensor([5, 3], 6)),
    ]);
    await expectWasmMatchesCpu('fused, bias [1, n], relu, transposed', () => [
      tf.fused.matMul({
        a: randomTensor([7, 13], 7) as tf.Tensor2D,
        b: randomTensor([11, 7], 8) as tf.Tensor2D,
        transposeA: true,
        transposeB: true,
        bias: randomTensor([1, 11], 9),
        activation: 'relu',
      }),
    ]);
    // A bias that broadcasts over rows instead of columns is added after the GEMM.
    await expectWasmMatchesCpu('fused, per-row bias', () =>
      (['elu', 'relu', 'linear'] as const).map((activation) =>
        tf.fused.matMul({
          a: randomTensor([6, 4], 10) as tf.Tensor2D,
          b: randomTensor([4, 5], 11) as tf.Tensor2D,
          bias: randomTensor([6, 1], 12),
          activation,
        }),
      ),
    );
    await expectWasmMatchesCpu('fused, no bias', () =>
      (['elu', 'relu', 'linear'] as const).map((activation) =>
        tf.fused.matMul({
          a: randomTensor([6, 4], 13) as tf.Tensor2D,
          b: randomTensor([4, 5], 14) as tf.Tensor2D,
          activation,
        }),
      ),
    );
  });

  it('without the native kernels the XNNPACK wrappers still match cpu (their fallback)', async () => {
    const { BatchMatMul, _FusedMatMul } = createMatMulKernels(null);
    const a = randomTensor([2, 6, 5], 1);
    const b = randomTensor([2, 4, 6], 2);
    const bias = randomTensor([4], 3);
    const backend = tf.backend();
    const plain = readOut(
      BatchMatMul({ inputs: { a, b }, attrs: { transposeA: true, transposeB: true }, backend }) as tf.TensorInfo,
    );
    const fused = readOut(
      _FusedMatMul({
        inputs: { a, b, bias },
        attrs: { transposeA: true, transposeB: true, activation: 'relu' },
        backend,
      }) as tf.TensorInfo,
    );
    const [av, bv, biasv] = [a.dataSync().slice(), b.dataSync().slice(), bias.dataSync().slice()];
    tf.dispose([a, b, bias]);
    expect(
      relativeError(
        await onCpu(() => tf.matMul(tf.tensor(av, [2, 6, 5]), tf.tensor(bv, [2, 4, 6]), true, true)),
        plain,
      ),
    ).toBeLessThanOrEqual(TOLERANCE);
    expect(
      relativeError(
        await onCpu(() =>
          tf.relu(tf.matMul(tf.tensor(av, [2, 6, 5]), tf.tensor(bv, [2, 4, 6]), true, true).add(tf.tensor(biasv))),
        ),
        fused,
      ),
    ).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('native convolution gradients and MaxPoolGrad equal the composed kernels they replace', () => {
  const geometries = [
    { x: [3, 9, 9, 2], f: [3, 3, 2, 4], strides: [1, 1], pad: 'valid' },
    { x: [2, 12, 11, 3], f: [3, 3, 3, 5], strides: [2, 2], pad: 'same' },
    { x: [2, 7, 7, 1], f: [1, 1, 1, 3], strides: [1, 1], pad: 'valid' },
    {
      x: [2, 10, 9, 3],
      f: [3, 2, 3, 4],
      strides: [2, 3],
      pad: [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
    },
  ];
  it.each(geometries)('conv2d x$x f$f strides $strides pad $pad', ({ x, f, strides, pad }) => {
    const backend = tf.backend();
    const xt = randomTensor(x, 1);
    const ft = randomTensor(f, 2);
    const y = tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, strides as [number, number], pad as 'same');
    const dy = randomTensor(y.shape, 3);
    const attrs = {
      strides,
      pad,
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap;
    const native = (name: string, inputs: tf.NamedTensorMap, extra: object) =>
      readOut(tf.engine().runKernel(name, inputs, { ...attrs, ...extra }) as unknown as tf.TensorInfo);
    const dwNative = native('Conv2DBackpropFilter', { x: xt, dy }, { filterShape: f });
    const dxNative = native('Conv2DBackpropInput', { dy, filter: ft }, { inputShape: x });
    const dwComposed = readOut(
      conv2dBackpropFilter({ inputs: { x: xt, dy }, attrs: { ...attrs, filterShape: f }, backend }) as tf.TensorInfo,
    );
    const dxComposed = readOut(
      conv2dBackpropInput({ inputs: { dy, filter: ft }, attrs: { ...attrs, inputShape: x }, backend }) as tf.TensorInfo,
    );
    expect(relativeError(dwComposed, dwNative)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(dxComposed, dxNative)).toBeLessThanOrEqual(TOLERANCE);
    tf.dispose([xt, ft, y, dy]);
  });

  it.each([
    { size: 2, stride: 2, pad: 'valid' as const, x: [2, 9, 8, 6] },
    { size: 3, stride: 1, pad: 'same' as const, x: [2, 6, 7, 5] },
    { size: 3, stride: 2, pad: 'same' as const, x: [1, 7, 7, 8] },
    // The 2×2/2 kernel for channels a multiple of 4: even sizes, odd ones (a last row and column
    // no window covers), "same" on an odd size (its last windows padded: the general kernel), and
    // coarse values so that taps tie and the first maximum must win.
    { size: 2, stride: 2, pad: 'valid' as const, x: [2, 8, 6, 8] },
    { size: 2, stride: 2, pad: 'valid' as const, x: [3, 9, 7, 4] },
    { size: 2, stride: 2, pad: 'same' as const, x: [2, 7, 5, 4] },
    { size: 2, stride: 2, pad: 'valid' as const, x: [2, 6, 6, 12], ties: true },
  ])('maxPool $size/$stride $pad on x$x, values ≤ 0 included', ({ size, stride, pad, x, ties }) => {
    const backend = tf.backend();
    const xt = ties ? tf.round(randomTensor(x, 4, -2, 1.5)) : randomTensor(x, 4, -2, 0.5);
    const y = tf.maxPool(xt as tf.Tensor4D, size, stride, pad);
    const dy = randomTensor(y.shape, 5);
    const attrs = { filterSize: size, strides: stride, pad, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
    const native = readOut(
      tf.engine().runKernel('MaxPoolGrad', { dy, input: xt, output: y }, attrs) as unknown as tf.TensorInfo,
    );
    const composed = readOut(
      createMaxPoolGrad(null)({ inputs: { dy, input: xt, output: y }, attrs, backend }) as tf.TensorInfo,
    );
    expect(relativeError(composed, native)).toBeLessThanOrEqual(TOLERANCE);
    tf.dispose([xt, y, dy]);
  });
});

describe('Sum over the leading axes and a same-dtype Cast', () => {
  it('sums match cpu: leading axes with and without keepDims, an odd width, and reductions left to the stock kernel', async () => {
    await expectWasmMatchesCpu('sum', () => {
      const x = randomTensor([3, 5, 4, 7], 1);
      return [
        x.sum([0, 1, 2]),
        x.sum([2, 1, 0], true),
        x.sum([0, 2]),
        x.sum(-1),
        randomTensor([9, 6], 2).sum(0),
        x.sum(),
      ];
    });
  });

  it('a Cast to float32 of float32 shares the buffer; int32 → float32 still converts', () => {
    const x = tf.tensor1d([1.5, -2.25]);
    const buffers = tf.engine().backend.numDataIds();
    const same = tf.cast(x, 'float32');
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    const ints = tf.tensor1d([3, -4], 'int32');
    const floats = tf.cast(ints, 'float32');
    expect(floats.dtype).toBe('float32');
    expect(Array.from(floats.dataSync())).toEqual([3, -4]);
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25]);
    tf.dispose([same, ints, floats]);
  });
});

describe("relu's gradient as one native pass", () => {
  it('equals mul(dy, step(y)) bit for bit in every build: zeros, negatives, NaN and infinities, odd sizes', async () => {
    for (const { variant, kernels } of builds()) {
      for (const n of [1, 3, 4, 7, 64, 1001]) {
        // y: relu outputs and the odd ones out (−0, negatives, NaN); dy: finite, infinite and NaN.
        const special = [0, -0, -1, 2, NaN, 1e-30, -Infinity, Infinity];
        const yValues = Float32Array.from({ length: n }, (_, i) =>
          i % 3 === 0 ? special[i % special.length]! : Math.sin(i) * 3,
        );
        const dyValues = Float32Array.from({ length: n }, (_, i) =>
          i % 5 === 0 ? [Infinity, NaN, -Infinity, 0, 1][(i / 5) % 5]! : Math.cos(i),
        );
        const y = tf.tensor1d(yValues);
        const dy = tf.tensor1d(dyValues);
        const out = kernels.output([n]);
        kernels.reluGrad(out, dy, y, n);
        const ours = readOut(out);
        const stock = tf.tidy(() => tf.mul(dy, tf.step(y)).dataSync());
        tf.dispose([y, dy]);
        const same = Array.from(ours).every(
          (v, i) => Object.is(v, stock[i]) || (Number.isNaN(v) && Number.isNaN(stock[i]!)),
        );
        expect(same, `${variant}, ${n} values`).toBe(true);
      }
    }
  });
});

describe('Adam with one fused wasm kernel per variable', () => {
  /** A few Adam steps on a tiny linear model; returns the weights and the optimizer's slots. */
  async function adamSteps(optimizer: tf.Optimizer, steps = 4): Promise<Float32Array[]> {
    const w = tf.variable(tf.tensor(values(12, 1), [4, 3]), true, `w${Math.random()}`);
    const b = tf.variable(tf.tensor(values(3, 2), [3]), true, `b${Math.random()}`);
    const x = tf.tensor(values(20, 3), [5, 4]);
    const y = tf.tensor(values(15, 4), [5, 3]);
    for (let i = 0; i < steps; i++) {
      optimizer.minimize(() => tf.losses.meanSquaredError(y, tf.matMul(x, w).add(b)) as tf.Scalar, false, [w, b]);
    }
    const slots = await optimizer.getWeights();
    const out = await Promise.all(
      [w, b, ...slots.map((s) => s.tensor)].map(async (t) => Float32Array.from(await t.data())),
    );
    tf.dispose([w, b, x, y, slots[0]!.tensor]);
    optimizer.dispose();
    return out;
  }

  it('is what the engine creates on wasm, and gives the stock optimizer’s numbers exactly, slots included', async () => {
    const fused = createOptimizer('adam', 0.01);
    expect(fused).toBeInstanceOf(FusedAdamOptimizer);
    const before = tf.memory().numTensors;
    const fusedValues = await adamSteps(fused);
    expect(tf.memory().numTensors).toBe(before);
    const stock = await adamSteps(tf.train.adam(0.01));
    expect(fusedValues.length).toBe(stock.length);
    fusedValues.forEach((v, i) => expect(Array.from(v), `tensor ${i}`).toEqual(Array.from(stock[i]!)));
    await tf.setBackend('cpu');
    const cpu = await adamSteps(tf.train.adam(0.01));
    await tf.setBackend('wasm');
    fusedValues.forEach((v, i) =>
      expect(relativeError(cpu[i]!, v), `tensor ${i} vs cpu`).toBeLessThanOrEqual(TOLERANCE),
    );
  });

  it('runs no tfjs kernel for the update itself (the stock one runs ~12 per variable)', async () => {
    const kernelsOf = async (optimizer: tf.Optimizer) => {
      const w = tf.variable(tf.tensor1d(values(8, 1)), true, `k${Math.random()}`);
      const g = tf.tensor1d(values(8, 2));
      optimizer.applyGradients({ [w.name]: g }); // creates the slots
      const profile = await tf.profile(() => optimizer.applyGradients({ [w.name]: g }));
      tf.dispose([w, g]);
      optimizer.dispose();
      return profile.kernels.map((k) => k.name);
    };
    expect(await kernelsOf(createOptimizer('adam', 0.01))).toEqual([]);
    expect((await kernelsOf(tf.train.adam(0.01))).length).toBeGreaterThanOrEqual(10);
  });

  it('gives the weights a fresh buffer: XNNPACK, which caches packed filters by buffer, convolves with the new values', () => {
    const optimizer = createOptimizer('adam', 0.1);
    const w = tf.variable(randomTensor([3, 3, 2, 4], 1), true, `filter${Math.random()}`);
    const x = randomTensor([1, 6, 6, 2], 2);
    tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').dispose(); // XNNPACK packs w's filter now
    const g = randomTensor([3, 3, 2, 4], 3);
    optimizer.applyGradients({ [w.name]: g });
    const after = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
    const copy = tf.tensor4d(w.dataSync(), [3, 3, 2, 4]);
    const fresh = tf.conv2d(x as tf.Tensor4D, copy, 1, 'same');
    expect(Array.from(after.dataSync())).toEqual(Array.from(fresh.dataSync()));
    tf.dispose([w, x, g, after, copy, fresh]);
    optimizer.dispose();
  });

  it('a tensor that shares a variable’s buffer keeps its values when the variable is updated', () => {
    const native = engineNativeKernels()!;
    const optimizer = new FusedAdamOptimizer(0.1, native);
    const w = tf.variable(tf.tensor1d([1, 2, 3, 4, 5]), true, `shared${Math.random()}`);
    const snapshot = tf.clone(w); // shares w's buffer on wasm (Identity shares, as on cpu)
    expect(native.ownsBuffer(w)).toBe(false);
    const g = tf.ones([5]);
    optimizer.applyGradients([{ name: w.name, tensor: g }]);
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(w.dataSync()).every((v, i) => Math.abs(v - (i + 1 - 0.1)) < 1e-5)).toBe(true);
    tf.dispose([w, snapshot, g]);
    optimizer.dispose();
  });
});

// The rebuild check needs wabt's wat2wasm; without it the test is reported as skipped, with why.
const wat2wasm = spawnSync('wat2wasm', ['--version'], { encoding: 'utf8' });
const noWat2wasm = wat2wasm.error
  ? `wat2wasm is not on PATH (${(wat2wasm.error as NodeJS.ErrnoException).code}): install wabt (apt-get install wabt) to check that the committed .wasm files are built from kernels.wat`
  : null;
if (noWat2wasm) console.log(`skipped: ${noWat2wasm}`);

describe('the committed .wasm files are built from kernels.wat', () => {
  it.skipIf(noWat2wasm !== null)('node scripts/build-wasm-kernels.mjs --check (needs wabt)', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-wasm-kernels.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(run.stderr.trim()).toBe('');
    expect(run.status).toBe(0);
  });
});
