import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARITY_ROWS } from '../../../app/engine/parity';
import { selectBackend } from '../../../main/engine/process/backend';
import { exportModel } from '../../../main/engine/process/export';
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
