import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { EngineClient, type TrainRequest } from '../../../main/engine/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;
const requests: TrainRequest[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-lr-runs-'));
  const engine = new EngineClient({ backend: 'wasm' });
  // Every train request the run manager sends, to see what a resumed run asks for.
  const train = engine.train.bind(engine);
  engine.train = (request, ...rest) => {
    requests.push(structuredClone(request));
    return train(request, ...rest);
  };
  services = createServices({ workspace: tmp, mode: 'host', engine });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe("a run with learningRate 'auto'", () => {
  it('records the LR range test and the rate found, and a run resumed after a crash reuses that rate', async () => {
    const created = await api.invoke('project.create', { name: 'auto-lr' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const imported = await api.invoke('dataset.importText', { projectId: created.id, fileName: 'iris.csv', text });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const graph = templateGraph(
      'mlp',
      taskShape(imported.dataset!, taskSpec).inputWidth,
      taskShape(imported.dataset!, taskSpec).head,
    );
    const trainConfig = {
      ...DEFAULT_TRAIN_CONFIG,
      epochs: 5,
      batchSize: 16,
      earlyStopping: null,
      learningRate: 'auto' as const,
    };

    const updates: EventPayload<'run.updated'>[] = [];
    const offUpdated = api.on('run.updated', (u) => updates.push(u));
    let killed = false;
    const ended = new Promise<EventPayload<'run.ended'>>((resolve) => {
      const off = api.on('run.ended', (payload) => {
        off();
        resolve(payload);
      });
    });
    const offEpoch = api.on('run.epoch', (e) => {
      if (e.logs.epoch === 1 && !killed) {
        killed = true;
        process.kill(services.engine.pid!, 'SIGKILL');
      }
    });
    const started = await api.invoke('run.start', { projectId: created.id, taskSpec, graph, trainConfig });
    expect(started.trainConfig.learningRate).toBe('auto');
    const { run } = await ended;
    offEpoch();
    offUpdated();

    expect(run.status, run.error ?? '').toBe('completed');
    expect(run.recoveries).toHaveLength(1);
    const found = run.lrFinder!;
    expect(found.steps).toBeGreaterThan(20);
    expect(found.rates).toHaveLength(found.steps);
    // The run's settings hold the rate it trained with; the renderer heard of it while it ran.
    expect(run.trainConfig.learningRate).toBe(found.suggestion);
    expect(updates.some((u) => u.run.status === 'running' && u.run.lrFinder?.suggestion === found.suggestion)).toBe(
      true,
    );
    // The first request asked for 'auto'; the resumed one for the number found (no second test).
    const mine = requests.filter((r) => r.runId === run.id);
    expect(mine).toHaveLength(2);
    expect(mine[0]!.config.learningRate).toBe('auto');
    expect(mine[1]!).toMatchObject({ resume: true, config: { learningRate: found.suggestion } });
    const runDir = path.join(tmp, 'projects', created.id, 'runs', run.id);
    expect(JSON.parse(await readFile(path.join(runDir, 'config.json'), 'utf8')).learningRate).toBe(found.suggestion);
    const stored = JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8'));
    expect(stored.lrFinder.suggestion).toBe(found.suggestion);
    // The project keeps 'auto' for the next run.
    const project = await api.invoke('project.open', { projectId: created.id });
    expect(project.project.trainConfig.learningRate).toBe('auto');
  }, 60_000);

  it('run.findLearningRate runs the test alone: a run that records lrFinder and trains nothing', async () => {
    const created = await api.invoke('project.create', { name: 'find-lr' });
    const text = await readFile(path.join(ROOT, 'resources', 'house-prices.csv'), 'utf8');
    const imported = await api.invoke('dataset.importText', {
      projectId: created.id,
      fileName: 'house-prices.csv',
      text,
    });
    const taskSpec = { target: 'price_keur', task: 'regression' as const };
    const shape = taskShape(imported.dataset!, taskSpec);
    const graph = templateGraph('mlp', shape.inputWidth, shape.head);
    const ended = new Promise<EventPayload<'run.ended'>>((resolve) => {
      const off = api.on('run.ended', (payload) => {
        off();
        resolve(payload);
      });
    });
    const started = await api.invoke('run.findLearningRate', {
      projectId: created.id,
      taskSpec,
      graph,
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, learningRate: 0.01 },
    });
    const { run } = await ended;
    expect(run.id).toBe(started.id);
    expect(run).toMatchObject({ status: 'completed', hasModel: false, epochs: [] });
    expect(run.lrFinder!.suggestion).toBeGreaterThanOrEqual(1e-4);
    expect(run.lrFinder!.suggestion).toBeLessThanOrEqual(1e-2);
    expect(run.trainConfig.learningRate).toBe(run.lrFinder!.suggestion);
    await expect(
      api.invoke('run.findLearningRate', {
        projectId: created.id,
        taskSpec,
        graph,
        trainConfig: { ...DEFAULT_TRAIN_CONFIG, learningRate: 'fast' },
      } as never),
    ).rejects.toThrow(/learning rate/i);
  }, 60_000);
});
