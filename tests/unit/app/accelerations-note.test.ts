import { describe, expect, it } from 'vitest';
import { accelerationsNote, backendDescription } from '../../../app/engine/accelerations-note';

describe('what the CLI and the app say about the backend', () => {
  const skipped = [{ name: 'tfjs-node', reason: '@tensorflow/tfjs-node is not installed' }];

  it("names the backend, its threads and whether the engine's CPU addon runs the products", () => {
    expect(backendDescription({ name: 'wasm', skipped, threads: 2, cpuGemm: 'avx512' })).toBe(
      'wasm (2 threads, CPU addon: avx512)',
    );
    expect(backendDescription({ name: 'wasm', skipped, threads: 1 })).toBe('wasm (1 thread)');
    expect(backendDescription({ name: 'tfjs-node', skipped: [] })).toBe('tfjs-node');
  });

  it('says when the accelerations are off, and why; nothing while they are on', () => {
    expect(accelerationsNote({ name: 'wasm', skipped, accelerations: { on: true } })).toBeNull();
    expect(
      accelerationsNote({ name: 'cpu', skipped, accelerations: { on: false, reason: 'LAYERLAB_ACCELERATIONS=off' } }),
    ).toBe('Engine accelerations off: LAYERLAB_ACCELERATIONS=off (stock TensorFlow.js, slower).');
  });
});
