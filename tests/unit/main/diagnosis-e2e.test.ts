import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { trainCommand } from '../../../main/cli/train-command';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFix, diagnoseRun, type Fix, type Setup } from '../../../app/diagnostics';
import type { EventPayload } from '../../../app/ipc/contract';
import { createApi, type Api } from '../../../app/ipc/client';
import { GRAPH_SCHEMA_VERSION, type ModelGraph } from '../../../app/graph/schema';
import type { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../../app/training/config';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { gaussian } from '../app/diagnostics-fixtures';

let tmp: string;
let services: Services;
let api: Api;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-diagnosis-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const FEATURES = 8;
/** 80 rows: y depends linearly on three of eight features, plus noise a model can only memorise. */
function regressionCsv(): string {
  const g = gaussian(2024);
  const lines = [[...Array.from({ length: FEATURES }, (_, i) => `x${i + 1}`), 'y'].join(',')];
  for (let r = 0; r < 80; r++) {
    const x = Array.from({ length: FEATURES }, () => g());
    const y = 3 * x[0]! - 2 * x[1]! + x[2]! + 1.5 * g();
    lines.push([...x, y].map((v) => v.toFixed(4)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Far more weights (≈ 70k) than the 60 training rows can pin down. */
function bigMlp(): ModelGraph {
  const dense = (id: string, y: number) => ({
    id,
    type: 'Dense' as const,
    position: { x: 0, y },
    config: { units: 256, activation: 'relu' as const, use_bias: true },
  });
  return {
    version: GRAPH_SCHEMA_VERSION,
    nodes: [
      { id: 'input', type: 'Input', position: { x: 0, y: 0 }, config: { shape: [FEATURES] } },
      dense('dense_1', 160),
      dense('dense_2', 320),
      { id: 'output', type: 'Output', position: { x: 0, y: 480 }, config: { units: 1, activation: 'linear' } },
    ],
    edges: [
      { id: 'e1', source: 'input', target: 'dense_1' },
      { id: 'e2', source: 'dense_1', target: 'dense_2' },
      { id: 'e3', source: 'dense_2', target: 'output' },
    ],
  };
}

async function train(projectId: string, graph: ModelGraph, trainConfig: TrainConfig): Promise<RunSummary> {
  const ended = new Promise<EventPayload<'run.ended'>>((resolve) => {
    const off = api.on('run.ended', (payload) => {
      off();
      resolve(payload);
    });
  });
  await api.invoke('run.start', { projectId, taskSpec: { target: 'y', task: 'regression' }, graph, trainConfig });
  const { run } = await ended;
  expect(run.status, run.error ?? '').toBe('completed');
  return run;
}

const bestVal = (run: RunSummary) => Math.min(...run.epochs.map((e) => e.val_loss ?? Number.POSITIVE_INFINITY));

describe('diagnosis end to end through the services', () => {
  it('an over-parameterised model overfits, the fix is applied, and the retrained run generalises better', async () => {
    const { id } = await api.invoke('project.create', { name: 'Overfit me' });
    await api.invoke('dataset.importText', { projectId: id, fileName: 'small.csv', text: regressionCsv() });
    // Early stopping off (it is on by default): this run is meant to overfit to its end.
    const config: TrainConfig = {
      ...DEFAULT_TRAIN_CONFIG,
      epochs: 40,
      batchSize: 16,
      learningRate: 0.01,
      validationSplit: 0.25,
      seed: 7,
      earlyStopping: null,
    };

    const first = await train(id, bigMlp(), config);
    // The naive baseline is on the run, in the target's units (y has a std near 4, so MSE near 16).
    expect(first.baseline?.kind).toBe('training_mean');
    expect(first.baseline!.val_loss).toBeGreaterThan(5);
    const verdicts = diagnoseRun(first);
    const over = verdicts.find((v) => v.kind === 'overfitting');
    expect(over, JSON.stringify(verdicts.map((v) => [v.kind, v.evidence.summary]))).toBeDefined();
    expect(verdicts.map((v) => v.kind)).not.toContain('healthy');
    // At most three fixes (issue 18), among them Dropout after the widest layer and early stopping.
    expect(over!.fixes.length).toBeLessThanOrEqual(3);
    expect(over!.fixes).toContainEqual({ kind: 'add_dropout', after: 'dense_1', rate: 0.3 });

    // One click each: Dropout after the widest layer, and stop at the best epoch (keeping its weights).
    let setup: Setup = { graph: first.graph, trainConfig: first.trainConfig };
    for (const kind of ['add_dropout', 'early_stopping'] as const) {
      const fix = over!.fixes.find((f): f is Fix => f.kind === kind)!;
      expect(fix, kind).toBeDefined();
      setup = applyFix(fix, setup)!;
    }
    expect(setup.graph.nodes.filter((n) => n.type === 'Dropout')).toHaveLength(1);
    expect(setup.trainConfig.earlyStopping).toMatchObject({ monitor: 'val_loss', restoreBestWeights: true });

    const second = await train(id, setup.graph, setup.trainConfig);
    // Dropout lowers the best validation loss, and early stopping keeps the best epoch's weights
    // instead of the ones 30 epochs past it.
    expect(bestVal(second)).toBeLessThan(bestVal(first));
    if (second.earlyStopped) expect(second.earlyStopped.restored).toBe(true);
    const kept = second.earlyStopped?.bestEpoch ?? second.epochs.length - 1;
    expect(second.epochs[kept]!.val_loss!).toBeLessThan(first.epochs.at(-1)!.val_loss!);
    const saved = JSON.parse(
      await readFile(path.join(tmp, 'projects', id, 'runs', second.id, 'run.json'), 'utf8'),
    ) as RunSummary;
    expect(saved.baseline).toEqual(second.baseline);
  });

  it('the CLI writes the diagnosis and the baseline into metrics.json', async () => {
    const out = path.join(tmp, 'cli-out');
    const iris = path.resolve(import.meta.dirname, '../../../resources/iris.csv');
    expect(
      await trainCommand(['--data', iris, '--target', 'species', '--out', out, '--epochs', '8'], () => undefined),
    ).toBe(0);
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8')) as {
      final: Record<string, number>;
      diagnosis: { kind: string; severity: string; evidence: { summary: string }; fixes: unknown[] }[];
    };
    // Seed 42 holds out 30 rows: 6 setosa, 12 versicolor, 12 virginica; training (120 rows) has
    // 44/38/38, so the baseline predicts setosa (right on 6 of 30 = 0.2) with probabilities 44/120,
    // 38/120, 38/120: val loss −(6 ln(44/120) + 24 ln(38/120)) / 30 = 1.12058.
    expect(metrics.final.baseline_val_loss).toBeCloseTo(1.12058, 4);
    expect(metrics.final.baseline_val_accuracy).toBeCloseTo(0.2, 10);
    expect(metrics.diagnosis.length).toBeGreaterThan(0);
    for (const v of metrics.diagnosis) {
      expect(['overfitting', 'underfitting', 'diverging', 'lr_too_high', 'lr_too_low', 'healthy']).toContain(v.kind);
      expect(['info', 'warning', 'critical']).toContain(v.severity);
      expect(v.evidence.summary.length).toBeGreaterThan(10);
      expect(Array.isArray(v.fixes)).toBe(true);
    }
  });
});
