import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetMeta, TaskSpec } from '../../../app/dataset/schema';
import type { PhaseProgress } from '../../../app/progress/work-progress';
import {
  inputStats,
  scaleInputs,
  timeSegments,
  valueStats,
  windowsOf,
  type Series,
  type WindowSpec,
} from '../../../app/dataset/windows';
import { importCsvText } from '../../../main/data';
import { prepareWindowedData, readWindowAnchors } from '../../../main/data/prepare-windows';
import { rejection, useTempDir } from './temp-dir';

/**
 * prepareWindowedData walks the series a chunk of rows at a time (issue 19: a time series larger
 * than memory must not be loaded whole). These tests hold it to the whole-series arithmetic of
 * app/dataset/windows.ts (windowsOf, inputStats, valueStats on the series sorted and filled by
 * hand) and to byte-identical files for any chunk size: chunkRows 1, 7 and 64 cut windows at
 * every place, and with the rows out of time order they also go through the ordering bucket files.
 */

const N = 300;
const DAY = 24 * 3600 * 1000;
const dateOf = (t: number) => new Date(Date.UTC(2020, 0, 1) + t * DAY).toISOString().slice(0, 10);

/** The row at time t: a walk around 1e4 (so float32 scaling matters), a volume missing early and now and then. */
function cells(t: number): [string, string, string, string] {
  const price = 1e4 + Math.round(100 * Math.sin(t / 7) + ((t * 37) % 23)) / 4;
  const missingPrice = t % 17 === 9;
  const volume = t < 4 || t % 13 === 5 ? '' : String(1000 + ((t * 53) % 97));
  const other = String(((t * 11) % 31) - 15 + 0.125);
  return [dateOf(t), missingPrice ? '' : String(price), volume, other];
}

/** Time order t = 0..N-1 in a fixed shuffled file order, plus rows without a date. */
const FILE_ORDER = Array.from({ length: N }, (_, t) => t).sort((a, b) => ((a * 7919) % N) - ((b * 7919) % N));
/** The dataset row (0-based line after the header) of each entry of a file order. */
const datasetRows = (order: readonly number[]) => {
  let line = 0;
  return order.map((_, i) => {
    const row = line++;
    if (i % 50 === 10) line++;
    return row;
  });
};
const csvOf = (order: readonly number[]) => {
  const lines = ['date,price,volume,other'];
  order.forEach((t, i) => {
    lines.push(cells(t).join(','));
    if (i % 50 === 10) lines.push(`,${1e4},1,1`); // no time: left out of the series
  });
  return `${lines.join('\n')}\n`;
};

const windowsSpec = (differencing: WindowSpec['differencing'], lookback = 5, horizon = 2): WindowSpec => ({
  timeColumn: 'date',
  lookback,
  horizon,
  differencing,
});
const task = (windows: WindowSpec, testShare = 0.15): TaskSpec => ({
  target: 'price',
  task: 'regression',
  features: ['volume', 'other'],
  timeSeries: windows,
  split: { method: 'time', testShare, seed: 1 },
});

/** The series sorted and filled by hand, as the whole-column version built it. */
function seriesByHand(): { series: Series; times: number[] } {
  const inputs = [1, 2, 3].map(() => new Float64Array(N));
  const carried = [Number.NaN, Number.NaN, Number.NaN];
  let start = -1;
  for (let t = 0; t < N; t++) {
    cells(t)
      .slice(1)
      .forEach((text, f) => {
        if (text !== '') carried[f] = Number(text);
        inputs[f]![t] = carried[f]!;
      });
    if (start < 0 && carried.every((v) => !Number.isNaN(v))) start = t;
  }
  const names = ['price', 'volume', 'other'];
  return {
    series: {
      times: [],
      inputs: inputs.map((values, f) => ({ name: names[f]!, values: values.slice(start) })),
      target: { name: 'price', values: inputs[0]!.slice(start) },
    },
    times: Array.from({ length: N - start }, (_, p) => p + start),
  };
}

