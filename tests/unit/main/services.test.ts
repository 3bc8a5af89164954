import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-services-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

function nextEnded(): Promise<EventPayload<'run.ended'>> {
  return new Promise((resolve) => {
    const off = api.on('run.ended', (payload) => {
      off();
      resolve(payload);
    });
  });
}

describe('the main-side services through the contract', () => {
  it('imports, trains, exports and reopens a project as it was', async () => {
    const created = await api.invoke('project.create', { name: 'Iris flowers' });
    expect(created.id).toBe('iris-flowers');
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const imported = await api.invoke('dataset.importText', { projectId: created.id, fileName: 'iris.csv', text });
    expect(imported.dataset?.rows).toBe(150);

    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(imported.dataset!, taskSpec);
    const graph = templateGraph('mlp', shape.inputWidth, shape.head);
    const trainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 25, batchSize: 16 };

    const epochs: number[] = [];
    const offEpoch = api.on('run.epoch', (e) => epochs.push(e.logs.epoch));
    let batches = 0;
    const offBatch = api.on('run.batch', () => batches++);
    const ended = nextEnded();
    const started = await api.invoke('run.start', { projectId: created.id, taskSpec, graph, trainConfig });
    expect(started.status).toBe('running');
    expect(started.backend?.name).toBeTruthy();
    await expect(api.invoke('run.start', { projectId: created.id, taskSpec, graph, trainConfig })).rejects.toThrow(
      /still training/,
    );
    const { run } = await ended;
    offEpoch();
    offBatch();
    expect(run.status).toBe('completed');
    expect(epochs).toEqual([...Array(25).keys()]);
    expect(batches).toBeGreaterThan(0);
    expect(run.epochs.at(-1)!.val_accuracy).toBeGreaterThanOrEqual(0.9);

    const exported = await api.invoke('export.model', { projectId: created.id, runId: run.id, outDir: null });
    // One default folder per format, so a second format never mixes its files with the first's.
    expect(exported.outDir).toBe(path.join(tmp, 'projects', created.id, 'exports', run.id, 'tfjs'));
    expect(exported.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    for (const f of ['model.json', 'weights.bin', 'preprocessing.json'])
      expect(existsSync(path.join(exported.outDir, f))).toBe(true);
    const onnx = await api.invoke('export.model', {
      projectId: created.id,
      runId: run.id,
      outDir: null,
      format: 'onnx',
    });
    expect(onnx.outDir).toBe(path.join(tmp, 'projects', created.id, 'exports', run.id, 'onnx'));
    expect(existsSync(path.join(onnx.outDir, 'model.onnx'))).toBe(true);
    expect(existsSync(path.join(onnx.outDir, 'model.json'))).toBe(false);
    expect(existsSync(path.join(exported.outDir, 'model.onnx'))).toBe(false);
    await expect(
      api.invoke('export.model', { projectId: created.id, runId: run.id, outDir: '/etc/hostname/export' }),
    ).rejects.toThrow(/\/etc\/hostname/);
    await expect(
      api.invoke('export.model', { projectId: created.id, runId: run.id, outDir: 'relative/dir' }),
    ).rejects.toThrow(/absolute/);

    const reopened = await api.invoke('project.open', { projectId: created.id });
    expect(reopened.project.taskSpec).toEqual(taskSpec);
    expect(reopened.project.graph).toEqual(graph);
    expect(reopened.project.trainConfig).toEqual(trainConfig);
    expect(reopened.dataset?.id).toBe(imported.dataset?.id);
    expect(reopened.runs.map((r) => [r.id, r.status, r.epochs.length])).toEqual([[run.id, 'completed', 25]]);
    const metricsLines = (
      await readFile(path.join(tmp, 'projects', created.id, 'runs', run.id, 'metrics.jsonl'), 'utf8')
    )
      .trim()
      .split('\n');
    expect(metricsLines).toHaveLength(25);
  });

  it('cancels a run within a batch and keeps its history', async () => {
    const { id } = await api.invoke('project.create', { name: 'Cancel me' });
    const text = await readFile(path.join(ROOT, 'resources', 'house-prices.csv'), 'utf8');
    const state = await api.invoke('dataset.importText', { projectId: id, fileName: 'house-prices.csv', text });
    const taskSpec = { target: 'price_keur', task: 'regression' as const };
    const shape = taskShape(state.dataset!, taskSpec);
    const ended = nextEnded();
    let cancelledAt = -1;
    let batchesAfterCancel = 0;
    const off = api.on('run.batch', (e) => {
      if (cancelledAt >= 0) batchesAfterCancel++;
      else if (e.logs.epoch >= 1) {
        cancelledAt = e.logs.epoch;
        void api.invoke('run.cancel', { projectId: id, runId: e.runId });
      }
    });
    await api.invoke('run.start', {
      projectId: id,
      taskSpec,
      graph: templateGraph('mlp', shape.inputWidth, shape.head),
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 500, batchSize: 8 },
    });
    const { run } = await ended;
    off();
    expect(run.status).toBe('cancelled');
    expect(run.hasModel).toBe(true);
    expect(run.epochs.length).toBeGreaterThanOrEqual(1);
    expect(run.epochs.length).toBeLessThan(10);
    // Batch events are throttled, so "within one batch" shows as: hardly any more arrive.
    expect(batchesAfterCancel).toBeLessThanOrEqual(2);
    expect(run.epochs.at(-1)).toHaveProperty('val_mae');
  });

  it('refuses a graph that does not fit the data, and one with a cycle', async () => {
    const { id } = await api.invoke('project.create', { name: 'Bad graphs' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    await api.invoke('dataset.importText', { projectId: id, fileName: 'iris.csv', text });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const wrongWidth = templateGraph('linear', 9, { units: 3, activation: 'softmax' });
    await expect(
      api.invoke('run.start', { projectId: id, taskSpec, graph: wrongWidth, trainConfig: DEFAULT_TRAIN_CONFIG }),
    ).rejects.toThrow(/Input node expects shape \(9\).*4 features/);
    const cyclic = templateGraph('mlp', 4, { units: 3, activation: 'softmax' });
    cyclic.edges.push({ id: 'loop', source: 'dense_2', target: 'dense_1' });
    await expect(
      api.invoke('run.start', { projectId: id, taskSpec, graph: cyclic, trainConfig: DEFAULT_TRAIN_CONFIG }),
    ).rejects.toThrow(/cycle/);
  });
});
