import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../../app/dataset/schema';
import { importCsvText } from '../../../main/data';
import { prepareWindowedData, readWindowAnchors } from '../../../main/data/prepare-windows';
import { computeBaseline, forecastReport } from '../../../main/services/baseline';
import { readF32, rejection, useTempDir } from './temp-dir';

/**
 * The 8-day series of tests/unit/app/windows.test.ts as a CSV whose rows are NOT in time order
 * (sorting is part of the job), plus a day 9..12 so that a 0.25 validation share leaves whole
 * windows on both sides: rows sorted, 12 days, training days 1..9, validation days 10..12.
 */
const DAYS: [string, number, number][] = [
  ['2024-01-03', 11, 3],
  ['2024-01-01', 10, 1],
  ['2024-01-02', 12, 2],
  ['2024-01-05', 14, 5],
  ['2024-01-04', 15, 4],
  ['2024-01-06', 18, 6],
  ['2024-01-08', 19, 8],
  ['2024-01-07', 20, 7],
  ['2024-01-09', 17, 9],
  ['2024-01-10', 21, 10],
  ['2024-01-11', 22, 11],
  ['2024-01-12', 25, 12],
];
const csv = (days = DAYS) => `date,price,volume\n${days.map((d) => d.join(',')).join('\n')}\n`;
const spec = (differencing: 'none' | 'diff', lookback = 2): TaskSpec => ({
  target: 'price',
  task: 'regression',
  timeSeries: { timeColumn: 'date', lookback, horizon: 1, differencing },
});

