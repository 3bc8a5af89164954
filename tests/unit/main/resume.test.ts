import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { EngineClient } from '../../../main/engine/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-resume-'));
  services = createServices({ workspace: tmp, mode: 'host', engine: new EngineClient({ backend: 'wasm' }) });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('a run survives its engine process dying', () => {
  it('resumes from the last checkpoint with its history intact, and completes', async () => {
    const created = await api.invoke('project.create', { name: 'crash' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const imported = await api.invoke('dataset.importText', { projectId: created.id, fileName: 'iris.csv', text });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(imported.dataset!, taskSpec);
    const graph = templateGraph('mlp', shape.inputWidth, shape.head);
    const trainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 6, batchSize: 16, earlyStopping: null };

    const epochEvents: number[] = [];
    const updates: EventPayload<'run.updated'>[] = [];
    const offUpdated = api.on('run.updated', (u) => updates.push(u));
    let killedPid: number | undefined;
    const ended = new Promise<EventPayload<'run.ended'>>((resolve) => {
      const off = api.on('run.ended', (payload) => {
        off();
        resolve(payload);
      });
    });
    const offEpoch = api.on('run.epoch', (e) => {
      epochEvents.push(e.logs.epoch);
      if (e.logs.epoch === 1 && killedPid === undefined) {
        killedPid = services.engine.pid;
        process.kill(killedPid!, 'SIGKILL');
      }
    });
    const started = await api.invoke('run.start', { projectId: created.id, taskSpec, graph, trainConfig });
    const { run } = await ended;
    offEpoch();
    offUpdated();

    expect(run.status, run.error ?? '').toBe('completed');
    expect(run.id).toBe(started.id);
    expect(services.engine.pid).not.toBe(killedPid);
    // Said plainly, and resumed where the checkpoint was (2 epochs, maybe 3 if one more finished
    // before the signal landed).
    expect(run.recoveries).toHaveLength(1);
    const recovery = run.recoveries![0]!;
    expect(recovery.reason).toMatch(/^The training engine stopped unexpectedly \(signal SIGKILL\)/);
    expect([2, 3]).toContain(recovery.fromEpoch);
    expect(updates.some((u) => u.run.recoveries?.length === 1 && u.run.status === 'running')).toBe(true);
    // The history is whole: every epoch once, in order, in run.json and metrics.jsonl alike.
    expect(run.epochs.map((e) => e.epoch)).toEqual([...Array(6).keys()]);
    const runDir = path.join(tmp, 'projects', created.id, 'runs', run.id);
    const lines = (await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { epoch: number });
    expect(lines.map((l) => l.epoch)).toEqual([...Array(6).keys()]);
    expect(run.hasModel).toBe(true);
    // Epochs before the crash are the ones seen live, unchanged.
    expect(epochEvents.slice(0, 2)).toEqual([0, 1]);
    const config = JSON.parse(await readFile(path.join(runDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      epochs: 6,
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
      lrSchedule: { type: 'none' },
    });
  }, 60_000);
});
