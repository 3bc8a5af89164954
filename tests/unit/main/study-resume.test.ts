import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppStudy } from '../../../app/experiments/app-study';
import { trialParams } from '../../../app/experiments/study';
import { createApi, type Api } from '../../../app/ipc/client';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { EngineClient } from '../../../main/engine/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

/**
 * A study whose host dies mid-trial (issue 16.2): the workspace is copied while trial 2 trains
 * (its run paused after epoch 2, the study file saying 'running'), as a killed host leaves it, and
 * new services start on the copy. The study is found interrupted with trial 1 kept; resumed, trial
 * 2's run continues from its checkpoint and trial 3 follows, trial 1 untouched.
 */

const ROOT = path.resolve(import.meta.dirname, '../../..');
let first: string;
let second: string;
const opened: Services[] = [];

function open(workspace: string): { services: Services; api: Api } {
  const services = createServices({ workspace, mode: 'host', engine: new EngineClient({ backend: 'wasm' }) });
  opened.push(services);
  return { services, api: createApi(createMemoryTransport(services.dispatch, services.bus)) };
}

function studyEnds(api: Api): Promise<AppStudy> {
  return new Promise((resolve) => {
    const off = api.on('study.progress', ({ study }) => {
      if (study.status === 'running') return;
      off();
      resolve(study);
    });
  });
}

beforeAll(async () => {
  first = await mkdtemp(path.join(os.tmpdir(), 'layerlab-study-resume-a-'));
  second = await mkdtemp(path.join(os.tmpdir(), 'layerlab-study-resume-b-'));
});
afterAll(async () => {
  for (const s of opened) await s.dispose();
  await rm(first, { recursive: true, force: true });
  await rm(second, { recursive: true, force: true });
});

describe('a study whose host died mid-trial', () => {
  it('is interrupted at the next start-up with its finished trials, and resumes to its planned trials without redoing them', async () => {
    const a = open(first);
    const project = await a.api.invoke('project.create', { name: 'study dies' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const imported = await a.api.invoke('dataset.importText', { projectId: project.id, fileName: 'iris.csv', text });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(imported.dataset!, taskSpec);
    const space = { learningRate: { type: 'float' as const, low: 0.001, high: 0.05, log: true } };
    const EPOCHS = 4;

    // Trial 2's run is paused after its second epoch: the moment the host "dies".
    const seen: string[] = [];
    const paused = new Promise<string>((resolve) => {
      a.api.on('run.epoch', (e) => {
        if (!seen.includes(e.runId)) seen.push(e.runId);
        if (seen.indexOf(e.runId) === 1 && e.logs.epoch === 1)
          void a.api.invoke('run.pause', { projectId: project.id, runId: e.runId }).then(() => resolve(e.runId));
      });
    });
    const started = await a.api.invoke('study.start', {
      projectId: project.id,
      taskSpec,
      graph: templateGraph('mlp', shape.inputWidth, shape.head),
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: EPOCHS, batchSize: 16, learningRate: 0.01, earlyStopping: null },
      strategy: 'random',
      space,
      trials: 3,
      timeBudgetS: null,
      seed: 7,
    });
    const trial2Run = await paused;
    await new Promise((r) => setTimeout(r, 500)); // the run's and the study's last writes land
    await cp(first, second, { recursive: true });
    const endedA = studyEnds(a.api);
    await a.api.invoke('study.cancel', { projectId: project.id, studyId: started.id });
    await endedA;
    await a.services.dispose();

    const file = path.join(second, 'projects', project.id, 'studies', `${started.id}.json`);
    const left = JSON.parse(await readFile(file, 'utf8')) as AppStudy;
    expect(left.status).toBe('running');
    expect(left.trials.map((t) => t.status)).toEqual(['completed', 'running']);
    const finished = left.trials[0]!;

    // The next start-up: the study is interrupted, its finished trial kept as it was.
    const b = open(second);
    await b.services.ready;
    const [found] = await b.api.invoke('study.list', { projectId: project.id });
    expect(found).toMatchObject({ id: started.id, status: 'interrupted', interrupted_run: trial2Run });
    expect(found!.error).toMatch(/after 1 of 3 trials/);
    expect(found!.trials).toEqual([finished]);
    expect(JSON.parse(await readFile(file, 'utf8')).status).toBe('interrupted');
    const run2 = await b.api.invoke('run.get', { projectId: project.id, runId: trial2Run });
    expect(run2.status).toBe('interrupted');

    // Resumed through the contract: trial 2 continues its run, trial 3 follows.
    const endedB = studyEnds(b.api);
    const resumed = await b.api.invoke('study.resume', { projectId: project.id, studyId: started.id });
    expect(resumed.status).toBe('running');
    const study = await endedB;
    expect(study.status, study.error ?? '').toBe('completed');
    expect(study.trials).toHaveLength(3);
    expect(study.trials[0]).toEqual(finished);
    expect(study.trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
    expect(study.trials.map((t) => t.params)).toEqual([0, 1, 2].map((i) => trialParams('random', space, 7, i)));
    expect(study.trials[1]!.run_id).toBe(trial2Run);
    expect(study.trials.map((t) => t.epochs_run)).toEqual([EPOCHS, EPOCHS, EPOCHS]);
    const continued = await b.api.invoke('run.get', { projectId: project.id, runId: trial2Run });
    expect(continued.recoveries?.at(-1)?.fromEpoch).toBeGreaterThanOrEqual(2);
    // Every trial is one run of the project: the interrupted trial was not trained again from scratch.
    const rows = await b.api.invoke('runs.table', { projectId: project.id });
    expect(rows.map((r) => r.name).sort()).toEqual([1, 2, 3].map((n) => `${started.id} · trial ${n}`));
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      status: 'completed',
      best_trial: study.best_trial,
    });

    // A finished study is not resumed again.
    await expect(b.api.invoke('study.resume', { projectId: project.id, studyId: started.id })).rejects.toThrow(
      /was not interrupted \(it is completed\)/,
    );
    await expect(b.api.invoke('study.resume', { projectId: project.id, studyId: 'study-nope' })).rejects.toThrow(
      /has no study study-nope/,
    );
  }, 180_000);
});
