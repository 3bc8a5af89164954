import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { phaseProgressText } from '../../../app/progress/work-progress';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { writeNumericCsv } from '../../../bench/numeric-csv';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { LR_TEST_PHASE } from '../../../main/services/runs';
import { layerlab } from './run-layerlab';

// Preparing a table for a run (its targets, the split, the statistics, the encoding, the split
// files) took about a minute at 10M rows with nothing shown (issue 19). Each phase now reports
// its progress, to the app (run.prepareProgress) and on the CLI's stderr, and a cancel stops it.
const ROWS = 150_000;
let tmp: string;
let csv: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-prepare-progress-'));
  csv = path.join(tmp, 'numbers.csv');
  await writeNumericCsv(csv, ROWS);
}, 60_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const PHASES = [
  'Step 1 of 5: Reading the targets',
  'Step 2 of 5: Splitting the rows',
  'Step 3 of 5: Fitting the statistics on the training rows',
  'Step 4 of 5: Encoding the rows and putting them in split order',
  'Step 5 of 5: Writing the split files',
];

describe("the app's run.start: the preparation's progress and cancel", () => {
  let services: Services;
  let api: Api;
  let projectId: string;
  let start: (learningRate?: number | 'auto') => Promise<unknown>;
  beforeAll(async () => {
    services = createServices({ workspace: tmp, mode: 'host' });
    api = createApi(createMemoryTransport(services.dispatch, services.bus));
    projectId = (await api.invoke('project.create', { name: 'Numbers' })).id;
    const imported = await api.invoke('dataset.importPath', { projectId, path: csv });
    const taskSpec = { target: 'c20', task: 'regression' as const };
    const shape = taskShape(imported.dataset!, taskSpec);
    start = (learningRate = 0.001) =>
      api.invoke('run.start', {
        projectId,
        taskSpec,
        graph: templateGraph('mlp', shape.inputWidth, shape.head),
        trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 1, learningRate },
      });
  }, 120_000);
  afterAll(async () => {
    await services.dispose();
  });

  it('cancelled by run.cancel with the run id of its progress: run.start fails saying so and leaves no run', async () => {
    const seen: EventPayload<'run.prepareProgress'>[] = [];
    const off = api.on('run.prepareProgress', (p) => {
      seen.push(p);
      // In the middle of the statistics' pass.
      if (p.index === 2 && p.done > 0 && seen.filter((s) => s.index === 2 && s.done > 0).length === 1)
        void api.invoke('run.cancel', { projectId: p.projectId, runId: p.runId });
    });
    const outcome = await start().then(
      () => 'started',
      (error: Error) => error.message,
    );
    off();
    expect(outcome).toBe('The run was cancelled while its data was being prepared; nothing was trained.');
    expect(seen.map((p) => p.index)).not.toContain(4);
    const runs = path.join(services.projects.projectDir(projectId), 'runs');
    expect(existsSync(runs) ? await readdir(runs) : []).toEqual([]);
    expect((await api.invoke('project.open', { projectId })).runs).toEqual([]);
  }, 120_000);

  it('reports every phase in order, each from 0 to all of its rows (or bytes), then the LR range test, then trains', async () => {
    const all: EventPayload<'run.prepareProgress'>[] = [];
    const off = api.on('run.prepareProgress', (p) => all.push(p));
    const run = (await start('auto')) as { id: string };
    const done = await services.runs.whenDone(run.id);
    off();
    expect(new Set(all.map((p) => p.runId))).toEqual(new Set([run.id]));
    // Learning rate 'auto': the LR range test's steps come after the preparation, one by one.
    const lrSteps = all.filter((p) => p.phase === LR_TEST_PHASE);
    expect(lrSteps.map((p) => p.done)).toEqual(Array.from({ length: done.lrFinder!.steps }, (_, i) => i + 1));
    expect(lrSteps.every((p) => p.total === done.lrFinder!.plannedSteps && p.unit === 'steps')).toBe(true);
    expect(phaseProgressText(lrSteps[0]!)).toMatch(
      /^Finding the learning rate \(LR range test\) · \d+% · 1 of \d+ steps/,
    );
    const seen = all.filter((p) => p.phase !== LR_TEST_PHASE);
    expect(all.indexOf(lrSteps[0]!)).toBeGreaterThan(all.indexOf(seen.at(-1)!));
    const ends = seen.filter((p) => p.done === p.total).map(phaseProgressText);
    expect(ends.map((t) => t.split(' · ')[0])).toEqual(PHASES);
    expect(ends[0]).toContain(`100% · ${ROWS.toLocaleString('en')} of ${ROWS.toLocaleString('en')} rows`);
    // 150,000 rows × (20 inputs + 1 target) float32s in the train and validation files.
    expect(ends[4]).toContain('100% · 12.02 MiB of 12.02 MiB');
    // Within a phase the count only grows; each phase starts at 0.
    for (let i = 0; i < 5; i++) {
      const done = seen.filter((p) => p.index === i).map((p) => p.done);
      expect(done[0]).toBe(0);
      expect(done).toEqual([...done].sort((a, b) => a - b));
    }
  }, 120_000);
});

describe('layerlab train: the preparation on stderr, and Ctrl-C during it', () => {
  it('shows each phase in the words the app shows', async () => {
    // lr-find: the same start as train (preparing the data), then only the LR range test.
    const run = await layerlab(['lr-find', '--data', csv, '--target', 'c20'], { LAYERLAB_PROGRESS: 'always' });
    expect(run.code, run.stderr).toBe(0);
    for (const phase of PHASES) expect(run.stderr).toContain(`Preparing numbers.csv: ${phase} · 100% · `);
    // Then the LR range test's steps, before its result.
    expect(run.stderr).toMatch(/Learning rate: Finding the learning rate \(LR range test\) · \d+% · 1 of \d+ steps/);
  }, 120_000);

  it('Ctrl-C stops it: exit 130, nothing trained, no --out folder, no workspace left', async () => {
    const out = path.join(tmp, 'out-stopped');
    const scratch = path.join(tmp, 'scratch');
    await mkdir(scratch);
    const run = await layerlab(
      ['train', '--data', csv, '--target', 'c20', '--epochs', '1', '--out', out],
      { LAYERLAB_PROGRESS: 'always', TMPDIR: scratch },
      'Preparing numbers.csv: Step 1 of 5: Reading the targets · 0%',
    );
    expect(run.interrupted).toBe(true);
    expect(run).toMatchObject({
      code: 130,
      stdout: expect.stringContaining('Stopped while preparing the data; nothing was trained.'),
    });
    expect(run.stdout).toContain('Cancelling the preparation of the data...');
    expect(run.stderr).not.toContain('Step 5 of 5');
    expect(run.stdout).not.toMatch(/epoch 1/);
    expect(existsSync(out)).toBe(false);
    expect(await readdir(scratch)).toEqual([]);
  }, 120_000);
});
