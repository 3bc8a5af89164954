import { open, readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_TASK_SPEC } from '../../../app/dataset/image-task';
import { imageBytes } from '../../../app/dataset/images';
import { createApi, type Api } from '../../../app/ipc/client';
import { MAX_PREDICT_IMAGES } from '../../../app/ipc/predict-images-contract';
import type { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { loadImageDataset, locateImage, type StoredImageDataset } from '../../../main/data/images';
import { EngineClient } from '../../../main/engine/client/engine-client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { SIDE, smallConvGraph, writeShapeFolder } from '../engine/image-train-fixtures';

/**
 * run.predictImages: dropped image bytes are decoded as the run's import decoded its folder, so
 * the playground's probabilities are the engine's on the very pixels stored at import. The run
 * is imported grayscale with a centre crop, and one photo is wider than tall and stored sideways
 * (EXIF orientation 6), so rotation, colour and fit all have to agree.
 */

let tmp: string;
let services: Services;
let api: Api;
let projectId: string;
let run: RunSummary;
let dataset: StoredImageDataset;
const folder = () => path.join(tmp, 'shapes');
const SIDEWAYS = 'bars/sideways.png';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-predict-images-'));
  await writeShapeFolder(folder(), 6);
  // 24×16 with a bar across; stored with orientation 6, it is shown (and imported) upright as 16×24.
  const wide = Buffer.alloc(24 * 16 * 3, 30);
  for (let x = 0; x < 24; x += 1) for (const y of [7, 8]) wide.fill(220, (y * 24 + x) * 3, (y * 24 + x) * 3 + 3);
  await writeFile(
    path.join(folder(), SIDEWAYS),
    await sharp(wide, { raw: { width: 24, height: 16, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .png()
      .toBuffer(),
  );

  services = createServices({
    workspace: path.join(tmp, 'workspace'),
    mode: 'host',
    dataRoots: [tmp],
    engine: new EngineClient({ backend: 'wasm', startTimeoutMs: 120_000 }),
  });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
  projectId = (await api.invoke('project.create', { name: 'Shapes playground' })).id;
  const state = await api.invoke('dataset.importImages', {
    projectId,
    source: { kind: 'path', path: folder() },
    options: { width: SIDE, height: SIDE, color: 'grayscale', fit: 'crop' },
  });
  dataset = await loadImageDataset(path.join(services.projects.datasetsDir(projectId), state.project.datasetId!));
  const trainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    epochs: 2,
    batchSize: 8,
    learningRate: 0.01,
    validationSplit: 0.25,
    seed: 4,
  };
  const started = await api.invoke('run.start', {
    projectId,
    taskSpec: IMAGE_TASK_SPEC,
    graph: smallConvGraph(3, SIDE, 1),
    trainConfig,
  });
  run = await services.runs.whenDone(started.id);
  expect(run.status).toBe('completed');
}, 180_000);
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const fileOf = async (relative: string) => ({
  name: path.basename(relative),
  data: (await readFile(path.join(folder(), relative))).toString('base64'),
});

/** The pixels the import stored for a source file, scaled as training scaled them. */
async function storedPixels(relative: string): Promise<Float32Array> {
  const i = dataset.index.sources.indexOf(relative);
  expect(i, `${relative} is in the imported dataset`).toBeGreaterThanOrEqual(0);
  const { file, offset } = locateImage(dataset.meta, i);
  const bytes = Buffer.alloc(imageBytes(dataset.meta));
  const handle = await open(path.join(dataset.dir, file));
  try {
    await handle.read(bytes, 0, bytes.length, offset);
  } finally {
    await handle.close();
  }
  return Float32Array.from(bytes, (v) => v / 255);
}

describe("run.predictImages: the playground's image drop zone", () => {
  it('tells the playground to show a drop zone for an image run', async () => {
    const inputs = await api.invoke('run.predictInputs', { projectId, runId: run.id });
    expect(inputs).toMatchObject({
      task: 'classification',
      target: 'class',
      labels: ['bars', 'discs', 'squares'],
      fields: [],
      image: { width: SIDE, height: SIDE, channels: 1, color: 'grayscale', fit: 'crop' },
    });
    await expect(api.invoke('run.predict', { projectId, runId: run.id, rows: [{ a: '1' }] })).rejects.toThrow(
      /classifies 16×16 images, not typed rows/,
    );
  });

  it("gives the engine's probabilities on the imported pixels, and names the corrupt and the non-image file without losing the others", async () => {
    const good = ['discs/discs-00.png', 'squares/squares-03.png', SIDEWAYS];
    const files = [
      await fileOf(good[0]!),
      await fileOf('discs/broken.png'),
      await fileOf(good[1]!),
      await fileOf('squares/notes.txt'),
      await fileOf(good[2]!),
    ];
    const result = await api.invoke('run.predictImages', { projectId, runId: run.id, images: files });
    expect(result.labels).toEqual(['bars', 'discs', 'squares']);
    expect(result.images.map((r) => r.name)).toEqual([
      'discs-00.png',
      'broken.png',
      'squares-03.png',
      'notes.txt',
      'sideways.png',
    ]);

    const [broken, notes] = [result.images[1]!, result.images[3]!];
    expect(broken.error).toMatch(/^broken\.png: damaged/);
    expect(notes.error).toBe('notes.txt: not an image (PNG, JPEG, WebP, GIF, BMP or TIFF)');
    expect([broken.probabilities, notes.probabilities, broken.thumbnail]).toEqual([null, null, null]);

    const modelDir = path.join(services.projects.runDir(projectId, run.id), 'model');
    const expected = await services.engine.predict({
      modelDir,
      inputWidth: SIDE * SIDE,
      x: Float32Array.from((await Promise.all(good.map(storedPixels))).flatMap((p) => [...p])),
    });
    const predicted = [result.images[0]!, result.images[2]!, result.images[4]!];
    predicted.forEach((p, k) => {
      expect(p.error).toBeNull();
      expect(p.thumbnail).toMatch(/^data:image\/webp;base64,/);
      const want = expected[k]!;
      expect(p.probabilities).toHaveLength(3);
      p.probabilities!.forEach((v, c) => expect(Math.abs(v - want[c]!)).toBeLessThanOrEqual(1e-6));
      expect(p.label).toBe(result.labels[want.indexOf(Math.max(...want))]);
    });
  });

  it('refuses malformed requests by field before decoding anything', async () => {
    const one = await fileOf('discs/discs-01.png');
    const ask = (images: unknown) => api.invoke('run.predictImages', { projectId, runId: run.id, images } as never);
    await expect(ask([])).rejects.toThrow(/Invalid run\.predictImages request: images: give at least one image/);
    await expect(ask(Array.from({ length: MAX_PREDICT_IMAGES + 1 }, () => one))).rejects.toThrow(
      /images: at most 16 images can be predicted at once/,
    );
    await expect(ask([{ ...one, data: 'not base64!' }])).rejects.toThrow(/images\.0\.data: file data must be base64/);
    await expect(ask([{ ...one, name: '' }])).rejects.toThrow(/images\.0\.name: a file name cannot be empty/);
    await expect(ask([{ ...one, extra: 1 }])).rejects.toThrow(/images\.0: Unrecognized key/);
    await expect(api.invoke('run.predictImages', { projectId, runId: 'run-missing', images: [one] })).rejects.toThrow(
      /run-missing/,
    );
  });
});
