import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { describeLoadFailure, probeBackend, selectBackend } from '../../../main/engine/process/backend';
import { installWasmKernelFixes } from '../../../main/engine/process/accelerations/wasm-kernel-fixes';

tf.enableProdMode(); // the cpu comparisons below would print tfjs' "install tfjs-node" notice

describe('backend selection', () => {
  it('classifies load failures: absent package vs a package that fails to load', () => {
    const absent = Object.assign(new Error("Cannot find module '@tensorflow/tfjs-node-gpu'\nRequire stack:\n- /x.js"), {
      code: 'MODULE_NOT_FOUND',
    });
    expect(describeLoadFailure(absent, '@tensorflow/tfjs-node-gpu')).toBe('@tensorflow/tfjs-node-gpu is not installed');
    const esmAbsent = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from /x.ts"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    expect(describeLoadFailure(esmAbsent, '@tensorflow/tfjs-node')).toBe('@tensorflow/tfjs-node is not installed');
    const native = new Error(
      'libcudart.so.11.0: cannot open shared object file: No such file or directory\n    at Module._extensions..node',
    );
    expect(describeLoadFailure(native, '@tensorflow/tfjs-node-gpu')).toBe(
      'failed to load: libcudart.so.11.0: cannot open shared object file: No such file or directory',
    );
    const binding = Object.assign(
      new Error("Cannot find module '/n/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'"),
      { code: 'MODULE_NOT_FOUND' },
    );
    expect(describeLoadFailure(binding, '@tensorflow/tfjs-node')).toMatch(
      /^failed to load: Cannot find module .*tfjs_binding\.node/,
    );
  });

  it('refuses an unknown LAYERLAB_BACKEND value', async () => {
    await expect(selectBackend({ force: 'tpu' })).rejects.toThrow(
      'LAYERLAB_BACKEND must be one of tfjs-node-gpu, tfjs-node, wasm, cpu, but it is "tpu"',
    );
  });

  // Order matters below: stock wasm kernels first, then the fixes.
  it('the probe catches stock tfjs-backend-wasm 4.22 getting a fused transposed matmul with bias wrong', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(probeBackend()).toMatch(/^fused matMul with bias gave .*, expected -1\.4, 2\.3, 2\.6, 5\.55, -3\.65, 1\.8$/);
  });

  it('with the kernel fixes, wasm matmuls match cpu (transposes, batches, bias, activation)', async () => {
    installWasmKernelFixes();
    expect(probeBackend()).toBeNull();
    const cases = [
      { a: [5, 3], b: [4, 3], transposeA: false, transposeB: true },
      { a: [3, 5], b: [3, 4], transposeA: true, transposeB: false },
      { a: [3, 5], b: [4, 3], transposeA: true, transposeB: true },
      { a: [2, 5, 3], b: [2, 4, 3], transposeA: false, transposeB: true },
      { a: [3, 3, 5], b: [3, 3, 4], transposeA: true, transposeB: false },
    ];
    type Fused = null | { bias: boolean; activation: 'relu' | 'sigmoid' | 'linear' | 'elu' };
    const run = (c: (typeof cases)[number], fused: Fused) =>
      tf.tidy(() => {
        const a = tf.randomUniform(c.a, -1, 1, 'float32', 1);
        const b = tf.randomUniform(c.b, -1, 1, 'float32', 2);
        if (!fused) return tf.matMul(a, b, c.transposeA, c.transposeB);
        const bias = fused.bias ? tf.randomUniform([4], -1, 1, 'float32', 3) : undefined;
        return tf.fused.matMul({
          a,
          b,
          transposeA: c.transposeA,
          transposeB: c.transposeB,
          bias,
          activation: fused.activation,
        });
      });
    const variants: Fused[] = [
      null,
      { bias: true, activation: 'relu' },
      { bias: true, activation: 'linear' },
      { bias: false, activation: 'sigmoid' },
      { bias: true, activation: 'elu' },
    ];
    for (const c of cases) {
      for (const fused of variants) {
        await tf.setBackend('wasm');
        const before = tf.memory().numTensors;
        const w = run(c, fused);
        const wasmValues = Array.from(await w.data());
        w.dispose();
        expect(tf.memory().numTensors).toBe(before);
        await tf.setBackend('cpu');
        const cpu = run(c, fused);
        const cpuValues = Array.from(await cpu.data());
        cpu.dispose();
        wasmValues.forEach((v, i) =>
          expect(v, `${JSON.stringify(c)} fused=${JSON.stringify(fused)} [${i}]`).toBeCloseTo(cpuValues[i]!, 5),
        );
      }
    }
  });

  it('forced choices still report what was not tried', async () => {
    expect(await selectBackend({ force: 'cpu' })).toEqual({
      name: 'cpu',
      skipped: ['tfjs-node-gpu', 'tfjs-node', 'wasm'].map((name) => ({
        name,
        reason: 'not tried: LAYERLAB_BACKEND=cpu forces the cpu backend',
      })),
      accelerations: { on: true },
    });
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await selectBackend({ force: 'wasm' });
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
