import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_TASK_SPEC, imageTaskShape } from '../../../app/dataset/image-task';
import type { EvaluateResult } from '../../../app/engine/protocol';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { ProjectService, writeJsonAtomic } from '../../../main/data';
import { importImages } from '../../../main/data/images';
import { prepareImageData } from '../../../main/data/images/prepare-images';
import type { EngineClient } from '../../../main/engine/client';
import { evaluateRun } from '../../../main/services/evaluate-run';

/**
 * An image run's evaluation joins the engine's predictions with the images themselves: every
 * example of a confusion cell or of the confidently-wrong list is an image index with its file
 * and class, so the renderer can show the stored picture. The engine is replaced by its answer.
 */

let tmp: string;
let projects: ProjectService;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-image-eval-'));
  projects = new ProjectService(tmp, { warn: () => undefined });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('evaluating a run on an image dataset', () => {
  it('lists each cell and each confidently wrong example as an image index with its file and class', async () => {
    const { id } = await projects.create('Eval images');
    const source = path.join(tmp, 'dots');
    for (const [name, colour] of [
      ['dark', { r: 20, g: 20, b: 20 }],
      ['light', { r: 230, g: 230, b: 230 }],
    ] as const) {
      await mkdir(path.join(source, name), { recursive: true });
      for (let i = 0; i < 10; i += 1)
        await writeFile(
          path.join(source, name, `${name}-${i}.png`),
          await sharp({ create: { width: 8, height: 8, channels: 3, background: colour } })
            .png()
            .toBuffer(),
        );
    }
    const meta = await importImages({
      path: source,
      datasetsDir: projects.datasetsDir(id),
      options: { width: 8, height: 8 },
    });
    await projects.save(id, { datasetId: meta.id, taskSpec: IMAGE_TASK_SPEC });

    const runId = 'run-1';
    const runDir = projects.runDir(id, runId);
    const data = await prepareImageData({
      datasetDir: path.join(projects.datasetsDir(id), meta.id),
      validationSplit: 0.3,
      seed: 3,
      outDir: path.join(runDir, 'data'),
    });
    await writeJsonAtomic(path.join(runDir, 'data', 'prepared.json'), data);
    await mkdir(path.join(runDir, 'model'), { recursive: true });
    await writeFile(path.join(runDir, 'model', 'model.json'), '{}');
    const shape = imageTaskShape(meta);
    await projects.writeRun(id, {
      id: runId,
      status: 'completed',
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
      error: null,
      task: 'classification',
      taskSpec: IMAGE_TASK_SPEC,
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 30, batchSize: 32 },
      graph: templateGraph('linear', shape.inputShape, shape.head),
      backend: null,
      epochs: [],
      hasModel: true,
    });

    // Two classes: one sigmoid output. The model calls everything "light", the first validation image very confidently.
    const validation = data.images!.validation;
    const targets = validation.map((i) => (i < 10 ? 0 : 1));
    const engine = {
      evaluate: async (): Promise<EvaluateResult> => ({
        outputs: validation.map((_, k) => [k === 0 ? 0.99 : 0.7]),
        targets,
        rows: validation.map((_, k) => k),
        valRows: validation.length,
        capped: false,
      }),
    } as unknown as EngineClient;

    const result = await evaluateRun({ projects, engine }, id, runId);
    expect(result.images).toBe(true);
    expect(result.columns).toEqual(['file', 'class']);
    const wrongCell = result.cells.find((c) => c.actual === 0 && c.predicted === 1)!;
    expect(wrongCell.total).toBe(targets.filter((t) => t === 0).length);
    for (const example of wrongCell.examples) {
      expect(validation).toContain(example.datasetRow);
      expect(example.values).toEqual([`dark/dark-${example.datasetRow}.png`, 'dark']);
    }
    expect(result.worst[0]).toMatchObject({
      datasetRow: validation[0],
      values: [`dark/dark-${validation[0]}.png`, 'dark'],
    });
  });
});