const f32 = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('prepareWindowedData in chunks', () => {
  const tmp = useTempDir();

  async function imported(text: string, name: string): Promise<{ meta: DatasetMeta; datasetDir: string }> {
    const meta = await importCsvText({ text, fileName: `${name}.csv`, datasetsDir: join(tmp(), name) });
    return { meta, datasetDir: join(tmp(), name, meta.id) };
  }

  async function filesOf(dir: string): Promise<Record<string, Buffer>> {
    const out: Record<string, Buffer> = {};
    for (const name of (await readdir(dir)).sort()) out[name] = await readFile(join(dir, name));
    return out;
  }

  it.each(['none', 'diff', 'pct'] as const)(
    'writes the same bytes for any chunk size, equal to windowsOf on the whole series (%s)',
    async (differencing) => {
      const windows = windowsSpec(differencing);
      const { meta, datasetDir } = await imported(csvOf(FILE_ORDER), 'shuffled');
      const prepared: Record<string, Buffer>[] = [];
      for (const chunkRows of [undefined, 1, 7, 64]) {
        const outDir = join(tmp(), `out-${chunkRows ?? 'default'}`);
        await prepareWindowedData({
          datasetDir,
          meta,
          taskSpec: task(windows),
          validationSplit: 0.2,
          outDir,
          ...(chunkRows ? { chunkRows } : {}),
        });
        prepared.push(await filesOf(outDir));
      }
      expect(Object.keys(prepared[0]!)).toEqual([
        'preprocessing.json',
        'test-rows.json',
        'validation-rows.json',
        'windows_test.f64',
        'windows_train.f64',
        'windows_val.f64',
        'x_test.f32',
        'x_train.f32',
        'x_val.f32',
        'y_test.f32',
        'y_train.f32',
        'y_val.f32',
      ]);
      for (const other of prepared.slice(1)) expect(other).toEqual(prepared[0]);

      // The whole-series arithmetic, file by file.
      const { series, times } = seriesByHand();
      const segments = timeSegments(series.target.values.length, windows, 0.2, 0.15);
      const sets = segments.map((segment) => windowsOf(series, windows, segment));
      const stats = inputStats(series, windows, segments[0]!);
      const scaling = valueStats(sets[0]!.y);
      const preprocessing = JSON.parse(prepared[0]!['preprocessing.json']!.toString('utf8'));
      expect(preprocessing.features.map((f: { mean: number; std: number }) => [f.mean, f.std])).toEqual(
        stats.map((s) => [s.mean, s.std]),
      );
      expect(preprocessing.targetScaling).toEqual(scaling);
      ['train', 'val', 'test'].forEach((name, s) => {
        const set = sets[s]!;
        expect(prepared[0]![`x_${name}.f32`]).toEqual(f32(scaleInputs(set.x, stats)));
        expect(prepared[0]![`y_${name}.f32`]).toEqual(
          f32(Float32Array.from(set.y, (y) => (y - scaling.mean) / scaling.std)),
        );
      });
      const anchors = await readWindowAnchors(join(tmp(), 'out-7'));
      expect(anchors.validation).toEqual({ last: Array.from(sets[1]!.last), actual: Array.from(sets[1]!.actual) });
      expect(anchors.test).toEqual({ last: Array.from(sets[2]!.last), actual: Array.from(sets[2]!.actual) });
      // The raw row each held-out window forecasts: its line in the file (0-based, rows without a time counted).
      const lines = datasetRows(FILE_ORDER);
      const fileRow = new Map(FILE_ORDER.map((t, i) => [t, lines[i]!]));
      const rowsOf = (set: (typeof sets)[number]) => Array.from(set.targetRow, (p) => fileRow.get(times[p]!));
      expect(JSON.parse(prepared[0]!['validation-rows.json']!.toString('utf8'))).toEqual({
        datasetId: meta.id,
        rows: rowsOf(sets[1]!),
      });
      expect(JSON.parse(prepared[0]!['test-rows.json']!.toString('utf8')).rows).toEqual(rowsOf(sets[2]!));
    },
  );

  it('a file already in time order (streamed as stored) gives the windows of the same rows shuffled', async () => {
    const inOrder = Array.from({ length: N }, (_, t) => t);
    const windows = windowsSpec('diff', 3, 1);
    const outputs: Record<string, Buffer>[] = [];
    for (const [name, order] of [
      ['sorted', inOrder],
      ['shuffled', FILE_ORDER],
    ] as const) {
      const { meta, datasetDir } = await imported(csvOf(order), name);
      for (const chunkRows of [5, 1000]) {
        const outDir = join(tmp(), `${name}-${chunkRows}`);
        await prepareWindowedData({
          datasetDir,
          meta,
          taskSpec: task(windows, 0),
          validationSplit: 0.25,
          outDir,
          chunkRows,
        });
        const files = await filesOf(outDir);
        delete files['validation-rows.json']; // dataset rows differ between the two files
        outputs.push(files);
      }
    }
    for (const other of outputs.slice(1)) expect(other).toEqual(outputs[0]);
  });

  it('names the same row whatever the chunk size: a repeated time, a percent change from 0', async () => {
    const repeated = [...FILE_ORDER];
    repeated.splice(120, 0, 42); // day 42 twice
    const twice = await imported(csvOf(repeated), 'twice');
    const sortedTwice = await imported(csvOf([...Array.from({ length: 43 }, (_, t) => t), 42, 43, 44]), 'sorted-twice');
    for (const chunkRows of [3, 64, 1000]) {
      for (const { meta, datasetDir } of [twice, sortedTwice]) {
        const error = await rejection(
          prepareWindowedData({
            datasetDir,
            meta,
            taskSpec: task(windowsSpec('none', 1, 1), 0),
            validationSplit: 0.2,
            outDir: join(tmp(), 'refused'),
            chunkRows,
          }),
        );
        const order =
          meta.sourceFile === 'twice.csv' ? repeated : [...Array.from({ length: 43 }, (_, t) => t), 42, 43, 44];
        const lines = datasetRows(order);
        const [a, b] = order.flatMap((t, i) => (t === 42 ? [lines[i]! + 1] : []));
        expect(error.message).toBe(
          `Rows ${a} and ${b} of ${meta.sourceFile} have the same time "${dateOf(42)}" in "date". A time series needs one row per time: split a file holding several series (one per ticker, say) into one file each.`,
        );
      }
    }
    const zero = FILE_ORDER.map((t) => t);
    const zeroCsv = csvOf(zero).replace(
      `\n${cells(150).join(',')}\n`,
      `\n${dateOf(150)},${cells(150)[1]},${cells(150)[2]},0\n`,
    );
    const withZero = await imported(zeroCsv, 'zero');
    for (const chunkRows of [4, 1000]) {
      const error = await rejection(
        prepareWindowedData({
          ...withZero,
          taskSpec: task(windowsSpec('pct', 2, 1), 0),
          validationSplit: 0.2,
          outDir: join(tmp(), 'pct'),
          chunkRows,
        }),
      );
      expect(error.message).toBe(
        `Percent change of "other" at ${dateOf(151)} divides by zero: the row before holds 0. Use plain differencing (diff) instead.`,
      );
    }
  });
  it('reports its four phases in order, each to all of its rows, and a cancel stops it and leaves no files', async () => {
    const { meta, datasetDir } = await imported(csvOf(FILE_ORDER), 'progress');
    const seen: PhaseProgress[] = [];
    const outDir = join(tmp(), 'progress-out');
    await prepareWindowedData({
      datasetDir,
      meta,
      taskSpec: task(windowsSpec('diff')),
      validationSplit: 0.2,
      outDir,
      chunkRows: 16,
      onProgress: (p) => seen.push(p),
    });
    const phases = [...new Set(seen.map((p) => p.phase))];
    expect(phases).toEqual([
      'Putting the series in time order',
      'Fitting the statistics on the training rows',
      "Measuring the targets' spread",
      'Writing the windows',
    ]);
    for (const [index, phase] of phases.entries()) {
      const mine = seen.filter((p) => p.phase === phase);
      expect(
        mine.every((p) => p.index === index && p.phases === 4 && p.unit === 'rows'),
        phase,
      ).toBe(true);
      expect(mine[0]!.done, phase).toBe(0);
      expect(mine.at(-1)!.done, phase).toBe(mine.at(-1)!.total);
      // Every pass over the series counts up chunk by chunk, not in one jump.
      expect(mine.length, phase).toBeGreaterThan(3);
    }

    // Cancelled while the series (out of time order) is put in order, or once the windows are
    // being written: the preparation fails with the signal's reason, and neither its output files
    // nor its scratch folder remain.
    for (const [name, when] of [
      ['ordering', (p: PhaseProgress) => p.index === 0 && p.done > 0],
      ['writing', (p: PhaseProgress) => p.phase === 'Writing the windows' && p.done > 0],
    ] as const) {
      const controller = new AbortController();
      const cancelledDir = join(tmp(), `cancelled-${name}`);
      await expect(
        prepareWindowedData({
          datasetDir,
          meta,
          taskSpec: task(windowsSpec('diff')),
          validationSplit: 0.2,
          outDir: cancelledDir,
          chunkRows: 16,
          signal: controller.signal,
          onProgress: (p) => {
            if (when(p)) controller.abort(new Error(`stopped while ${name}`));
          },
        }),
      ).rejects.toThrow(`stopped while ${name}`);
      expect(await readdir(cancelledDir), name).toEqual([]);
    }
  });
});
