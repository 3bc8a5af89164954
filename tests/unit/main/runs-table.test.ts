import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { taskShape } from '../../../app/dataset/task';
import { differingSettings, parallelAxes, axisPosition } from '../../../app/experiments/runs-table';
import { mlpTrialGraph } from '../../../app/experiments/trial-graph';
import { fitGraphToData } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-runs-table-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const ended = () =>
  new Promise<EventPayload<'run.ended'>>((resolve) => {
    const off = api.on('run.ended', (payload) => {
      off();
      resolve(payload);
    });
  });

describe('the runs table through the contract', () => {
  it('lists real runs with kept and last scores, settings, fingerprint and disk use; renames, stars and deletes', async () => {
    const project = await api.invoke('project.create', { name: 'Runs table' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const state = await api.invoke('dataset.importText', { projectId: project.id, fileName: 'iris.csv', text });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(state.dataset!, taskSpec);
    const train = async (units: number, learningRate: number) => {
      const graph = fitGraphToData(mlpTrialGraph({ units }), shape.inputWidth, shape.head);
      const done = ended();
      await api.invoke('run.start', {
        projectId: project.id,
        taskSpec,
        graph,
        trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 3, batchSize: 16, learningRate },
      });
      return (await done).run;
    };
    const a = await train(16, 0.01);
    const b = await train(32, 0.05);

    const rows = await api.invoke('runs.table', { projectId: project.id });
    expect(rows.map((r) => r.id)).toEqual([a.id, b.id]);
    for (const [row, run] of [
      [rows[0]!, a],
      [rows[1]!, b],
    ] as const) {
      expect(row).toMatchObject({ status: 'completed', task: 'classification', metric: 'accuracy', epochsRun: 3 });
      expect(row.best.val_loss).toBe(run.epochs.at(-1)!.val_loss);
      expect(row.last.metric).toBe(run.epochs.at(-1)!.val_accuracy);
      expect(row.baseline?.metric).toBe(run.baseline?.val_accuracy);
      expect(row.curves.map((c) => c.val_loss)).toEqual(run.epochs.map((e) => e.val_loss));
      expect(row.backend).toBe(run.backend?.name);
      expect(row.durationS).toBeGreaterThan(0);
      const manifest = JSON.parse(
        await readFile(path.join(services.projects.runDir(project.id, run.id), 'manifest.json'), 'utf8'),
      );
      expect(row.dataFingerprint).toBe(manifest.data.dataset_sha256.slice(0, 12));
      expect(row.diskBytes).toBeGreaterThan(1000);
    }
    // Same data, same fingerprint; the settings diff names only what differs.
    expect(rows[0]!.dataFingerprint).toBe(rows[1]!.dataFingerprint);
    expect(differingSettings(rows)).toEqual(['learningRate', 'model.units']);
    expect(rows[0]!.settings['model.units']).toBe('16-8');
    const axes = parallelAxes(rows);
    expect(axes.map((x) => [x.key, x.kind])).toEqual([
      ['learningRate', 'number'],
      ['model.units', 'category'],
    ]);
    expect(axisPosition(axes[0]!, 0.05)).toBe(1);

    expect(await api.invoke('run.rename', { projectId: project.id, runId: a.id, name: 'small net' })).toEqual({
      name: 'small net',
      starred: false,
    });
    expect(await api.invoke('run.star', { projectId: project.id, runId: a.id, starred: true })).toEqual({
      name: 'small net',
      starred: true,
    });
    await expect(
      api.invoke('run.rename', { projectId: project.id, runId: a.id, name: 'x'.repeat(121) }),
    ).rejects.toThrow(/name/);
    await expect(api.invoke('run.star', { projectId: project.id, runId: 'run-nope', starred: true })).rejects.toThrow(
      /has no run "run-nope"/,
    );
    const renamed = await api.invoke('runs.table', { projectId: project.id });
    expect(renamed[0]).toMatchObject({ name: 'small net', starred: true });

    const bDir = services.projects.runDir(project.id, b.id);
    const deleted = await api.invoke('run.delete', { projectId: project.id, runId: b.id });
    expect(deleted.deleted).toBe(true);
    expect(deleted.freedBytes).toBe(rows[1]!.diskBytes);
    expect(existsSync(bDir)).toBe(false);
    expect((await api.invoke('runs.table', { projectId: project.id })).map((r) => r.id)).toEqual([a.id]);
  }, 120_000);
});