describe('prepareWindowedData', () => {
  const tmp = useTempDir();

  async function prepare(text: string, taskSpec: TaskSpec, name = 'out') {
    const meta = await importCsvText({ text, fileName: 'prices.csv', datasetsDir: tmp() });
    const outDir = join(tmp(), name);
    const data = await prepareWindowedData({
      datasetDir: join(tmp(), meta.id),
      meta,
      taskSpec,
      validationSplit: 0.25,
      outDir,
    });
    return { data, outDir, meta };
  }

  it('sorts by the time column, splits in time order and writes [windows, lookback, features] scaled with training statistics', async () => {
    const { data, outDir } = await prepare(csv(), spec('none'));
    expect(data).toMatchObject({ inputWidth: 4, inputShape: [2, 2], outputWidth: 1, trainRows: 7, valRows: 1 });
    expect(data.preprocessing.windows).toEqual({
      timeColumn: 'date',
      lookback: 2,
      horizon: 1,
      differencing: 'none',
      inputs: ['price', 'volume'],
    });
    // Training rows are days 1..9 (prices 10 12 11 15 14 18 20 19 17, volume 1..9): their own mean and std.
    const trainPrices = [10, 12, 11, 15, 14, 18, 20, 19, 17];
    const mean = trainPrices.reduce((a, b) => a + b, 0) / 9;
    const std = Math.sqrt(trainPrices.reduce((a, p) => a + (p - mean) ** 2, 0) / 9);
    const [price, volume] = data.preprocessing.features as unknown as [
      { mean: number; std: number },
      { mean: number; std: number },
    ];
    expect(price.mean).toBeCloseTo(mean, 10);
    expect(price.std).toBeCloseTo(std, 10);
    expect(volume.mean).toBeCloseTo(5, 10);
    // Training windows end on days 2..8 and predict days 3..9; the one validation window reads days 10, 11 and predicts day 12.
    const xTrain = await readF32(join(outDir, 'x_train.f32'));
    expect(
      xTrain
        .slice(0, 4)
        .map((v, i) => v * (i % 2 === 0 ? price.std : volume.std) + (i % 2 === 0 ? price.mean : volume.mean)),
    ).toEqual([10, 1, 12, 2].map((v) => expect.closeTo(v, 4)));
    const yTrain = (await readF32(join(outDir, 'y_train.f32'))).map(
      (y) => y * data.preprocessing.targetScaling!.std + data.preprocessing.targetScaling!.mean,
    );
    [11, 15, 14, 18, 20, 19, 17].forEach((v, i) => expect(yTrain[i]).toBeCloseTo(v, 4));
    const xVal = await readF32(join(outDir, 'x_val.f32'));
    expect(xVal[0]! * price.std + price.mean).toBeCloseTo(21, 4);
    expect(xVal[2]! * price.std + price.mean).toBeCloseTo(22, 4);
    expect(await readWindowAnchors(outDir)).toEqual({
      train: { last: [12, 11, 15, 14, 18, 20, 19], actual: [11, 15, 14, 18, 20, 19, 17] },
      validation: { last: [22], actual: [25] },
    });
    // The raw row each validation window forecasts: day 12 is the 12th line of the file.
    expect(JSON.parse(await readFile(join(outDir, 'validation-rows.json'), 'utf8')).rows).toEqual([11]);
  });

  it('no leakage: a spike in the validation rows changes no statistic the model is scaled with', async () => {
    const spiked = DAYS.map(([d, p, v], i): [string, number, number] => (i >= 9 ? [d, p * 1000, v * 1000] : [d, p, v]));
    const a = await prepare(csv(), spec('diff', 1), 'a');
    const b = await prepare(csv(spiked), spec('diff', 1), 'b');
    expect(b.data.preprocessing.features).toEqual(a.data.preprocessing.features);
    expect(b.data.preprocessing.targetScaling).toEqual(a.data.preprocessing.targetScaling);
    expect(await readF32(join(b.outDir, 'x_train.f32'))).toEqual(await readF32(join(a.outDir, 'x_train.f32')));
  });

  it('the naive last-value baseline of the run equals the hand computation, in the target’s units', async () => {
    // lookback 1, no differencing: validation days 10..12 give windows 10→11 and 11→12: |22−21| and |25−22|.
    const { data } = await prepare(csv(), spec('none', 1));
    const baseline = await computeBaseline(data, 'meanSquaredError');
    expect(baseline?.kind).toBe('last_value');
    expect(baseline?.val_mae).toBeCloseTo((1 + 3) / 2, 4);
    expect(baseline?.val_loss).toBeCloseTo((1 + 9) / 2, 3);
    // Training windows 1→2 … 8→9: |2|+|1|+|4|+|1|+|4|+|2|+|1|+|2| = 17 over 8.
    expect(baseline?.mae).toBeCloseTo(17 / 8, 4);
    // With differencing the naive forecast is "no change", in price units again; day 10's change
    // would need day 9, across the boundary, so the one validation window is day 11 → 12: |25 − 22|.
    const diffed = await computeBaseline((await prepare(csv(), spec('diff', 1), 'd')).data);
    expect(diffed?.val_mae).toBeCloseTo(3, 4);
  });

  it('scores a forecaster in the target’s units, percent change undone with each window’s last value', async () => {
    // lookback 1, pct: the validation windows are day 11 → 12 only (day 10's change needs day 9): last 22, actual 25.
    const { data, outDir } = await prepare(
      csv(),
      { ...spec('diff', 1), timeSeries: { timeColumn: 'date', lookback: 1, horizon: 1, differencing: 'pct' } },
      'pct',
    );
    expect(await readWindowAnchors(outDir)).toMatchObject({ validation: { last: [22], actual: [25] } });
    // An engine whose model predicts +10% (in the target's relative units, as evaluate returns them): 22 × 1.1 = 24.2.
    const engine = {
      evaluate: async () => ({ outputs: [[0.1]], targets: [25 / 22 - 1], rows: [0], valRows: 1, capped: false }),
    };
    const report = await forecastReport(engine, join(outDir, 'model'), data);
    expect(report).toMatchObject({ time_column: 'date', lookback: 1, horizon: 1, differencing: 'pct', val_windows: 1 });
    expect(report?.model_val_mae).toBeCloseTo(25 - 24.2, 10);
    expect(report?.baseline_val_mae).toBeCloseTo(3, 10);
  });

  it('scores every validation window a chunk at a time with the same sums as all at once', async () => {
    // lookback 1, no differencing: validation days 10..12 give the windows 10 → 11 and 11 → 12.
    const { data, outDir } = await prepare(csv(), spec('none', 1), 'chunks');
    expect(data.valRows).toBe(2);
    // An engine that forecasts each window's own first input (its scaled price): what it returns
    // depends on the x rows it is given, so a chunk folder holding the wrong rows changes the sums.
    const seen: number[] = [];
    const engine = {
      evaluate: async (request: { data: { dir: string; inputWidth: number }; maxRows: number }) => {
        const x = await readF32(join(request.data.dir, 'x_val.f32'));
        seen.push(request.maxRows);
        const outputs = Array.from({ length: request.maxRows }, (_, w) => [x[w * request.data.inputWidth]!]);
        return { outputs, targets: [], rows: [], valRows: request.maxRows, capped: false };
      },
    };
    const whole = await forecastReport(engine, join(outDir, 'model'), data);
    expect(seen).toEqual([data.valRows]);
    seen.length = 0;
    expect(await forecastReport(engine, join(outDir, 'model'), data, { chunkRows: 1 })).toEqual(whole);
    expect(seen).toEqual([1, 1]);
    // Hand computation: |x₀ − actual| (no differencing: the forecast is the value itself) over the windows.
    const xVal = await readF32(join(outDir, 'x_val.f32'));
    const anchors = await readWindowAnchors(outDir);
    const mae =
      anchors.validation.actual.reduce((sum, actual, w) => sum + Math.abs(xVal[w * data.inputWidth]! - actual), 0) /
      data.valRows;
    expect(whole?.model_val_mae).toBeCloseTo(mae, 10);
    // The chunks' folders are scratch: nothing is left beside the prepared files.
    expect((await readdir(outDir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('a test share takes the latest rows after validation; a random split is refused for windows', async () => {
    const split = { method: 'time' as const, testShare: 0.25, seed: 1 };
    // 12 days: training 1..6, validation 7..9, test 10..12; lookback 1 gives 2 windows in each held-out part.
    const { data, outDir } = await prepare(csv(), { ...spec('none', 1), split }, 'test');
    expect(data).toMatchObject({ trainRows: 5, valRows: 2, testRows: 2 });
    expect(await readWindowAnchors(outDir)).toMatchObject({
      validation: { last: [20, 19], actual: [19, 17] },
      test: { last: [21, 22], actual: [22, 25] },
    });
    expect(await readF32(join(outDir, 'y_test.f32'))).toHaveLength(2);
    const refused = await rejection(
      prepare(csv(), { ...spec('none', 1), split: { ...split, method: 'random' } }, 'random'),
    );
    expect(refused.message).toBe(
      'Time-series windows are split in time order (training, then validation, then test), so a random split does not apply; choose the time split.',
    );
  });

  it('names the row when the time column has a duplicate or a value that is not a date', async () => {
    const duplicate = [...DAYS.slice(0, 11), ['2024-01-03', 30, 13] as [string, number, number]];
    expect((await rejection(prepare(csv(duplicate), spec('none')))).message).toMatch(
      /^Rows 1 and 12 of prices.csv have the same time "2024-01-03" in "date"\. A time series needs one row per time/,
    );
    const longest = `date,price,volume\n${DAYS.map((d, i) => (i === 4 ? ['someday', d[1], d[2]] : d).join(',')).join('\n')}\n`;
    const error = await rejection(prepare(longest, spec('none')));
    // One stray text makes the column text, not dates: refused before any row is read.
    expect(error.message).toMatch(
      /time column "date" holds neither dates nor numbers|"someday" in the time column "date"/,
    );
  });
});
