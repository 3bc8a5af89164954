import { spawnSync } from 'node:child_process';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../../app/engine/protocol';
import type { EpochLogs } from '../../../app/project/schema';
import { importImages, loadImageDataset } from '../../../main/data/images';
import { ImageBatchSource } from '../../../main/data/images/batch-source';
import { prepareImageData } from '../../../main/data/images/prepare-images';
import { selectBackend } from '../../../main/engine/process/backend';
import { evaluateModel } from '../../../main/engine/process/evaluate';
import { exportModel } from '../../../main/engine/process/export';
import { readValidationX } from '../../../main/engine/shared/prepared-data';
import { predictRows } from '../../../main/engine/process/predict';
import { train } from '../../../main/engine/process/train';
import { config, ROOT, tempDir } from './fixtures';
import { SHAPE_CLASSES, SIDE, smallConvGraph, writeShapeFolder } from './image-train-fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let datasetDir: string;

beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('image-train');
  await writeShapeFolder(path.join(tmp.dir, 'shapes'));
  const meta = await importImages({
    path: path.join(tmp.dir, 'shapes'),
    datasetsDir: path.join(tmp.dir, 'datasets'),
    options: { width: SIDE, height: SIDE, color: 'rgb' },
    imagesPerShard: 16,
  });
  datasetDir = path.join(tmp.dir, 'datasets', meta.id);
}, 30_000);
afterAll(async () => {
  await tmp.cleanup();
});

const prepare = (name: string, augmentation = {}) =>
  prepareImageData({
    datasetDir,
    validationSplit: 0.25,
    seed: 3,
    augmentation,
    outDir: path.join(tmp.dir, name, 'data'),
  });

