import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerlab } from './run-layerlab';
import { multiHeadCsv, twoInputTwoHeadGraph } from './multi-head-fixtures';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-multi-head-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('layerlab train --graph with two Inputs and two heads', () => {
  it('takes the columns and targets from the graph (no --target), sizes its nodes, and writes each head’s scores beside its baseline', async () => {
    const data = path.join(tmp, 'two-heads.csv');
    await writeFile(data, multiHeadCsv());
    const graph = twoInputTwoHeadGraph();
    // Every head names its target, so --target can be left out.
    const withTargets = {
      ...graph,
      nodes: graph.nodes.map((n) =>
        n.type === 'Output' && n.id === 'out_price' ? { ...n, config: { ...n.config, target: 'price' } } : n,
      ),
    };
    const graphFile = path.join(tmp, 'graph.json');
    await writeFile(graphFile, JSON.stringify(withTargets));
    const out = path.join(tmp, 'out');
    const result = await layerlab([
      'train',
      '--data',
      data,
      '--graph',
      graphFile,
      '--out',
      out,
      '--epochs',
      '6',
      '--seed',
      '5',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'Input "in_a" (2 columns, 2 values), Input "in_b" (2 columns, 4 values) → regression of "price", classification of "kind" (2 classes)',
    );
    expect(result.stdout).toContain('export supports single-input, single-head models so far');
    expect(result.stdout).toMatch(
      /epoch 6\/6 .* out_price_loss .* val_out_price_loss .* out_price_mae .* out_kind_accuracy /,
    );
    expect((await readdir(out)).sort()).toEqual([
      'config.json',
      'manifest.json',
      'metrics.json',
      'model.json',
      'preprocessing.json',
      'weights.bin',
    ]);
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8')) as {
      heads: unknown;
      final: Record<string, number>;
    };
    expect(metrics.heads).toEqual([
      { node: 'out_price', target: 'price', task: 'regression', labels: null },
      { node: 'out_kind', target: 'kind', task: 'classification', labels: ['high', 'low'] },
    ]);
    const f = metrics.final;
    expect(f['val_out_price_mae']).toBeLessThan(0.5 * f['baseline_out_price_val_mae']!);
    expect(f['val_out_kind_accuracy']).toBeGreaterThan(f['baseline_out_kind_val_accuracy']! + 0.2);

    // A graph that names a column the data lacks is refused by name, before any training.
    const bad = {
      ...withTargets,
      nodes: withTargets.nodes.map((n) =>
        n.id === 'in_a' ? { ...n, config: { shape: [2], columns: ['a1', 'a3'] } } : n,
      ),
    };
    await writeFile(graphFile, JSON.stringify(bad));
    const refused = await layerlab(['train', '--data', data, '--graph', graphFile, '--out', path.join(tmp, 'bad')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'graph.json does not fit two-heads.csv: Input "in_a": the column "a3" is not in two-heads.csv.',
    );
  }, 180_000);
});
