import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../../app/dataset/schema';
import { bindGraphToData, fitGraphToBinding } from '../../../app/graph/data-binding';
import type { ModelGraph } from '../../../app/graph/schema';
import { createApi, type Api } from '../../../app/ipc/client';
import type { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { headBaselines } from '../../../main/services/baseline';
import { createServices, type Services } from '../../../main/services/create-services';
import { readPreparedData } from '../../../main/services/runs';
import { multiHeadCsv, twoInputTwoHeadGraph } from './multi-head-fixtures';

const TASK: TaskSpec = { target: 'price', task: 'regression' };
let tmp: string;
let services: Services;
let api: Api;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-multi-head-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

async function train(projectId: string, graph: ModelGraph): Promise<RunSummary> {
  const started = await api.invoke('run.start', {
    projectId,
    taskSpec: TASK,
    graph,
    trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 12, batchSize: 32, seed: 5 },
  });
  return services.runs.whenDone(started.id);
}

describe('a graph with two Inputs and two heads trains on a CSV through the engine process', () => {
  it('both heads beat their baselines, the same seed gives the same curve, and export/evaluate/predict refuse it by name', async () => {
    const { id: projectId } = await api.invoke('project.create', { name: 'Two heads' });
    const imported = await api.invoke('dataset.importText', {
      projectId,
      fileName: 'two-heads.csv',
      text: multiHeadCsv(),
    });
    const meta = imported.dataset!;
    const graph = twoInputTwoHeadGraph();
    const binding = bindGraphToData(graph, meta, TASK);
    expect(binding.issues).toEqual([]);
    // The editor sizes each Input to its columns and each head to its target: a1, a2 → 2; b1 + group one-hot → 4.
    const fitted = fitGraphToBinding(graph, binding);
    expect(fitted.nodes.filter((n) => n.type === 'Input').map((n) => n.config)).toEqual([
      { shape: [2], columns: ['a1', 'a2'] },
      { shape: [4] },
    ]);
    // Unfitted, the run is refused before any work, naming the node and what to set.
    await expect(train(projectId, graph)).rejects.toThrow(
      'Input "in_a": its shape (1) holds 1 values, but its columns (a1, a2) encode to 2. Set its shape to (2).',
    );

    const run = await train(projectId, fitted);
    expect(run.status, run.error ?? '').toBe('completed');
    expect(run.epochs).toHaveLength(12);
    const last = run.epochs.at(-1)!;
    // Keras' names for several outputs; the total is the sum the heads trained on.
    for (const key of [
      'loss',
      'val_loss',
      'out_price_loss',
      'val_out_price_loss',
      'out_price_mae',
      'val_out_price_mae',
      'out_kind_loss',
      'val_out_kind_loss',
      'out_kind_accuracy',
      'val_out_kind_accuracy',
    ]) {
      expect(typeof last[key], key).toBe('number');
    }
    expect(last.mae).toBeUndefined();

    const runDir = services.projects.runDir(projectId, run.id);
    const data = await readPreparedData(runDir);
    expect(data.heads?.map((h) => [h.node, h.target, h.task])).toEqual([
      ['out_price', 'price', 'regression'],
      ['out_kind', 'kind', 'classification'],
    ]);
    const baselines = await headBaselines(data);
    const price = baselines['out_price']!;
    const kind = baselines['out_kind']!;
    expect(price.kind).toBe('training_mean');
    expect(kind.kind).toBe('majority_class');
    // price's MAE in its own units (the baseline's is ~10): far below the training mean's.
    expect(last['val_out_price_mae']!).toBeLessThan(0.3 * price.val_mae!);
    expect(last['val_out_kind_accuracy']!).toBeGreaterThan(Math.max(0.85, kind.val_accuracy! + 0.2));
    expect(last['val_out_kind_loss']!).toBeLessThan(kind.val_loss);
    // Both heads improved from the first epoch on.
    expect(last['val_out_price_mae']!).toBeLessThan(run.epochs[0]!['val_out_price_mae']!);
    expect(last.val_loss!).toBeLessThan(run.epochs[0]!.val_loss!);
    // One number for two heads would mislead: the run keeps none, the heads have their own,
    // stored with the run for the Diagnosis panel.
    expect(run.baseline).toBeNull();
    expect(run.headBaselines).toEqual([
      { node: 'out_price', target: 'price', task: 'regression', baseline: price },
      { node: 'out_kind', target: 'kind', task: 'classification', baseline: kind },
    ]);

    const again = await train(projectId, fitted);
    expect(again.epochs).toEqual(run.epochs);

    await expect(api.invoke('run.evaluate', { projectId, runId: run.id })).rejects.toThrow(
      'This run has 2 inputs and 2 output heads; evaluation supports single-input, single-head models so far.',
    );
    await expect(api.invoke('run.predictInputs', { projectId, runId: run.id })).rejects.toThrow(
      'This run has 2 inputs and 2 output heads; the playground and predictions support single-input, single-head models so far.',
    );
    await expect(api.invoke('export.model', { projectId, runId: run.id, outDir: null })).rejects.toThrow(
      'This run has 2 inputs and 2 output heads; export to this format supports single-input, single-head models so far.',
    );
    await expect(api.invoke('run.learningCurve', { projectId, runId: run.id })).rejects.toThrow(
      'This run has 2 inputs and 2 output heads; the learning curve supports single-input, single-head models so far.',
    );
  }, 180_000);
});