async function f32(file: string): Promise<number[]> {
  const bytes = await readFile(file);
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

describe('image datasets: prepared for a run', () => {
  it('splits by class with a seed, writes one-hot labels in split order and the pixel scaling', async () => {
    const data = await prepare('prepared');
    const images = data.images!;
    expect(data.inputWidth).toBe(SIDE * SIDE * 3);
    expect(data.outputWidth).toBe(3);
    expect([data.trainRows, data.valRows]).toEqual([45, 15]);
    // 20 per class, 25%: 5 of each class in validation.
    const { index } = await loadImageDataset(datasetDir);
    const valClasses = images.validation.map((i) => index.labels[i]!);
    expect([0, 1, 2].map((k) => valClasses.filter((c) => c === k).length)).toEqual([5, 5, 5]);
    expect(new Set([...images.train, ...images.validation]).size).toBe(60);
    const yVal = await f32(path.join(data.dir, 'y_val.f32'));
    images.validation.forEach((image, row) =>
      expect(yVal.slice(row * 3, row * 3 + 3)).toEqual([0, 1, 2].map((k) => (k === index.labels[image] ? 1 : 0))),
    );
    // The same seed gives the same split; another seed another.
    expect((await prepare('prepared-again')).images!.validation).toEqual(images.validation);
    const other = await prepareImageData({
      datasetDir,
      validationSplit: 0.25,
      seed: 4,
      outDir: path.join(tmp.dir, 'other', 'data'),
    });
    expect(other.images!.validation).not.toEqual(images.validation);
    const written = JSON.parse(await readFile(path.join(data.dir, 'preprocessing.json'), 'utf8'));
    expect(written.image).toEqual({ height: SIDE, width: SIDE, channels: 3, color: 'rgb', fit: 'pad', scale: 1 / 255 });
    expect(written.labels).toEqual([...SHAPE_CLASSES]);
    expect(images.augmentation).toEqual({ flip: 0, rotation: 0, zoom: 0, brightness: 0, contrast: 0 });
  });

  it('refuses augmentation settings out of range, naming the setting', async () => {
    await expect(prepare('bad-augment', { rotation: 2 })).rejects.toThrow(/rotation/);
  });

  it('augments training batches only, the same way for the same (seed, epoch), and never validation', async () => {
    const data = await prepare('augment', { flip: 0.5, rotation: 0.1, brightness: 0.2 });
    const images = data.images!;
    const plain = await ImageBatchSource.open(
      { ...images, augmentation: { flip: 0, rotation: 0, zoom: 0, brightness: 0, contrast: 0 } },
      { batchSize: 8, seed: 1, evalChunk: 4 },
    );
    const augmented = await ImageBatchSource.open(images, { batchSize: 8, seed: 1, evalChunk: 4 });
    const again = await ImageBatchSource.open(images, { batchSize: 8, seed: 1, evalChunk: 4 });
    const all = async (batches: AsyncIterable<{ x: Float32Array; y: Float32Array; size: number }>) => {
      const out: { x: number[]; y: number[] }[] = [];
      for await (const b of batches) out.push({ x: Array.from(b.x), y: Array.from(b.y) });
      return out;
    };
    try {
      const [p, a, a2, a3] = [
        await all(plain.trainBatches(0)),
        await all(augmented.trainBatches(0)),
        await all(again.trainBatches(0)),
        await all(augmented.trainBatches(1)),
      ];
      expect(a.map((b) => b.y)).toEqual(p.map((b) => b.y)); // same order, same labels
      expect(a).toEqual(a2);
      expect(a.map((b) => b.x)).not.toEqual(p.map((b) => b.x));
      expect(a3.map((b) => b.x)).not.toEqual(a.map((b) => b.x));
      // Validation: exactly the stored bytes / 255, in split order, in chunks of 4.
      const val = await all(augmented.validationBatches());
      expect(val.map((b) => b.y.length / 3)).toEqual([4, 4, 4, 3]);
      const x = await readValidationX(data);
      expect(val.flatMap((b) => b.x)).toEqual(Array.from(x));
      const { index, meta } = await loadImageDataset(datasetDir);
      const shard = await readFile(path.join(datasetDir, meta.shards[0]!.file));
      const first = images.validation[0]!;
      expect(first).toBeLessThan(16);
      expect(index.labels[first]).toBe(val[0]!.y.indexOf(1));
      expect(Array.from(x.subarray(0, SIDE * SIDE * 3))).toEqual(
        Array.from(shard.subarray(first * SIDE * SIDE * 3, (first + 1) * SIDE * SIDE * 3), (v) => Math.fround(v / 255)),
      );
    } finally {
      await Promise.all([plain.close(), augmented.close(), again.close()]);
    }
  });
});

describe('image datasets: training, evaluating and predicting in the engine', () => {
  let data: PreparedData;
  let history: EpochLogs[];

  it('trains a small CNN from the shards above chance, reproducibly, leaving no tensors behind', async () => {
    data = await prepare('train', { flip: 0.5 });
    const runDir = path.dirname(data.dir);
    const graph = smallConvGraph(3);
    const job = (dir: string) => ({
      runId: 'images',
      runDir: dir,
      data,
      graph,
      config: config({ epochs: 8, batchSize: 8, learningRate: 0.01, seed: 11 }),
    });
    const before = tf.memory().numTensors;
    history = [];
    const outcome = await train(job(runDir), { onEpoch: (logs) => history.push(logs) });
    expect(outcome.error).toBeNull();
    expect(outcome.status).toBe('completed');
    expect(outcome.batchesRun).toBe(8 * Math.ceil(45 / 8));
    expect(tf.memory().numTensors).toBe(before);
    const last = history.at(-1)!;
    expect(last.val_accuracy, JSON.stringify(history.map((h) => h.val_accuracy))).toBeGreaterThan(0.6);
    // Same seed: the same shuffles, augmentations and dropout, so the same curve.
    const replay: EpochLogs[] = [];
    await train(job(path.join(tmp.dir, 'replay')), { onEpoch: (logs) => replay.push(logs) });
    expect(replay).toEqual(history);
  }, 60_000);

  it('evaluates and predicts on the validation images as training scored them', async () => {
    const modelDir = path.join(path.dirname(data.dir), 'model');
    const result = await evaluateModel({ modelDir, data, maxRows: 100 });
    expect(result.outputs).toHaveLength(15);
    expect(result.capped).toBe(false);
    const yVal = await f32(path.join(data.dir, 'y_val.f32'));
    expect(result.targets).toEqual(Array.from({ length: 15 }, (_, r) => yVal.slice(r * 3, r * 3 + 3).indexOf(1)));
    const accuracy = result.outputs.filter((o, r) => o.indexOf(Math.max(...o)) === result.targets[r]).length / 15;
    expect(accuracy).toBeCloseTo(history.at(-1)!.val_accuracy!, 5);
    const capped = await evaluateModel({ modelDir, data, maxRows: 4 });
    expect(capped.capped).toBe(true);
    expect(capped.outputs).toEqual(result.outputs.slice(0, 4));
    // The playground path: one image as a flat row, reshaped to (16, 16, 3) by the model's input.
    const x = await readValidationX(data, 2);
    const predicted = await predictRows({ modelDir, inputWidth: data.inputWidth, x: Array.from(x) });
    predicted.forEach((row, r) => row.forEach((v, k) => expect(v).toBeCloseTo(result.outputs[r]![k]!, 5)));
  }, 30_000);

  it('exports to TF.js, and the predict.mjs beside it decodes raw image files as the app did and gives the same probabilities', async () => {
    const modelDir = path.join(path.dirname(data.dir), 'model');
    const snippets = path.join(tmp.dir, 'snippets');
    await mkdir(snippets, { recursive: true });
    // The export folder resolves @tensorflow/tfjs and sharp the way a user's project would.
    await symlink(path.join(ROOT, 'node_modules'), path.join(snippets, 'node_modules'), 'dir');
    const outDir = path.join(snippets, 'tfjs');
    const exported = await exportModel({ modelDir, data, outDir });
    expect(exported.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    const { index } = await loadImageDataset(datasetDir);
    const rows = data.images!.validation.slice(0, 4);
    const files = rows.map((i) => path.join(tmp.dir, 'shapes', index.sources[i]!));
    const child = spawnSync(process.execPath, [path.join(outDir, 'predict.mjs'), ...files], {
      cwd: outDir,
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    const lines = child.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { label: string; probabilities: Record<string, number> });
    const inApp = await evaluateModel({ modelDir, data, maxRows: 4 });
    expect(lines).toHaveLength(4);
    lines.forEach((line, r) => {
      SHAPE_CLASSES.forEach((label, k) =>
        expect(Math.abs(line.probabilities[label]! - inApp.outputs[r]![k]!)).toBeLessThanOrEqual(1e-5),
      );
      const best = inApp.outputs[r]!.indexOf(Math.max(...inApp.outputs[r]!));
      expect(line.label).toBe(SHAPE_CLASSES[best]);
    });
  }, 60_000);

  it('names a dataset that no longer matches the run instead of training on it', async () => {
    const stale = { ...data, images: { ...data.images!, labels: ['a', 'b', 'c'] } };
    const outcome = await train({
      runId: 'stale',
      runDir: path.join(tmp.dir, 'stale'),
      data: stale,
      graph: smallConvGraph(3),
      config: config({ epochs: 1 }),
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(
      /no longer matches this run \(its classes are bars, discs, squares; the run's are a, b, c\)/,
    );
    const wrongShape = await train({
      runId: 'shape',
      runDir: path.join(tmp.dir, 'shape'),
      data,
      graph: smallConvGraph(3, 8),
      config: config({ epochs: 1 }),
    });
    expect(wrongShape.error).toMatch(/takes \(8, 8, 3\) per sample, but the data has 768 input values per row/);
  });
});
