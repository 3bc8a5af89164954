import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import type { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { LEARNING_CURVE_DIR, subsetOrder, subsetSizes } from '../../../main/services/learning-curve';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;
let projectId: string;
let run: RunSummary;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-curve-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
  projectId = (await api.invoke('project.create', { name: 'Iris curve' })).id;
  const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
  const imported = await api.invoke('dataset.importText', { projectId, fileName: 'iris.csv', text });
  const taskSpec = { target: 'species', task: 'classification' as const };
  const shape = taskShape(imported.dataset!, taskSpec);
  const graph = templateGraph('mlp', shape.inputWidth, shape.head);
  const started = await api.invoke('run.start', {
    projectId,
    taskSpec,
    graph,
    trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 4, batchSize: 16 },
  });
  run = await services.runs.whenDone(started.id);
  expect(run.status).toBe('completed');
}, 120_000);
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('learning curve subsets', () => {
  it('keeps 10/25/50/100% of the rows, at least one, in nested seeded subsets', () => {
    expect(subsetSizes(120)).toEqual([12, 30, 60, 120]);
    expect(subsetSizes(3)).toEqual([1, 1, 2, 3]);
    const order = subsetOrder(120, 7);
    expect(order).toEqual(subsetOrder(120, 7));
    expect(order).not.toEqual(subsetOrder(120, 8));
    expect([...order].sort((a, b) => a - b)).toEqual([...Array(120).keys()]);
  });
});

describe('run.learningCurve through the services', () => {
  it('retrains on each fraction in order, with the right row counts, on the same validation split', async () => {
    const progress: EventPayload<'run.learningCurveProgress'>[] = [];
    const off = api.on('run.learningCurveProgress', (p) => progress.push(p));
    const curve = await api.invoke('run.learningCurve', { projectId, runId: run.id });
    off();
    expect(curve.status).toBe('completed');
    expect(curve.metric).toBe('accuracy');
    expect(curve.points.map((p) => [p.fraction, p.trainRows])).toEqual([
      [0.1, 12],
      [0.25, 30],
      [0.5, 60],
      [1, 120],
    ]);
    for (const p of curve.points) {
      expect(p.loss).toBeGreaterThan(0);
      expect(p.val_loss).toBeGreaterThan(0);
      expect(p.val_score).toBeGreaterThanOrEqual(0);
      expect(p.val_score).toBeLessThanOrEqual(1);
    }
    // 4 epochs per retraining, then the finished point; steps never go back.
    expect(progress.map((p) => p.step)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    expect(progress.filter((p) => p.point).map((p) => p.point)).toEqual(curve.points);
    expect(existsSync(path.join(services.projects.runDir(projectId, run.id), LEARNING_CURVE_DIR))).toBe(false);
    // The run itself is untouched.
    expect((await api.invoke('run.get', { projectId, runId: run.id })).epochs).toEqual(run.epochs);
  }, 120_000);

  it('stops on cancel with the points finished so far, and frees the engine for training', async () => {
    const off = api.on('run.learningCurveProgress', (p) => {
      if (p.step === 1) void api.invoke('run.cancelLearningCurve', { projectId, runId: run.id });
    });
    const curve = await api.invoke('run.learningCurve', { projectId, runId: run.id });
    off();
    expect(curve.status).toBe('cancelled');
    expect(curve.points.map((p) => p.trainRows)).toEqual([12]);
    expect(await api.invoke('run.cancelLearningCurve', { projectId, runId: run.id })).toEqual({ cancelled: false });
    await expect(api.invoke('run.learningCurve', { projectId, runId: 'run-nope' })).rejects.toThrow(/run-nope/);
    const next = await api.invoke('run.start', {
      projectId,
      taskSpec: run.taskSpec,
      graph: run.graph,
      trainConfig: { ...run.trainConfig, epochs: 1 },
    });
    expect((await services.runs.whenDone(next.id)).status).toBe('completed');
  }, 120_000);
});
