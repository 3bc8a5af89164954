import { describe, expect, it } from 'vitest';
import type { DatasetMeta, TaskSpec } from '../../../app/dataset/schema';
import { taskShape } from '../../../app/dataset/task';
import {
  inputStats,
  naiveForecast,
  naiveMae,
  rowsPerWindow,
  scaleInputs,
  timeSegments,
  undoDifferencing,
  windowInputColumns,
  windowsOf,
  type Series,
  type WindowSpec,
} from '../../../app/dataset/windows';
import { UserError } from '../../../app/ipc/errors';

/** Eight days of a price and a volume, the tiny series every window below is checked against by hand. */
const PRICE = [10, 12, 11, 15, 14, 18, 20, 19];
const VOLUME = [1, 2, 3, 4, 5, 6, 7, 8];
function tiny(price = PRICE, volume = VOLUME): Series {
  return {
    times: price.map((_, i) => `2024-01-0${i + 1}`),
    inputs: [
      { name: 'price', values: Float64Array.from(price) },
      { name: 'volume', values: Float64Array.from(volume) },
    ],
    target: { name: 'price', values: Float64Array.from(price) },
  };
}
const spec = (differencing: WindowSpec['differencing'], lookback = 3, horizon = 1): WindowSpec => ({
  timeColumn: 'date',
  lookback,
  horizon,
  differencing,
});
const whole = { start: 0, end: 8 };

function windowsAsRows(x: Float64Array, lookback: number, features: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < x.length; i += lookback * features) out.push(Array.from(x.subarray(i, i + lookback * features)));
  return out;
}

describe('time-series windows, by hand on an 8-row series', () => {
  it('lookback 3, horizon 1, no differencing: x is rows t-2..t (price, volume), y is the price at t+1', () => {
    const set = windowsOf(tiny(), spec('none'), whole);
    expect(set.count).toBe(5);
    expect(windowsAsRows(set.x, 3, 2)).toEqual([
      [10, 1, 12, 2, 11, 3],
      [12, 2, 11, 3, 15, 4],
      [11, 3, 15, 4, 14, 5],
      [15, 4, 14, 5, 18, 6],
      [14, 5, 18, 6, 20, 7],
    ]);
    expect(Array.from(set.y)).toEqual([15, 14, 18, 20, 19]);
    expect(Array.from(set.last)).toEqual([11, 15, 14, 18, 20]);
    expect(Array.from(set.targetRow)).toEqual([3, 4, 5, 6, 7]);
    // The naive forecast is the last value; its MAE: |15−11| + |14−15| + |18−14| + |20−18| + |19−20| = 12, over 5.
    expect(Array.from(naiveForecast(set, 'none'))).toEqual([11, 15, 14, 18, 20]);
    expect(naiveMae(set)).toBeCloseTo(2.4, 12);
  });

  it('with differencing: each row is its change from the row before, y the change from the last row to t+1', () => {
    const set = windowsOf(tiny(), spec('diff'), whole);
    // Changes of price: row1 +2, row2 −1, row3 +4, row4 −1, row5 +4, row6 +2, row7 −1; volume +1 each.
    expect(set.count).toBe(4);
    expect(windowsAsRows(set.x, 3, 2)).toEqual([
      [2, 1, -1, 1, 4, 1],
      [-1, 1, 4, 1, -1, 1],
      [4, 1, -1, 1, 4, 1],
      [-1, 1, 4, 1, 2, 1],
    ]);
    expect(Array.from(set.y)).toEqual([-1, 4, 2, -1]);
    expect(Array.from(set.last)).toEqual([15, 14, 18, 20]);
    // Naive is "no change" (0); undone it is the last value again, and errors are the same in price units.
    expect(Array.from(naiveForecast(set, 'diff'))).toEqual([0, 0, 0, 0]);
    expect(Array.from(set.y, (y, w) => undoDifferencing(y, set.last[w]!, 'diff'))).toEqual([14, 18, 20, 19]);
    expect(naiveMae(set)).toBeCloseTo((1 + 4 + 2 + 1) / 4, 12);
  });

  it('with percent change: relative changes, undone by last × (1 + change)', () => {
    const set = windowsOf(tiny(), spec('pct'), whole);
    expect(set.count).toBe(4);
    const first = windowsAsRows(set.x, 3, 2)[0]!;
    // Rows 1..3: price 12/10−1 = 0.2, 11/12−1, 15/11−1; volume 2/1−1 = 1, 3/2−1 = 0.5, 4/3−1.
    [0.2, 1, 11 / 12 - 1, 0.5, 15 / 11 - 1, 4 / 3 - 1].forEach((v, i) => expect(first[i]).toBeCloseTo(v, 12));
    expect(set.y[0]).toBeCloseTo(14 / 15 - 1, 12);
    expect(undoDifferencing(set.y[0]!, set.last[0]!, 'pct')).toBeCloseTo(14, 10);
    // A zero before a relative change names the column and the time.
    const zero = tiny([10, 0, 11, 15, 14, 18, 20, 19]);
    expect(() => windowsOf(zero, spec('pct'), whole)).toThrow(/"price" at 2024-01-03 divides by zero/);
  });

  it('horizon 2 predicts two rows after the window, and the smallest window needs lookback + horizon (+1 differenced) rows', () => {
    const set = windowsOf(tiny(), spec('none', 3, 2), whole);
    expect(Array.from(set.y)).toEqual([14, 18, 20, 19]);
    expect(Array.from(set.last)).toEqual([11, 15, 14, 18]);
    expect(rowsPerWindow(spec('none', 3, 2))).toBe(5);
    expect(rowsPerWindow(spec('diff', 3, 2))).toBe(6);
    expect(windowsOf(tiny(), spec('none', 3, 2), { start: 0, end: 5 }).count).toBe(1);
    expect(windowsOf(tiny(), spec('none', 3, 2), { start: 0, end: 4 }).count).toBe(0);
  });
});

