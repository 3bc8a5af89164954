import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;
let projectId: string;
let run: RunSummary;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-export-cancel-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
  projectId = (await api.invoke('project.create', { name: 'Iris export' })).id;
  const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
  const imported = await api.invoke('dataset.importText', { projectId, fileName: 'iris.csv', text });
  const taskSpec = { target: 'species', task: 'classification' as const };
  const shape = taskShape(imported.dataset!, taskSpec);
  const started = await api.invoke('run.start', {
    projectId,
    taskSpec,
    graph: templateGraph('mlp', shape.inputWidth, shape.head),
    trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 3, batchSize: 16 },
  });
  run = await services.runs.whenDone(started.id);
  expect(run.status).toBe('completed');
}, 120_000);
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe("the app's export: progress and cancel through the contract", () => {
  it('sends each step of an export named by exportId, in order, ending at total', async () => {
    const seen: EventPayload<'export.progress'>[] = [];
    const off = api.on('export.progress', (p) => seen.push(p));
    const result = await api.invoke('export.model', { projectId, runId: run.id, outDir: null, exportId: 'first' });
    off();
    expect(result.files.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.exportId === 'first' && p.total === 4)).toBe(true);
    expect(seen.map((p) => p.done)).toEqual([0, 1, 2, 3, 4]);
    expect(seen[1]!.step).toBe('Writing the TensorFlow.js files and reloading them for the parity check');
  });

  it('export.cancel stops it: the export fails saying so, and its folder is not there', async () => {
    const outDir = path.join(tmp, 'chosen', 'model-export');
    const off = api.on('export.progress', (p) => {
      if (p.exportId === 'second' && p.done === 0) void api.invoke('export.cancel', { exportId: 'second' });
    });
    const outcome = await api
      .invoke('export.model', { projectId, runId: run.id, outDir, format: 'onnx', exportId: 'second' })
      .then(
        () => 'exported',
        (error: Error) => error.message,
      );
    off();
    expect(outcome).toBe(`The export was cancelled; nothing was written to ${outDir}.`);
    expect(existsSync(outDir)).toBe(false);
    const parent = path.dirname(outDir);
    expect(existsSync(parent) ? (await readdir(parent)).filter((n) => n.includes('.tmp-')) : []).toEqual([]);
    // An id no export has (any more) is not an error: there was nothing to stop.
    expect(await api.invoke('export.cancel', { exportId: 'second' })).toEqual({ cancelled: false });
    // The same id can be used again once its export has ended, and this one completes.
    await expect(
      api.invoke('export.model', { projectId, runId: run.id, outDir, exportId: 'second' }),
    ).resolves.toMatchObject({ outDir });
  }, 60_000);
});
