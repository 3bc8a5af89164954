import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerlab } from './run-layerlab';
import { UsageError } from '../../../main/cli/cli-error';
import { trainCommand } from '../../../main/cli/train-command';

let tmp: string;

const cli = (...args: string[]) => layerlab(args, { LAYERLAB_BACKEND: 'wasm' });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-train-flags-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('layerlab train: the training flags', () => {
  it('trains with them and writes every setting into config.json and metrics.json', async () => {
    const out = path.join(tmp, 'flags');
    const run = await cli(
      'train', '--data', 'resources/iris.csv', '--target', 'species', '--out', out, '--epochs', '12', '--batch-size', '16',
      '--optimizer', 'momentum', '--learning-rate', '0.01', '--nesterov', '--loss', 'sparseCategoricalCrossentropy', '--metrics', 'accuracy',
      '--early-stopping-patience', '2', '--early-stopping-min-delta', '100', '--restore-best',
      '--lr-schedule', 'step', '--lr-step-every', '2', '--lr-factor', '0.5', '--warmup-epochs', '1', '--class-weights', 'balanced', '--clip-norm', '1',
    ); // prettier-ignore
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // minDelta 100: only epoch 1 counts as an improvement, so it stops after epoch 3.
    expect(run.stdout.match(/^epoch +\d+\/12 .* lr /gm)).toHaveLength(3);
    expect(run.stdout).toMatch(
      /^Early stopping: val_loss stopped improving; stopped after epoch 3, best epoch 1 \(its weights were kept\)\.$/m,
    );
    const expected = {
      epochs: 12, batchSize: 16, optimizer: 'momentum', nesterov: true, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'],
      earlyStopping: { monitor: 'val_loss', patience: 2, minDelta: 100, restoreBestWeights: true },
      lrSchedule: { type: 'step', every: 2, factor: 0.5 }, warmupEpochs: 1, classWeights: 'balanced', clipNorm: 1,
    }; // prettier-ignore
    expect(JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'))).toMatchObject(expected);
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.config).toMatchObject(expected);
    expect(metrics.early_stopped).toEqual({ stoppedAt: 2, bestEpoch: 0, monitor: 'val_loss', restored: true });
    expect(metrics.epochs.map((e: { lr: number }) => e.lr)).toEqual([0.01, 0.01, 0.01]);
  }, 60_000);

  it('refuses impossible or incomplete settings with a message naming the flag', async () => {
    // In process: every case fails before an engine is needed.
    const base = ['--data', 'resources/iris.csv', '--target', 'species', '--out', path.join(tmp, 'x')];
    const cases: Array<[string[], RegExp]> = [
      [
        ['--loss', 'binaryCrossentropy'],
        /^--loss: binaryCrossentropy needs one sigmoid output \(2 classes\), but this task has 3 classes/,
      ],
      [['--metrics', 'auc'], /^--metrics: auc is defined for two classes/],
      [['--metrics', 'f1'], /^--metrics: "f1" is not one of accuracy, precision/],
      [['--nesterov'], /^--nesterov: Nesterov applies to the momentum optimizer only, not adam/],
      [['--lr-factor', '0.5'], /^--lr-factor needs --lr-schedule\./],
      [['--lr-schedule', 'cosine', '--lr-step-every', '3'], /^--lr-step-every does not apply to --lr-schedule cosine/],
      [['--lr-schedule', 'step', '--lr-factor', '2'], /^--lr-factor: the factor must be below 1\./],
      [['--restore-best'], /^--restore-best needs --early-stopping-patience N/],
      [
        ['--epochs', '30', '--warmup-epochs', '30'],
        /^--warmup-epochs: warm-up epochs \(30\) must be fewer than epochs \(30\)\./,
      ],
      [['--clip-norm=-1'], /^--clip-norm: clip norm must be above 0\./],
      [['--class-weights', '1,x'], /^--class-weights must be "balanced" or numbers/],
      [['--class-weights', '1,2'], /^--class-weights: 2 weights given, but this task has 3 classes/],
    ];
    for (const [args, message] of cases) {
      const error = await trainCommand([...base, ...args], () => undefined).then(
        () => null,
        (e: Error) => e,
      );
      expect(error, args.join(' ')).toBeInstanceOf(UsageError);
      expect(error!.message, args.join(' ')).toMatch(message);
    }
  });
});