describe('time-ordered splits', () => {
  it('training, then validation, then test, and no window crosses a boundary', () => {
    const s = spec('none');
    const segments = timeSegments(20, s, 0.25, 0.2);
    expect(segments).toEqual([
      { name: 'training', start: 0, end: 11 },
      { name: 'validation', start: 11, end: 16 },
      { name: 'test', start: 16, end: 20 },
    ]);
    const series = tiny(
      Array.from({ length: 20 }, (_, i) => 100 + i),
      Array.from({ length: 20 }, (_, i) => i),
    );
    series.times = Array.from({ length: 20 }, (_, i) => `t${i}`);
    for (const segment of segments) {
      const set = windowsOf(series, s, segment);
      expect(set.count, segment.name).toBe(segment.end - segment.start - 3);
      // Every input row and every target row of the segment's windows lies inside it.
      for (let w = 0; w < set.count; w++) {
        const rows = [0, 1, 2].map((k) => set.x[w * 6 + k * 2 + 1]!); // the volume column is the row index
        for (const r of [...rows, set.targetRow[w]!])
          expect(r >= segment.start && r < segment.end, `${segment.name} window ${w} row ${r}`).toBe(true);
      }
    }
  });

  it('refuses a part too short for one window, saying what to change', () => {
    expect(() => timeSegments(20, spec('diff', 5, 1), 0.2)).toThrow(UserError);
    expect(() => timeSegments(20, spec('diff', 5, 1), 0.2)).toThrow(
      /validation part of the series has 4 rows, but one window of lookback 5 and horizon 1 with differencing needs 7/,
    );
    expect(() => timeSegments(20, spec('none'), 0.5, 0.5)).toThrow(/test share/);
  });

  it('scaling statistics come from the training rows only: changing validation rows leaves them as they were', () => {
    const prices = Array.from({ length: 20 }, (_, i) => 100 + Math.sin(i) * 5);
    const spiked = prices.map((p, i) => (i >= 15 ? p * 1000 : p));
    const segments = timeSegments(20, spec('diff'), 0.25);
    const a = inputStats(tiny(prices, prices), spec('diff'), segments[0]!);
    const b = inputStats(tiny(spiked, spiked), spec('diff'), segments[0]!);
    expect(b).toEqual(a);
    // And they are the training rows' own: changes of rows 1..14, by hand.
    const changes = prices.slice(1, 15).map((p, i) => p - prices[i]!);
    const mean = changes.reduce((x, y) => x + y, 0) / changes.length;
    expect(a[0]!.mean).toBeCloseTo(mean, 12);
    expect(a[0]!.std).toBeCloseTo(Math.sqrt(changes.reduce((x, c) => x + (c - mean) ** 2, 0) / changes.length), 12);
    expect(
      Array.from(scaleInputs(Float64Array.from([a[0]!.mean + a[0]!.std, 3]), [a[0]!, { mean: 1, std: 2 }])),
    ).toEqual([1, 1]);
  });
});

describe('window columns and the task shape', () => {
  const column = (name: string, kind: 'numeric' | 'categorical' | 'ignored', type?: 'datetime') => ({
    name,
    kind,
    ...(type ? { type } : {}),
    missing: 0,
    unique: 5,
    ...(kind === 'categorical' ? { categories: ['a', 'b'] } : {}),
  });
  const meta: DatasetMeta = {
    id: 'd',
    name: 'prices',
    sourceFile: 'prices.csv',
    rows: 100,
    columns: [
      column('date', 'ignored', 'datetime'),
      column('close', 'numeric'),
      column('volume', 'numeric'),
      column('sector', 'categorical'),
    ],
    preview: [],
    importedAt: '2024-01-01T00:00:00Z',
  };
  const taskSpec = (extra: Partial<TaskSpec> = {}): TaskSpec => ({
    target: 'close',
    task: 'regression',
    timeSeries: { timeColumn: 'date', lookback: 30, horizon: 5, differencing: 'diff' },
    ...extra,
  });

  it('the target first, then the other numeric columns; the Input is [lookback, features]', () => {
    expect(windowInputColumns(meta, taskSpec(), taskSpec().timeSeries!)).toEqual(['close', 'volume']);
    expect(taskShape(meta, taskSpec())).toMatchObject({
      inputWidth: 60,
      inputShape: [30, 2],
      labels: null,
      head: { units: 1, activation: 'linear' },
    });
  });

  it('names the column when the choice cannot work', () => {
    const ts = taskSpec().timeSeries!;
    expect(() => windowInputColumns(meta, taskSpec({ features: ['sector'] }), ts)).toThrow(
      /feature "sector" is not numeric/,
    );
    expect(() => windowInputColumns(meta, taskSpec({ task: 'classification' }), ts)).toThrow(
      /set the task to regression/,
    );
    expect(() => windowInputColumns(meta, taskSpec(), { ...ts, timeColumn: 'sector' })).toThrow(
      /time column "sector" holds neither dates nor numbers/,
    );
    expect(() => windowInputColumns(meta, taskSpec(), { ...ts, timeColumn: 'when' })).toThrow(
      /time column "when" is not in prices.csv/,
    );
    expect(() => windowInputColumns(meta, taskSpec({ target: 'date' }), ts)).toThrow(
      /both the time column and the target/,
    );
  });
});
