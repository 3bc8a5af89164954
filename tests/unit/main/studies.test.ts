import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppStudy } from '../../../app/experiments/app-study';
import { createApi, type Api } from '../../../app/ipc/client';
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
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-studies-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('a study in the app, through the contract', () => {
  it('runs its trials as runs of the project, reports each step, and names the best', async () => {
    const project = await api.invoke('project.create', { name: 'Study' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const state = await api.invoke('dataset.importText', { projectId: project.id, fileName: 'iris.csv', text });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(state.dataset!, taskSpec);
    const setup = {
      projectId: project.id,
      taskSpec,
      graph: templateGraph('mlp', shape.inputWidth, shape.head),
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 2 },
    };
    const progress: AppStudy[] = [];
    const done = new Promise<AppStudy>((resolve) =>
      api.on('study.progress', ({ study }) => {
        progress.push(study);
        if (study.status !== 'running') resolve(study);
      }),
    );
    // Width and dropout are the mlp template's: a model of another shape is refused before any run.
    await expect(
      api.invoke('study.start', {
        ...setup,
        graph: templateGraph('linear', shape.inputWidth, shape.head),
        strategy: 'random',
        space: { units: { type: 'int', low: 8, high: 64 } },
        trials: 2,
        timeBudgetS: null,
        seed: 1,
      }),
    ).rejects.toThrow(/units is the width or dropout of the mlp template's two hidden Dense layers/);
    const started = await api.invoke('study.start', {
      ...setup,
      strategy: 'grid',
      space: { learningRate: { type: 'choice', values: [0.001, 0.05] } },
      trials: 10,
      timeBudgetS: null,
      seed: 1,
    });
    expect(started).toMatchObject({ status: 'running', trials_planned: 2 });
    const study = await done;
    expect(study.status).toBe('completed');
    expect(study.trials.map((t) => [t.params, t.status])).toEqual([
      [{ learningRate: 0.001 }, 'completed'],
      [{ learningRate: 0.05 }, 'completed'],
    ]);
    // Live progress: the study, each trial's start and end, and its end.
    expect(progress.length).toBeGreaterThanOrEqual(5);
    const best = study.trials.reduce((a, b) => (a.final!['val_loss']! <= b.final!['val_loss']! ? a : b));
    expect(study.best_trial).toBe(best.number);
    // Each trial is a run of the project with the searched rate, named after its study.
    const rows = await api.invoke('runs.table', { projectId: project.id });
    expect(rows.map((r) => r.name)).toEqual([`${study.id} · trial 1`, `${study.id} · trial 2`]);
    expect(rows.map((r) => r.settings['learningRate'])).toEqual([0.001, 0.05]);
    expect(rows.map((r) => r.best.val_loss)).toEqual(study.trials.map((t) => t.final!['val_loss']));
    // Only the best trial keeps its checkpoint; every trial keeps its model.
    for (const t of study.trials) {
      const runDir = services.projects.runDir(project.id, t.run_id!);
      expect(existsSync(path.join(runDir, 'checkpoint')), `trial ${t.number}`).toBe(t.number === study.best_trial);
      expect(existsSync(path.join(runDir, 'model', 'model.json'))).toBe(true);
    }
    const file = path.join(services.projects.projectDir(project.id), 'studies', `${study.id}.json`);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(await readFile(file, 'utf8')).status).toBe('completed');

    // On the mlp template, a study also searches the hidden width and dropout: each trial's run
    // trains the project's model with its two Dense layers resized and a Dropout after each.
    const widthDone = new Promise<AppStudy>((resolve) =>
      api.on('study.progress', ({ study: s }) => {
        if (s.status !== 'running' && s.id !== study.id) resolve(s);
      }),
    );
    await api.invoke('study.start', {
      ...setup,
      strategy: 'grid',
      space: { units: { type: 'choice', values: [8, 40] }, dropout: { type: 'choice', values: [0.25] } },
      trials: 10,
      timeBudgetS: null,
      seed: 1,
    });
    const widths = await widthDone;
    expect(widths.status, widths.error ?? '').toBe('completed');
    expect(widths.trials.map((t) => t.params)).toEqual([
      { units: 8, dropout: 0.25 },
      { units: 40, dropout: 0.25 },
    ]);
    for (const t of widths.trials) {
      const run = await api.invoke('run.get', { projectId: project.id, runId: t.run_id! });
      expect(t.status).toBe('completed');
      expect(run.graph.nodes.filter((n) => n.type === 'Dense').map((n) => n.config['units'])).toEqual([
        t.params['units'],
        (t.params['units'] as number) / 2,
      ]);
      expect(run.graph.nodes.filter((n) => n.type === 'Dropout').map((n) => n.config['rate'])).toEqual([0.25, 0.25]);
      // The searched settings are the model's, not the training settings'.
      expect(run.trainConfig).not.toHaveProperty('units');
    }
  }, 180_000);
});
