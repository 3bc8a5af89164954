import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../main/cli/cli-error';
import { trainCommand } from '../../../main/cli/train-command';
import { SHAPE_CLASSES, writeShapeFolder } from '../engine/image-train-fixtures';
import { layerlab } from './run-layerlab';

let tmp: string;
let folder: string;
let skipped: { corrupt: string; notImage: string };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cli-images-'));
  folder = path.join(tmp, 'shapes');
  skipped = await writeShapeFolder(folder);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('layerlab train --data FOLDER: image classifiers from the command line', () => {
  it('imports the folder, skips and lists what is not an image, trains the cnn template above chance and exports it', async () => {
    const out = path.join(tmp, 'out');
    const run = await layerlab(
      [
        'train',
        '--data',
        folder,
        '--template',
        'cnn',
        '--image-size',
        '16',
        '--color',
        'rgb',
        '--fit',
        'pad',
        '--augment',
        'flip,brightness=0.1',
        '--epochs',
        '6',
        '--batch-size',
        '8',
        '--learning-rate',
        '0.005',
        '--seed',
        '3',
        '--out',
        out,
      ],
      { LAYERLAB_BACKEND: 'wasm' },
    );
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(
      /^Imported 60 images of 16×16 rgb \(pad\) in 3 classes: bars 20, discs 20, squares 20\.$/m,
    );
    expect(run.stdout).toMatch(/^Skipped 2 files:$/m);
    expect(run.stdout).toMatch(new RegExp(`^  ${skipped.corrupt}: .+$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^  ${skipped.notImage}: not an image.*$`, 'm'));
    expect(run.stdout).toMatch(
      /^Layerlab: 60 images from shapes; classification of "class" \(3 classes\); 768 inputs; backend wasm \(1 thread(, CPU addon: (avx512|avx2|portable))?\)\.$/m,
    );
    expect(run.stdout.match(/^epoch +\d+\/6 /gm)).toHaveLength(6);

    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.task).toBe('classification');
    expect(metrics.labels).toEqual([...SHAPE_CLASSES]);
    // Three balanced classes: chance is 1/3, and the naive baseline says so.
    expect(metrics.final.baseline_val_accuracy).toBeCloseTo(1 / 3, 5);
    expect(
      metrics.final.val_accuracy,
      JSON.stringify(metrics.epochs.map((e: { val_accuracy: number }) => e.val_accuracy)),
    ).toBeGreaterThan(0.6);
    expect(metrics.images.skipped.map((s: { path: string }) => s.path).sort()).toEqual(
      [skipped.corrupt, skipped.notImage].sort(),
    );
    expect(metrics.images.skipped_count).toBe(2);
    expect(metrics.images.augmentation).toEqual({ flip: 0.5, rotation: 0, zoom: 0, brightness: 0.1, contrast: 0 });
    expect(metrics.export.max_abs_diff).toBeLessThanOrEqual(1e-5);
    const preprocessing = JSON.parse(await readFile(path.join(out, 'preprocessing.json'), 'utf8'));
    expect(preprocessing.image).toEqual({
      height: 16,
      width: 16,
      channels: 3,
      color: 'rgb',
      fit: 'pad',
      scale: 1 / 255,
    });
    expect(existsSync(path.join(out, 'model.json'))).toBe(true);
    const model = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    expect(JSON.stringify(model.modelTopology)).toContain('Conv2D');
  }, 240_000);

  it('refuses image flags that do not fit the data, naming the flag', async () => {
    // In process: every case fails before an engine starts.
    const cases: Array<[string[], RegExp]> = [
      [
        ['--data', 'resources/iris.csv', '--target', 'species', '--image-size', '32'],
        /^--image-size applies to an image folder or \.zip; iris\.csv is read as a table\.$/,
      ],
      [
        ['--data', folder, '--target', 'species'],
        /^--target does not apply to an image folder: each subfolder of shapes is a class\.$/,
      ],
      [
        ['--data', folder, '--task', 'regression'],
        /^--task: an image folder is classified by its subfolders; regression does not apply\.$/,
      ],
      [
        ['--data', folder, '--image-size', '16x'],
        /^--image-size must be N \(a square of N pixels\) or WIDTHxHEIGHT, not "16x"\.$/,
      ],
      [['--data', folder, '--image-size', '2'], /^--image-size: width must be at least 4 pixels\.$/],
      [['--data', folder, '--color', 'cmyk'], /^--color: .* \(rgb or grayscale\)\.$/],
      [
        ['--data', folder, '--augment', 'flip,blur'],
        /^--augment: "blur" is not one of flip, rotation, zoom, brightness, contrast/,
      ],
      [['--data', folder, '--augment', 'rotation=0.9'], /^--augment: rotation is at most 0\.5\.$/],
      [
        ['--data', folder, '--augment', 'zoom=lots'],
        /^--augment: the strength of zoom must be a number, not "lots"\.$/,
      ],
      [['--data', folder, '--delimiter', ';'], /^--delimiter applies to a CSV file; shapes is an image folder\.$/],
      [
        ['--data', folder, '--test-split', '0.1'],
        /^--test-split is not available for an image folder: its images are split by class, stratified and seeded/,
      ],
    ];
    for (const [args, message] of cases) {
      let error: unknown = null;
      await trainCommand([...args, '--out', path.join(tmp, 'x')], () => undefined).catch((e: unknown) => (error = e));
      expect(error, args.join(' ')).toBeInstanceOf(UsageError);
      expect((error as Error).message, args.join(' ')).toMatch(message);
    }
  });
});
