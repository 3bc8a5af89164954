import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../../app/dataset/schema';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { createApi, type Api } from '../../../app/ipc/client';
import type { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { SPLIT_FILE } from '../../../main/data/split-file';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { lossOf } from '../../../main/services/evaluate-run';
import { readPreparedData } from '../../../main/services/runs';
import { layerlab, ROOT } from './run-layerlab';

let tmp: string;
let services: Services;
let api: Api;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-test-split-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

async function trained(name: string, taskSpec: TaskSpec): Promise<{ projectId: string; run: RunSummary }> {
  const { id: projectId } = await api.invoke('project.create', { name });
  const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
  const imported = await api.invoke('dataset.importText', { projectId, fileName: 'iris.csv', text });
  const shape = taskShape(imported.dataset!, taskSpec);
  const graph = templateGraph('mlp', shape.inputWidth, shape.head);
  const started = await api.invoke('run.start', {
    projectId,
    taskSpec,
    graph,
    trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 6, batchSize: 16 },
  });
  const run = await services.runs.whenDone(started.id);
  expect(run.status).toBe('completed');
  return { projectId, run };
}

describe('the test split, evaluated on request', () => {
  it('scores only held-out rows, labels the result "test" and keeps the score with the run', async () => {
    const spec: TaskSpec = {
      target: 'species',
      task: 'classification',
      split: { method: 'stratified', testShare: 0.2, seed: 3 },
    };
    const { projectId, run } = await trained('Iris test split', spec);
    expect(run.testScore).toBeUndefined();
    const runDir = services.projects.runDir(projectId, run.id);
    const data = await readPreparedData(runDir);
    expect(data).toMatchObject({ testRows: 30, valRows: 30, trainRows: 90 });

    // The loss formula agrees with the engine's own val_loss on the validation rows.
    const onValidation = await services.engine.evaluate({ modelDir: path.join(runDir, 'model'), data, maxRows: 1000 });
    expect(lossOf(onValidation, 'categoricalCrossentropy', 1)).toBeCloseTo(run.epochs.at(-1)!.val_loss!, 4);

    const result = await api.invoke('run.evaluate', { projectId, runId: run.id, split: 'test' });
    expect(result.split).toBe('test');
    expect(result.valRows).toBe(30);
    expect(result.capped).toBe(false);
    const e = result.evaluation;
    if (e.kind !== 'classification') throw new Error('expected a classification evaluation');
    expect(e.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([10, 10, 10]); // stratified: 10 per class

    // Every row shown is a stored test row, never a training or validation row.
    const split = JSON.parse(
      await readFile(
        path.join(
          services.projects.datasetsDir(projectId),
          (await api.invoke('project.open', { projectId })).project.datasetId!,
          SPLIT_FILE,
        ),
        'utf8',
      ),
    ) as { train: number[]; validation: number[]; test: number[] };
    const test = new Set(split.test);
    const shown = result.cells.flatMap((c) => c.examples.map((x) => x.datasetRow));
    expect(shown).toHaveLength(30);
    expect(shown.every((r) => test.has(r))).toBe(true);
    expect(split.train.some((r) => test.has(r)) || split.validation.some((r) => test.has(r))).toBe(false);

    const stored = await api.invoke('run.get', { projectId, runId: run.id });
    expect(stored.testScore).toMatchObject({ rows: 30, accuracy: e.accuracy });
    expect(stored.testScore?.loss).toBeGreaterThan(0);
    // The validation evaluation is unchanged by it.
    expect((await api.invoke('run.evaluate', { projectId, runId: run.id })).split).toBe('validation');
  }, 120_000);

  it('says how to get a test split when the run has none', async () => {
    const { projectId, run } = await trained('Iris no test', { target: 'species', task: 'classification' });
    await expect(api.invoke('run.evaluate', { projectId, runId: run.id, split: 'test' })).rejects.toThrow(
      /has no test split: set a test share under "Split"/,
    );
  }, 120_000);

  it('CLI: --split stratified --test-split --evaluate-test writes final.test_loss and test_accuracy', async () => {
    const out = path.join(tmp, 'cli-out');
    // The two usage mistakes run beside the training (each is a process start, nothing more).
    const [{ code, stdout, stderr }, usage, time] = await Promise.all([
      layerlab([
        'train',
        '--data',
        path.join(ROOT, 'resources', 'iris.csv'),
        '--target',
        'species',
        '--out',
        out,
        '--epochs',
        '3',
        '--split',
        'stratified',
        '--test-split',
        '0.2',
        '--evaluate-test',
      ]),
      layerlab(['train', '--data', 'x.csv', '--target', 'y', '--out', out, '--evaluate-test']),
      layerlab(['train', '--data', 'x.csv', '--target', 'y', '--out', out, '--split', 'time']),
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Test split \(30 rows, held out of training\): loss [\d.]+, accuracy [\d.]+/);
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8')) as {
      final: Record<string, number>;
    };
    expect(metrics.final.test_loss).toBeGreaterThan(0);
    expect(metrics.final.test_accuracy).toBeGreaterThanOrEqual(0);
    expect(metrics.final.test_rows).toBe(30);

    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--evaluate-test needs --test-split');
    expect(time.code).toBe(2);
    expect(time.stderr).toContain('--split time needs --split-column');
  }, 300_000);
});
