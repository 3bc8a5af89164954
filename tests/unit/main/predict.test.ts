import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Preprocessing } from '../../../app/dataset/schema';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { createApi, type Api } from '../../../app/ipc/client';
import type { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { encodeRawRows } from '../../../main/data/encode';
import { dirHandler } from '../../../main/engine/process/model-io';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;
let projectId: string;
let run: RunSummary;

const SETOSA = { sepal_length: '5.1', sepal_width: '3.5', petal_length: '1.4', petal_width: '0.2' };
const VIRGINICA = { sepal_length: '7.7', sepal_width: '3.0', petal_length: '6.1', petal_width: '2.3' };
const VERSICOLOR = { sepal_length: '5.9', sepal_width: '3.0', petal_length: '4.2', petal_width: '1.5' };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-predict-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
  const created = await api.invoke('project.create', { name: 'Iris predict' });
  projectId = created.id;
  const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
  const imported = await api.invoke('dataset.importText', { projectId, fileName: 'iris.csv', text });
  const taskSpec = { target: 'species', task: 'classification' as const };
  const shape = taskShape(imported.dataset!, taskSpec);
  const graph = templateGraph('mlp', shape.inputWidth, shape.head);
  const started = await api.invoke('run.start', {
    projectId,
    taskSpec,
    graph,
    trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 25, batchSize: 16 },
  });
  run = await services.runs.whenDone(started.id);
  expect(run.status).toBe('completed');
}, 120_000);
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('run.predict: the inference playground through the services', () => {
  it('predicts a raw setosa row as setosa, with probabilities over every label', async () => {
    const result = await api.invoke('run.predict', { projectId, runId: run.id, rows: [SETOSA, VIRGINICA] });
    expect(result.task).toBe('classification');
    expect(result.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    const [setosa, virginica] = result.predictions;
    expect(setosa?.label).toBe('setosa');
    expect(setosa?.probabilities?.[0]).toBeGreaterThan(0.5);
    expect(setosa?.probabilities?.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(virginica?.label).toBe('virginica');
    expect(setosa?.value).toBeNull();
  });

  it("gives the exported model's predictions on the same rows", async () => {
    const rows = [SETOSA, VIRGINICA, VERSICOLOR];
    const exported = await api.invoke('export.model', { projectId, runId: run.id, outDir: null });
    const preprocessing = Preprocessing.parse(
      JSON.parse(await readFile(path.join(exported.outDir, 'preprocessing.json'), 'utf8')),
    );
    const model = await tf.loadLayersModel(dirHandler(exported.outDir));
    const x = encodeRawRows(preprocessing, rows);
    const expected = tf.tidy(() =>
      (model.predict(tf.tensor2d(x, [rows.length, x.length / rows.length])) as tf.Tensor).arraySync(),
    ) as number[][];
    model.dispose();
    const result = await api.invoke('run.predict', { projectId, runId: run.id, rows });
    result.predictions.forEach((p, r) => {
      const want = expected[r]!;
      // The engine may run on wasm and this test on tfjs' cpu backend: equal up to float rounding.
      p.probabilities!.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-4));
    });
  });

  it('prefills the form with the first validation row, decoded back to raw values', async () => {
    const inputs = await api.invoke('run.predictInputs', { projectId, runId: run.id });
    expect(inputs.target).toBe('species');
    expect(inputs.fields.map((f) => [f.name, f.kind])).toEqual([
      ['sepal_length', 'numeric'],
      ['sepal_width', 'numeric'],
      ['petal_length', 'numeric'],
      ['petal_width', 'numeric'],
    ]);
    const csv = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const prefill = inputs.fields.map((f) => Number(f.value)).join(',');
    // The decoded row is one of the CSV's rows, not a rounded approximation of one.
    expect(csv.split('\n').some((line) => line.split(',').slice(0, 4).map(Number).join(',') === prefill)).toBe(true);
  });

  it('names the row and column of a bad cell, and refuses too many rows', async () => {
    await expect(
      api.invoke('run.predict', { projectId, runId: run.id, rows: [SETOSA, { ...SETOSA, petal_width: 'wide' }] }),
    ).rejects.toThrow(/Row 2, column "petal_width": "wide" is not a number/);
    await expect(
      api.invoke('run.predict', { projectId, runId: run.id, rows: [{ sepal_length: '5' }] }),
    ).rejects.toThrow(/Row 1 has no "sepal_width" value/);
    await expect(
      api.invoke('run.predict', { projectId, runId: run.id, rows: Array.from({ length: 1001 }, () => SETOSA) }),
    ).rejects.toThrow(/at most 1000 rows/);
    await expect(api.invoke('run.predict', { projectId, runId: 'run-missing', rows: [SETOSA] })).rejects.toThrow(
      /run-missing/,
    );
  });
});
