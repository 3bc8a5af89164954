import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_PARITY_ROWS, MIN_QUANTIZED_ROWS, PARITY_MACS, PARITY_ROWS, parityRows } from '../../../app/engine/parity';
import { selectBackend } from '../../../main/engine/process/backend';
import { exportModel, macsPerRow } from '../../../main/engine/process/export';
import { buildModel } from '../../../main/engine/process/build-model';
import { ModelGraph } from '../../../app/graph';
import { train } from '../../../main/engine/process/train';
import { chainGraph, config, tempDir, writeRegression } from './fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('parity-sample');
});
afterAll(async () => {
  await tmp.cleanup();
});

describe("the export's parity check on a large validation split", () => {
  it('compares a bounded sample of validation rows and says how many of how many', async () => {
    const dir = path.join(tmp.dir, 'run');
    // 60,000 rows: 12,000 validation rows, more than the check takes.
    const data = await writeRegression(dir, 60_000);
    expect(data.valRows).toBe(12_000);
    const graph = chainGraph([2], [], { units: 1, activation: 'linear' });
    const outcome = await train(
      { runId: 'parity', runDir: dir, data, graph, config: config({ epochs: 1, batchSize: 512 }) },
      {},
    );
    expect(outcome.status).toBe('completed');
    const outDir = path.join(tmp.dir, 'export');
    const result = await exportModel({ modelDir: path.join(dir, 'model'), data, outDir });
    expect(PARITY_ROWS).toBe(10_000);
    expect(result.rowsCompared).toBe(10_000);
    expect(result.rowsAvailable).toBe(12_000);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    const card = await readFile(path.join(outDir, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain(
      'over 10,000 of 12,000 validation rows (the first of the seeded split: a random sample) (allowed 1e-5)',
    );
  });
});

describe('the parity sample of a model that costs much per row', () => {
  it('takes as many rows as PARITY_MACS multiply-adds allow, never fewer than MIN_PARITY_ROWS', () => {
    expect(parityRows(12_000)).toBe(PARITY_ROWS);
    expect(parityRows(359, 1_500_000)).toBe(Math.floor(PARITY_MACS / 1_500_000));
    expect(parityRows(359, 1e9)).toBe(MIN_PARITY_ROWS);
    expect(parityRows(40, 1e9)).toBe(MIN_PARITY_ROWS);
    expect(parityRows(10, 1e9)).toBe(10);
    // A quantized (or float16) export estimates an accuracy change: it keeps more rows.
    expect(parityRows(359, 1e9, true)).toBe(MIN_QUANTIZED_ROWS);
    expect(parityRows(359, 150_000, true)).toBe(Math.max(MIN_QUANTIZED_ROWS, Math.floor(PARITY_MACS / 150_000)));
    expect(parityRows(359, 150_000, true)).toBeGreaterThan(MIN_QUANTIZED_ROWS);
    expect(parityRows(12_000, 1_000)).toBe(PARITY_ROWS);
  });

  it('counts a conv layer at every position it is applied, a dense layer once', () => {
    const graph = ModelGraph.parse({
      version: 2,
      nodes: [
        { id: 'in', type: 'Input', position: { x: 0, y: 0 }, config: { shape: [8, 8, 1] } },
        {
          id: 'conv',
          type: 'Conv2D',
          position: { x: 0, y: 100 },
          config: { filters: 4, kernel_size: [3, 3], padding: 'same', activation: 'relu' },
        },
        { id: 'flat', type: 'Flatten', position: { x: 0, y: 200 }, config: {} },
        { id: 'out', type: 'Output', position: { x: 0, y: 300 }, config: { units: 2, activation: 'softmax' } },
      ],
      edges: [
        { id: 'a', source: 'in', target: 'conv' },
        { id: 'b', source: 'conv', target: 'flat' },
        { id: 'c', source: 'flat', target: 'out' },
      ],
    });
    const { model } = buildModel(graph, 1);
    // conv: 3×3×1×4 kernel at 8×8 positions; dense: 256×2.
    expect(macsPerRow(model)).toBe(36 * 64 + 256 * 2);
    model.dispose();
  });
});
