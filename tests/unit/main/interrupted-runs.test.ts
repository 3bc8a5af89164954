import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import type { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { EngineClient } from '../../../main/engine/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let first: string;
let second: string;
const opened: Services[] = [];

function open(workspace: string): { services: Services; api: Api } {
  const services = createServices({ workspace, mode: 'host', engine: new EngineClient({ backend: 'wasm' }) });
  opened.push(services);
  return { services, api: createApi(createMemoryTransport(services.dispatch, services.bus)) };
}

function nextEvent<E extends 'run.ended' | 'run.updated'>(
  api: Api,
  name: E,
  when: (p: EventPayload<E>) => boolean = () => true,
): Promise<EventPayload<E>> {
  return new Promise((resolve) => {
    const off = api.on(name, (payload) => {
      if (!when(payload)) return;
      off();
      resolve(payload);
    });
  });
}

beforeAll(async () => {
  first = await mkdtemp(path.join(os.tmpdir(), 'layerlab-interrupted-a-'));
  second = await mkdtemp(path.join(os.tmpdir(), 'layerlab-interrupted-b-'));
});
afterAll(async () => {
  for (const s of opened) await s.dispose();
  await rm(first, { recursive: true, force: true });
  await rm(second, { recursive: true, force: true });
});

describe('a run whose host died while it trained', () => {
  it('is interrupted at the next start-up, with its checkpoint epochs and a model; exports, evaluates and resumes to the planned epochs like an uninterrupted run', async () => {
    // Host A trains a run of 6 epochs and is "killed" after epoch 2: the workspace is copied as it
    // stands at that moment (run.json says running, a checkpoint on disk), and host B starts on the copy.
    const a = open(first);
    const created = await a.api.invoke('project.create', { name: 'host dies' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const imported = await a.api.invoke('dataset.importText', { projectId: created.id, fileName: 'iris.csv', text });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(imported.dataset!, taskSpec);
    const graph = templateGraph('mlp', shape.inputWidth, shape.head);
    const trainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 6, batchSize: 16, learningRate: 0.01, earlyStopping: null };

    const paused = nextEvent(a.api, 'run.updated', (u) => u.run.paused === true);
    const offEpoch = a.api.on('run.epoch', (e) => {
      if (e.logs.epoch === 1) void a.api.invoke('run.pause', { projectId: created.id, runId: e.runId });
    });
    const started = await a.api.invoke('run.start', { projectId: created.id, taskSpec, graph, trainConfig });
    await paused;
    offEpoch();
    await new Promise((r) => setTimeout(r, 300)); // run.json's last write lands
    await cp(first, second, { recursive: true });
    const endedA = nextEvent(a.api, 'run.ended');
    await a.api.invoke('run.cancel', { projectId: created.id, runId: started.id });
    await endedA;
    await a.services.dispose();

    const runDir = path.join(second, 'projects', created.id, 'runs', started.id);
    const left = JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8')) as RunSummary;
    expect(left.status).toBe('running');
    const checkpoint = JSON.parse(await readFile(path.join(runDir, 'checkpoint', 'state.json'), 'utf8')) as {
      epochsDone: number;
    };
    expect(checkpoint.epochsDone).toBeGreaterThanOrEqual(2);
    // metrics.jsonl lags or leads the checkpoint: the checkpoint is the truth.
    await writeFile(path.join(runDir, 'metrics.jsonl'), '');

    const b = open(second);
    await b.services.ready;
    const state = await b.api.invoke('project.open', { projectId: created.id });
    const run = state.runs.find((r) => r.id === started.id)!;
    expect(run.status).toBe('interrupted');
    expect(run.epochs.map((e) => e.epoch)).toEqual([...Array(checkpoint.epochsDone).keys()]);
    expect(run.hasModel).toBe(true);
    expect(run.endedAt).not.toBeNull();
    expect(run.paused).toBe(false);
    expect(run.error).toMatch(/Layerlab stopped while this run was training, after epoch \d of 6/);
    const lines = (await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(checkpoint.epochsDone);

    // The checkpoint's weights are the model: written on demand (here by the playground's first
    // request), then predicted with, exported and evaluated.
    expect(existsSync(path.join(runDir, 'model', 'model.json'))).toBe(false);
    const inputs = await b.api.invoke('run.predictInputs', { projectId: created.id, runId: started.id });
    expect(inputs.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(existsSync(path.join(runDir, 'model', 'model.json'))).toBe(true);
    await rm(path.join(runDir, 'model'), { recursive: true });
    const predicted = await b.api.invoke('run.predict', {
      projectId: created.id,
      runId: started.id,
      rows: [{ sepal_length: '5.1', sepal_width: '3.5', petal_length: '1.4', petal_width: '0.2' }],
    });
    expect(predicted.predictions).toHaveLength(1);
    expect(inputs.labels).toContain(predicted.predictions[0]!.label);
    await rm(path.join(runDir, 'model'), { recursive: true });
    const evaluation = await b.api.invoke('run.evaluate', { projectId: created.id, runId: started.id });
    expect(evaluation).toBeTruthy();
    expect(existsSync(path.join(runDir, 'model', 'model.json'))).toBe(true);
    const exported = await b.api.invoke('export.model', {
      projectId: created.id,
      runId: started.id,
      outDir: null,
      format: 'tfjs',
      quantize: null,
      float16Weights: false,
    });
    expect(exported).toBeTruthy();

    // Resumed through the contract: it trains from its checkpoint to its planned 6 epochs.
    const endedB = nextEvent(b.api, 'run.ended', (p) => p.run.id === started.id);
    const resumed = await b.api.invoke('run.continue', { projectId: created.id, runId: started.id });
    expect(resumed.status).toBe('running');
    const { run: finished } = await endedB;
    expect(finished.status, finished.error ?? '').toBe('completed');
    expect(finished.epochs.map((e) => e.epoch)).toEqual([...Array(6).keys()]);
    expect(finished.hasModel).toBe(true);
    expect(finished.recoveries?.at(-1)).toMatchObject({ fromEpoch: checkpoint.epochsDone });
    expect(finished.pid).toBeUndefined();
    // An interrupted run resumed twice is refused plainly.
    await expect(b.api.invoke('run.continue', { projectId: created.id, runId: started.id })).rejects.toThrow(
      /was not interrupted/,
    );

    // The same settings, never interrupted: the same curve (per-epoch seeded streams).
    const endedC = nextEvent(b.api, 'run.ended');
    await b.api.invoke('run.start', { projectId: created.id, taskSpec, graph, trainConfig });
    const { run: straight } = await endedC;
    expect(straight.status).toBe('completed');
    expect(straight.epochs).toHaveLength(6);
    for (let i = 0; i < 6; i++) expect(finished.epochs[i]!.val_loss!).toBeCloseTo(straight.epochs[i]!.val_loss!, 4);
  }, 120_000);

  it('a second start-up on the same workspace finds nothing left to reconcile', async () => {
    const b = open(second);
    await b.services.ready;
    const changed = await b.services.runs.reconcileInterrupted();
    expect(changed).toEqual([]);
  }, 30_000);
});
