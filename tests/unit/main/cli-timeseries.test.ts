import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../main/cli/cli-error';
import { trainCommand } from '../../../main/cli/train-command';
import { layerlab } from './run-layerlab';

let tmp: string;
let csvFile: string;
/** The series in time order, as written to the CSV (rounded), for the hand computation. */
let series: number[];

const DAYS = 160;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-timeseries-'));
  // A random walk whose daily change follows the day before's (change = 0.7 × previous + noise):
  // the naive "last value" misses that, so a model that learns it should do better.
  let state = 7;
  const random = () => ((state = (state * 16807) % 2147483647) - 1) / 2147483646;
  let value = 100;
  let change = 0;
  series = [];
  const lines: string[] = [];
  for (let d = 0; d < DAYS; d++) {
    change = 0.7 * change + (random() - 0.5);
    value += change;
    const rounded = Number(value.toFixed(4));
    series.push(rounded);
    lines.push(`${new Date(Date.UTC(2023, 0, 1 + d)).toISOString().slice(0, 10)},${rounded}`);
  }
  // Newest first, as many price downloads are: the rows must be put in time order by the date.
  csvFile = path.join(tmp, 'walk.csv');
  await writeFile(csvFile, `day,value\n${lines.reverse().join('\n')}\n`);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('layerlab train --time-column: a forecaster from the CLI', () => {
  it('on its defaults (only --time-column) forecasts changes with a linear autoregression and beats the naive last value', async () => {
    const out = path.join(tmp, 'defaults');
    const run = await layerlab(['train', '--data', csvFile, '--target', 'value', '--time-column', 'day', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.forecast).toMatchObject({ differencing: 'diff', lookback: 10 });
    expect(metrics.config).toMatchObject({
      epochs: expect.any(Number),
      batchSize: 32,
      earlyStopping: { monitor: 'val_loss', restoreBestWeights: true },
    });
    expect(
      JSON.stringify(JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8')).modelTopology),
    ).not.toContain('LSTM');
    // Both MAEs in the target's units, side by side in final as in forecast.
    expect(metrics.final.val_mae).toBe(metrics.forecast.model_val_mae);
    expect(metrics.final.baseline_val_mae).toBe(metrics.forecast.baseline_val_mae);
    expect(metrics.forecast.model_val_mae).toBeLessThan(metrics.forecast.baseline_val_mae);
  });

  it('trains the lstm template on windows and reports it beside the naive last value, in the target’s units', async () => {
    const out = path.join(tmp, 'lstm');
    const run = await layerlab(
      ['train', '--data', csvFile, '--target', 'value', '--time-column', 'day', '--lookback', '4', '--horizon', '1', '--differencing', 'diff',
        '--template', 'lstm', '--epochs', '8', '--batch-size', '16', '--learning-rate', '0.01', '--validation-split', '0.25', '--seed', '3', '--out', out],
      { LAYERLAB_BACKEND: 'wasm' },
    ); // prettier-ignore
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Validation is the last 40 days; their first change needs day 120 and a window 4 changes, so
    // windows end on days 124..158 (0-based) and forecast the next day: 35 of them.
    const windows = Array.from({ length: 35 }, (_, w) => 124 + w);
    const naive = windows.reduce((sum, t) => sum + Math.abs(series[t + 1]! - series[t]!), 0) / windows.length;
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.final.baseline_val_mae).toBeCloseTo(naive, 9);
    expect(metrics.forecast).toMatchObject({
      time_column: 'day',
      lookback: 4,
      horizon: 1,
      differencing: 'diff',
      val_windows: 35,
    });
    expect(metrics.forecast.baseline_val_mae).toBeCloseTo(naive, 9);
    // With plain differencing a change's error is the value's error: the epoch's val_mae is in the
    // target's units too, and the forecast's MAE (differencing undone) is the same number.
    expect(metrics.forecast.model_val_mae).toBeCloseTo(metrics.final.val_mae, 3);
    const verdict = metrics.forecast.model_val_mae < naive ? 'beats' : 'does not beat';
    expect(run.stdout).toContain(
      `Forecast 1 step(s) ahead on 35 validation windows: MAE ${metrics.forecast.model_val_mae.toPrecision(4)} ${verdict} the naive last value's ${naive.toPrecision(4)} ("value" units).`,
    );
    // The change carries over from day to day, which the naive forecast ignores and the LSTM learns.
    expect(metrics.forecast.model_val_mae).toBeLessThan(naive);
    // The exported model reads (lookback, features) windows, and preprocessing.json says how to build them.
    const model = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    expect(JSON.stringify(model.modelTopology)).toContain('"batch_input_shape":[null,4,1]');
    const pre = JSON.parse(await readFile(path.join(out, 'preprocessing.json'), 'utf8'));
    expect(pre.windows).toEqual({
      timeColumn: 'day',
      lookback: 4,
      horizon: 1,
      differencing: 'diff',
      inputs: ['value'],
    });
  }, 180_000);

  it('refuses incomplete or impossible window flags with a message naming the flag', async () => {
    const base = ['--data', csvFile, '--target', 'value', '--out', path.join(tmp, 'x')];
    const cases: Array<[string[], RegExp]> = [
      [['--lookback', '5'], /^--lookback needs --time-column COLUMN/],
      [
        ['--time-column', 'day', '--differencing', 'log'],
        /^--differencing must be one of none, diff, pct, not "log"\./,
      ],
      [['--time-column', 'day', '--lookback', '0'], /^--lookback: lookback must be at least 1 row\./],
      [['--time-column', 'day', '--horizon', '2.5'], /^--horizon: /],
      [
        ['--time-column', 'day', '--task', 'classification'],
        /^--time-column trains a forecaster, which is a regression/,
      ],
    ];
    for (const [flags, message] of cases) {
      const error = await trainCommand([...base, ...flags], () => {}).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, flags.join(' ')).toBeInstanceOf(UsageError);
      expect((error as Error).message, flags.join(' ')).toMatch(message);
    }
  });
});
