import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerlab } from './run-layerlab';

let tmp: string;

const cli = (...args: string[]) => layerlab(args);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cli-test-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('layerlab train', () => {
  it('trains iris, shows progress per epoch, and writes a verified model with its metrics', async () => {
    const out = path.join(tmp, 'iris-model');
    const run = await cli(
      'train',
      '--data',
      'resources/iris.csv',
      '--target',
      'species',
      '--out',
      out,
      '--epochs',
      '40',
      '--batch-size',
      '16',
      '--seed',
      '7',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/classification of "species" \(3 classes\)/);
    expect(run.stdout).toMatch(/Export verified/);
    for (const file of ['model.json', 'weights.bin', 'preprocessing.json', 'metrics.json'])
      expect(existsSync(path.join(out, file)), file).toBe(true);

    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.task).toBe('classification');
    expect(typeof metrics.backend).toBe('string');
    // Early stopping is on by default: one line per epoch run, up to the 40 asked for.
    const ran = metrics.epochs_run as number;
    expect(ran).toBe(metrics.epochs.length);
    expect(ran).toBeLessThanOrEqual(40);
    expect(run.stdout.match(/^epoch +\d+\/40 /gm)).toHaveLength(ran);
    for (const epoch of metrics.epochs)
      expect(Object.keys(epoch)).toEqual(expect.arrayContaining(['loss', 'val_loss', 'accuracy', 'val_accuracy']));
    // final holds the kept model's scores: the restored best epoch's when it stopped early, else the last's.
    const kept = metrics.kept_epoch as number;
    expect(kept).toBe(metrics.early_stopped?.restored ? metrics.early_stopped.bestEpoch : ran - 1);
    expect(metrics.final).toEqual(
      expect.objectContaining({ loss: metrics.epochs[kept].loss, val_accuracy: metrics.epochs[kept].val_accuracy }),
    );
    expect(run.stdout).toContain(`Model: epoch ${kept + 1} of ${ran} `);
    expect(metrics.final.val_accuracy).toBeGreaterThanOrEqual(0.9);
    expect(metrics.export.max_abs_diff).toBeLessThanOrEqual(1e-5);

    const prep = JSON.parse(await readFile(path.join(out, 'preprocessing.json'), 'utf8'));
    expect(prep.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(prep.inputOrder).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  });

  it("trains a regression with MAE in the target's units", async () => {
    const out = path.join(tmp, 'house');
    const run = await cli(
      'train',
      '--data',
      'resources/house-prices.csv',
      '--target',
      'price_keur',
      '--out',
      out,
      '--template',
      'linear',
      '--epochs',
      '30',
      '--learning-rate',
      '0.05',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.task).toBe('regression');
    expect(Object.keys(metrics.final)).toEqual(expect.arrayContaining(['loss', 'val_loss', 'mae', 'val_mae']));
    // Prices run ~50-600 k€: an MAE in standardized units would be < 1; in k€ a linear fit lands well above that.
    expect(metrics.final.val_mae).toBeGreaterThan(5);
    expect(metrics.final.val_mae).toBeLessThan(60);
  });

  it('refuses bad input with one plain line and a non-zero exit', async () => {
    const empty = path.join(tmp, 'empty.csv');
    await writeFile(empty, '');
    const ragged = path.join(tmp, 'ragged.csv');
    await writeFile(ragged, 'a,b,c\n1,2,3\n4,5\n');
    const single = path.join(tmp, 'single.csv');
    await writeFile(single, 'x,label\n1,yes\n2,yes\n3,yes\n');
    const cases: Array<[string[], number, RegExp]> = [
      [
        ['train', '--data', 'resources/iris.csv', '--target', 'colour', '--out', path.join(tmp, 'x')],
        1,
        /no column "colour"/,
      ],
      [
        ['train', '--data', path.join(tmp, 'missing.csv'), '--target', 'a', '--out', path.join(tmp, 'x')],
        1,
        /missing\.csv/,
      ],
      [['train', '--data', empty, '--target', 'a', '--out', path.join(tmp, 'x')], 1, /empty\.csv is empty/],
      [['train', '--data', ragged, '--target', 'a', '--out', path.join(tmp, 'x')], 1, /ragged\.csv.*row 3/],
      [['train', '--data', single, '--target', 'label', '--out', path.join(tmp, 'x')], 1, /single class/],
      [
        ['train', '--data', 'resources/iris.csv', '--target', 'species', '--out', '/etc/hostname/sub'],
        1,
        /\/etc\/hostname/,
      ],
      [
        [
          'train',
          '--data',
          'resources/iris.csv',
          '--target',
          'species',
          '--out',
          path.join(tmp, 'x'),
          '--epochs',
          'many',
        ],
        2,
        /--epochs must be a number/,
      ],
      [
        [
          'train',
          '--data',
          'resources/iris.csv',
          '--target',
          'species',
          '--out',
          path.join(tmp, 'x'),
          '--optimizer',
          'lion',
        ],
        2,
        /--optimizer/,
      ],
      [['train', '--data', 'resources/iris.csv', '--out', path.join(tmp, 'x')], 2, /--target COLUMN is required/],
      [['train', '--bogus'], 2, /bogus/],
      [['fly'], 2, /unknown command "fly"/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    runs.forEach((run, i) => {
      const [args, code, message] = cases[i]!;
      expect(run.code, args.join(' ')).toBe(code);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    });
  });
});

describe('layerlab COMMAND --help', () => {
  it("prints that command's usage and exits 0 without running it", async () => {
    for (const command of ['train', 'host', 'inspect', 'export', 'lr-find', 'graph']) {
      const run = await cli(command, '--help');
      expect(run.code, command).toBe(0);
      expect(run.stderr, command).toBe('');
      expect(run.stdout, command).toMatch(new RegExp(`^Usage:\\n {2}layerlab ${command} `));
    }
    // train documents both its table and its image-folder forms.
    expect((await cli('train', '-h')).stdout).toMatch(
      /--image-size[\s\S]*--learning-rate|--learning-rate[\s\S]*--image-size/,
    );
  });
});
