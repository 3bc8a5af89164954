import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import { IMAGE_TASK_SPEC } from '../../../app/dataset/image-task';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { importImages } from '../../../main/data/images';
import { EngineClient } from '../../../main/engine/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { runsCommand } from '../../../main/cli/runs-command';
import { SIDE, smallConvGraph, writeShapeFolder } from '../engine/image-train-fixtures';
import { ROOT } from './run-layerlab';
import { torchMissing, torchrun } from './torchrun';

/**
 * The scale-out round trip as a user makes it: a run trained in Layerlab is exported as a PyTorch
 * project, trained by a 2-process torchrun on CPU (gloo) for a few epochs, and the result folder
 * is imported back (layerlab runs import), evaluated and exported to ONNX with the usual parity
 * check; a table and an image model. Skipped, saying why, where /usr/bin/python3 has no torch.
 */
const missing = torchMissing('PyTorch scale-out', 'numpy, torch, torch.distributed');

/** 2 processes reach the 1-process quality within this much validation accuracy (30 iris rows: ~3 rows). */
const SAME_QUALITY = 0.1;

let tmp = '';
let services: Services;
let api: Api;

interface Metrics {
  backend: string;
  epochs: { epoch: number; val_loss: number; val_accuracy: number }[];
  final: { val_loss: number; val_accuracy: number };
  world_size: number;
}

async function trainedRun(projectId: string, start: Parameters<Api['invoke']>[1]): Promise<string> {
  const ended = new Promise<string>((resolve) => {
    const off = api.on('run.ended', ({ run }) => {
      off();
      resolve(run.id);
    });
  });
  await api.invoke('run.start', start as never);
  return ended;
}

describe.skipIf(missing !== null)('PyTorch export → torchrun → runs import', () => {
  let irisId = '';
  let irisRun = '';
  let exported = '';

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-pytorch-'));
    services = createServices({
      workspace: path.join(tmp, 'ws'),
      mode: 'host',
      engine: new EngineClient({ startTimeoutMs: 180_000 }),
    });
    api = createApi(createMemoryTransport(services.dispatch, services.bus));
    irisId = (await api.invoke('project.create', { name: 'Iris' })).id;
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const imported = await api.invoke('dataset.importText', { projectId: irisId, fileName: 'iris.csv', text });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(imported.dataset!, taskSpec);
    irisRun = await trainedRun(irisId, {
      projectId: irisId,
      taskSpec,
      graph: templateGraph('mlp', shape.inputWidth, shape.head),
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 2, batchSize: 16, learningRate: 0.01, earlyStopping: null },
    });
    const result = await api.invoke('export.model', {
      projectId: irisId,
      runId: irisRun,
      outDir: null,
      format: 'pytorch',
    } as never);
    exported = result.outDir;
    expect(result.checkedWith).toContain('PyTorch');
    expect(result.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(result.tolerance).toBe(1e-5);
  }, 240_000);
  afterAll(async () => {
    await services?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('2 processes (gloo) train the table model to the quality of 1, and the result comes back as a run that evaluates and exports to ONNX', async () => {
    const two = await torchrun(exported, 2, ['--epochs', '8', '--out', 'result-2']);
    expect(two.code, two.output).toBe(0);
    const one = await torchrun(exported, 1, ['--epochs', '8', '--out', 'result-1']);
    expect(one.code, one.output).toBe(0);
    const m2 = JSON.parse(await readFile(path.join(exported, 'result-2', 'metrics.json'), 'utf8')) as Metrics;
    const m1 = JSON.parse(await readFile(path.join(exported, 'result-1', 'metrics.json'), 'utf8')) as Metrics;
    console.info(
      `[pytorch] iris after 8 epochs: 1 process val_accuracy ${m1.final.val_accuracy.toFixed(3)} val_loss ${m1.final.val_loss.toFixed(4)}; 2 processes ${m2.final.val_accuracy.toFixed(3)}, ${m2.final.val_loss.toFixed(4)}`,
    );
    expect(m2.world_size).toBe(2);
    expect(m2.epochs).toHaveLength(8);
    expect(m2.final.val_accuracy).toBeGreaterThan(0.8);
    expect(Math.abs(m2.final.val_accuracy - m1.final.val_accuracy)).toBeLessThanOrEqual(SAME_QUALITY);

    const lines: string[] = [];
    expect(await runsCommand(['import', path.join(exported, 'result-2')], (l) => lines.push(l))).toBe(0);
    const state = await api.invoke('project.open', { projectId: irisId });
    const run = state.runs.find((r) => r.importedFrom?.sourceRun === irisRun)!;
    expect(run.status).toBe('completed');
    expect(run.backend?.name).toContain('2 processes');
    expect(run.epochs.map((e) => e.val_loss)).toEqual(m2.epochs.map((e) => e.val_loss));

    const evaluated = await api.invoke('run.evaluate', { projectId: irisId, runId: run.id } as never);
    const evaluation = (evaluated as { evaluation: { accuracy: number } }).evaluation;
    expect(evaluation.accuracy).toBeCloseTo(m2.final.val_accuracy, 5);
    // The playground: a raw row through the run's preprocessing and the model trained elsewhere.
    const predicted = await api.invoke('run.predict', {
      projectId: irisId,
      runId: run.id,
      rows: [{ sepal_length: '5.1', sepal_width: '3.5', petal_length: '1.4', petal_width: '0.2' }],
    });
    expect(predicted.predictions[0]).toMatchObject({ label: 'setosa' });
    const onnx = await api.invoke('export.model', {
      projectId: irisId,
      runId: run.id,
      outDir: null,
      format: 'onnx',
    } as never);
    expect(onnx.maxAbsDiff).toBeLessThanOrEqual(1e-4);

    // The same weights twice are one run.
    await expect(runsCommand(['import', path.join(exported, 'result-2')], () => {})).rejects.toThrow(
      /already run run-/,
    );
  }, 300_000);

  it('an image model trains under 2 processes and comes back through the app channel', async () => {
    await writeShapeFolder(path.join(tmp, 'ws', 'shapes'));
    const projectId = (await services.projects.create('Shapes')).id;
    const meta = await importImages({
      path: path.join(tmp, 'ws', 'shapes'),
      datasetsDir: services.projects.datasetsDir(projectId),
      options: { width: SIDE, height: SIDE },
    });
    await services.projects.save(projectId, { datasetId: meta.id });
    const runId = await trainedRun(projectId, {
      projectId,
      taskSpec: IMAGE_TASK_SPEC,
      graph: smallConvGraph(3),
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: 8, learningRate: 0.01, earlyStopping: null },
      augmentation: { flip: 0.5 },
    });
    const result = await api.invoke('export.model', { projectId, runId, outDir: null, format: 'pytorch' } as never);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    const two = await torchrun(result.outDir, 2, ['--epochs', '2', '--out', 'result']);
    expect(two.code, two.output).toBe(0);
    const imported = await api.invoke('run.importFolder', { projectId, path: path.join(result.outDir, 'result') });
    expect(imported.run.epochs).toHaveLength(2);
    expect(imported.run.hasModel).toBe(true);
    const onnx = await api.invoke('export.model', {
      projectId,
      runId: imported.run.id,
      outDir: null,
      format: 'onnx',
    } as never);
    expect(onnx.maxAbsDiff).toBeLessThanOrEqual(1e-4);
  }, 300_000);
});
