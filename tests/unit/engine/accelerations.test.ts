import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../../main/engine/client';
import {
  ACCELERATIONS_TFJS_VERSION,
  installedAccelerations,
  planAccelerations,
} from '../../../main/engine/process/accelerations';
import { engineNativeKernels } from '../../../main/engine/process/accelerations/wasm-kernel-fixes';
import { selectBackend } from '../../../main/engine/process/backend';
import { createOptimizer } from '../../../main/engine/process/optimizers';
import { train } from '../../../main/engine/process/train';
import { chainGraph, config, tempDir, writeIris } from './fixtures';

// The accelerations patch TensorFlow.js 4.22 internals (main/engine/process/accelerations): one
// switch turns them all off, and another TensorFlow.js release turns them off by itself.

describe('planAccelerations', () => {
  const versions = { tfjs: ACCELERATIONS_TFJS_VERSION, 'tfjs-core': ACCELERATIONS_TFJS_VERSION };
  it('installs them on the release they were written for, unless LAYERLAB_ACCELERATIONS=off', () => {
    expect(planAccelerations({}, versions)).toEqual({ on: true });
    expect(planAccelerations({ LAYERLAB_ACCELERATIONS: 'on' }, versions)).toEqual({ on: true });
    expect(planAccelerations({ LAYERLAB_ACCELERATIONS: 'off' }, versions)).toEqual({
      on: false,
      reason: 'LAYERLAB_ACCELERATIONS=off',
    });
  });

  it('installs none on another TensorFlow.js release, and names it', () => {
    const plan = planAccelerations({}, { ...versions, 'tfjs-core': '4.23.0' });
    expect(plan.on).toBe(false);
    expect(plan.reason).toBe(
      `they were written for TensorFlow.js ${ACCELERATIONS_TFJS_VERSION}, but tfjs-core is 4.23.0`,
    );
  });

  it('refuses a switch value it does not know', () => {
    expect(() => planAccelerations({ LAYERLAB_ACCELERATIONS: 'fast' }, versions)).toThrow(
      /LAYERLAB_ACCELERATIONS must be "on" or "off", but it is "fast"/,
    );
  });
});

describe('LAYERLAB_ACCELERATIONS=off (in process)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const saved = process.env['LAYERLAB_ACCELERATIONS'];
  beforeAll(async () => {
    tmp = await tempDir('accelerations-off');
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env['LAYERLAB_ACCELERATIONS'];
    else process.env['LAYERLAB_ACCELERATIONS'] = saved;
    await tmp.cleanup();
  });

  it('trains a model on stock TensorFlow.js: no patched kernel, tape or fused op', async () => {
    const engine = tf.engine() as unknown as Record<'saveTensorsForBackwardMode' | 'clone', unknown>;
    const stock = {
      save: engine.saveTensorsForBackwardMode,
      clone: engine.clone,
      matMul: tf.fused.matMul,
      conv2d: tf.fused.conv2d,
    };
    process.env['LAYERLAB_ACCELERATIONS'] = 'off';
    const report = await selectBackend();
    expect(report.accelerations).toEqual({ on: false, reason: 'LAYERLAB_ACCELERATIONS=off' });
    // Stock tfjs-backend-wasm 4.22 fails the backend probe (a batched fused matmul with a bias):
    // without the engine's kernel fixes the engine says so and trains on the cpu backend.
    const wasm = report.skipped.find((s) => s.name === 'wasm');
    if (report.name !== 'wasm') expect(wasm?.reason).toMatch(/accelerations are off/);
    console.log(`accelerations off: backend ${report.name}; skipped ${JSON.stringify(report.skipped)}`);

    const dir = path.join(tmp.dir, 'iris');
    const data = await writeIris(dir);
    const graph = chainGraph([4], [{ type: 'Dense', units: 8 }], { units: 3, activation: 'softmax' });
    const outcome = await train({ runId: 'off', runDir: dir, data, graph, config: config({ epochs: 3 }) }, {});
    expect(outcome.status).toBe('completed');

    expect(installedAccelerations()).toEqual([]);
    expect(engineNativeKernels()).toBeNull();
    const adam = createOptimizer('adam', 0.01);
    expect(adam.constructor).toBe(tf.AdamOptimizer);
    adam.dispose();
    // The wasm kernels the fixes add (tfjs 4.22 has none of these) are not registered.
    for (const kernel of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'UnsortedSegmentSum'])
      expect(tf.getKernel(kernel, 'wasm'), kernel).toBeUndefined();
    expect(engine.saveTensorsForBackwardMode).toBe(stock.save);
    expect(engine.clone).toBe(stock.clone);
    expect(tf.fused.matMul).toBe(stock.matMul);
    expect(tf.fused.conv2d).toBe(stock.conv2d);
  });
});

describe('the engine process reports them', () => {
  it('on by default, off with the switch (the ready event carries it to the main side)', async () => {
    for (const [env, expected] of [
      [{}, { on: true }],
      [{ LAYERLAB_ACCELERATIONS: 'off' }, { on: false, reason: 'LAYERLAB_ACCELERATIONS=off' }],
    ] as const) {
      const client = new EngineClient({ backend: 'wasm', env: { ...env } });
      try {
        const backend = await client.start();
        expect(backend.accelerations).toEqual(expected);
      } finally {
        client.dispose();
      }
    }
  });
});
