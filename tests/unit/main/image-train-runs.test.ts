import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_TASK_SPEC } from '../../../app/dataset/image-task';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { importImages } from '../../../main/data/images';
import { EngineClient } from '../../../main/engine/client/engine-client';
import { createServices, type Services } from '../../../main/services/create-services';
import { predictInputs } from '../../../main/services/predict-run';
import { readPreparedData } from '../../../main/services/runs';
import { SHAPE_CLASSES, SIDE, smallConvGraph, writeShapeFolder } from '../engine/image-train-fixtures';

/**
 * The RunManager on a project whose dataset is an image folder: it prepares PreparedData.images
 * (no float32 copy of the pixels), the engine process streams the shards, and what builds on a
 * finished run (its baseline, the learning curve's retrainings, evaluation) works on images too.
 */
let tmp: string;
let services: Services;
let projectId: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-image-runs-'));
  await writeShapeFolder(path.join(tmp, 'shapes'));
  services = createServices({
    workspace: path.join(tmp, 'workspace'),
    mode: 'host',
    engine: new EngineClient({ backend: 'wasm', startTimeoutMs: 120_000 }),
  });
  projectId = (await services.projects.create('Shapes')).id;
  const meta = await importImages({
    path: path.join(tmp, 'shapes'),
    datasetsDir: services.projects.datasetsDir(projectId),
    options: { width: SIDE, height: SIDE },
  });
  await services.projects.save(projectId, { datasetId: meta.id });
}, 60_000);
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('RunManager with an image dataset', () => {
  it('trains from the shards with augmentation, then evaluates and draws a learning curve from the same run', async () => {
    const trainConfig = {
      ...DEFAULT_TRAIN_CONFIG,
      epochs: 5,
      batchSize: 8,
      learningRate: 0.01,
      validationSplit: 0.25,
      seed: 2,
    };
    const started = await services.runs.start({
      projectId,
      taskSpec: IMAGE_TASK_SPEC,
      graph: smallConvGraph(3),
      trainConfig,
      augmentation: { flip: 0.5, contrast: 0.2 },
    });
    const run = await services.runs.whenDone(started.id);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    expect(run.epochs).toHaveLength(5);
    expect(run.epochs.at(-1)!.val_accuracy).toBeGreaterThan(0.6);
    expect(run.baseline).toMatchObject({ kind: 'majority_class', val_accuracy: 1 / 3 });

    const runDir = services.projects.runDir(projectId, run.id);
    const data = await readPreparedData(runDir);
    expect(data.images).toMatchObject({
      height: SIDE,
      width: SIDE,
      channels: 3,
      labels: [...SHAPE_CLASSES],
      augmentation: { flip: 0.5, contrast: 0.2, rotation: 0 },
    });
    expect([data.trainRows, data.valRows]).toEqual([45, 15]);
    expect(existsSync(path.join(data.dir, 'x_train.f32'))).toBe(false);

    const evaluated = await services.engine.evaluate({ modelDir: path.join(runDir, 'model'), data, maxRows: 1000 });
    expect(evaluated.outputs).toHaveLength(15);
    const right = evaluated.outputs.filter((o, r) => o.indexOf(Math.max(...o)) === evaluated.targets[r]).length;
    expect(right / 15).toBeCloseTo(run.epochs.at(-1)!.val_accuracy!, 5);

    const curve = await services.runs.learningCurve(projectId, run.id);
    expect(curve.status).toBe('completed');
    expect(curve.points.map((p) => p.trainRows)).toEqual([5, 11, 23, 45]);
    expect(curve.points.every((p) => p.val_score !== null)).toBe(true);

    // The playground shows an image drop zone (run.predictImages) instead of typed fields.
    expect(
      await predictInputs({ projects: services.projects, engine: services.engine }, projectId, run.id),
    ).toMatchObject({
      fields: [],
      image: { width: SIDE, height: SIDE, channels: 3 },
    });
  }, 240_000);

  it('refuses a regression task on an image dataset', async () => {
    await expect(
      services.runs.start({
        projectId,
        taskSpec: { target: 'class', task: 'regression' },
        graph: smallConvGraph(3),
        trainConfig: DEFAULT_TRAIN_CONFIG,
      }),
    ).rejects.toThrow(/An image dataset is classified by its class folders; regression does not apply to it\./);
  });
});
