import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../../app/dataset/schema';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { createApi, type Api } from '../../../app/ipc/client';
import type { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-evaluate-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

async function trained(
  name: string,
  file: string,
  taskSpec: TaskSpec,
  epochs: number,
): Promise<{ projectId: string; run: RunSummary }> {
  const { id: projectId } = await api.invoke('project.create', { name });
  const text = await readFile(path.join(ROOT, 'resources', file), 'utf8');
  const imported = await api.invoke('dataset.importText', { projectId, fileName: file, text });
  const shape = taskShape(imported.dataset!, taskSpec);
  const graph = templateGraph('mlp', shape.inputWidth, shape.head);
  const started = await api.invoke('run.start', {
    projectId,
    taskSpec,
    graph,
    trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs, batchSize: 16 },
  });
  const run = await services.runs.whenDone(started.id);
  expect(run.status).toBe('completed');
  return { projectId, run };
}

describe('run.evaluate: a finished run on its validation split', () => {
  it('classification: the confusion matrix covers every validation row, and each cell lists rows of its actual class', async () => {
    const { projectId, run } = await trained(
      'Iris eval',
      'iris.csv',
      { target: 'species', task: 'classification' },
      10,
    );
    const result = await api.invoke('run.evaluate', { projectId, runId: run.id });
    expect(result.split).toBe('validation');
    expect(result.capped).toBe(false);
    const e = result.evaluation;
    if (e.kind !== 'classification') throw new Error('expected a classification evaluation');
    expect(e.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(e.confusion.flat().reduce((a, b) => a + b, 0)).toBe(result.valRows);
    expect(result.valRows).toBe(30); // 20% of 150
    // The engine's predictions on the same rows give the accuracy training reported last.
    expect(e.accuracy).toBeCloseTo(run.epochs.at(-1)!.val_accuracy!, 5);

    const species = result.columns.indexOf('species');
    const seen = new Set<number>();
    for (const cell of result.cells) {
      expect(cell.total).toBe(e.confusion[cell.actual]![cell.predicted]);
      for (const ex of cell.examples) {
        // The row mapping is right only if the raw row's own label is the cell's actual class.
        expect(ex.values[species]).toBe(e.labels[cell.actual]);
        expect(ex.datasetRow).toBeGreaterThanOrEqual(0);
        seen.add(ex.datasetRow);
      }
    }
    expect(seen.size).toBe(30); // 30 distinct dataset rows
    expect(result.worst.map((w) => w.index)).toEqual(e.confidentlyWrong.map((w) => w.index));
  }, 120_000);

  it('regression: errors in the target’s own units, and the worst rows carry their actual price', async () => {
    const { projectId, run } = await trained(
      'Houses eval',
      'house-prices.csv',
      { target: 'price_keur', task: 'regression' },
      5,
    );
    const result = await api.invoke('run.evaluate', { projectId, runId: run.id });
    const e = result.evaluation;
    if (e.kind !== 'regression') throw new Error('expected a regression evaluation');
    expect(e.rows).toBe(result.valRows);
    expect(result.cells).toEqual([]);
    // Training reports val MAE in the same (unscaled) units: the evaluation must agree.
    const reported = run.epochs.at(-1)!.val_mae;
    expect(typeof reported).toBe('number');
    expect(Math.abs(e.mae - reported!) / reported!).toBeLessThan(1e-3);
    const price = result.columns.indexOf('price_keur');
    expect(result.worst.length).toBeGreaterThan(0);
    result.worst.forEach((w, k) => {
      const point = e.largestErrors[k]!;
      expect(w.index).toBe(point.index);
      expect(Number(w.values[price])).toBeCloseTo(point.actual, 3);
    });
  }, 120_000);

  it('refuses a run that does not exist, by name', async () => {
    const { id } = await api.invoke('project.create', { name: 'Empty eval' });
    await expect(api.invoke('run.evaluate', { projectId: id, runId: 'nope' })).rejects.toThrow(/nope/);
  });
});
