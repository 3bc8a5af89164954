import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Preprocessing, type DatasetMeta, type FeatureEncoding, type TaskSpec } from '../../../app/dataset/schema';
import { encodeRawRows, importCsvText, prepareTrainingData } from '../../../main/data';
import { SPLIT_FILE } from '../../../main/data/split-file';
import { randomSplit, stratifiedSplit, timeSplit, type SplitRows } from '../../../main/data/splits';

/** split.json's lists as JSON.parse gives them. */
interface StoredRows {
  train: number[];
  validation: number[];
  test: number[];
}
/** A split's typed lists as the arrays split.json holds. */
const stored = (split: SplitRows): StoredRows => ({
  train: Array.from(split.train),
  validation: Array.from(split.validation),
  test: Array.from(split.test),
});
import { readF32, useTempDir } from './temp-dir';

/**
 * prepareTrainingData reads the stored columns a chunk of rows at a time (issue 19: a 10M-row
 * table must not be loaded whole). These tests hold it to what whole columns give: the same split
 * as the split functions on every row, statistics equal to ones computed by hand over whole
 * columns, and byte-identical files whatever the chunk size (chunkRows 7 also makes every
 * split's matrix go through its bucket files in pieces).
 */

const N = 500;
const COLORS = ['red', 'red', 'red', 'blue', 'blue', 'green'];
const HEADER = ['id', 'num', 'med', 'mf', 'mm', 'color', 'city', 'when', 'drop', 'label', 'price'];

function rawRow(r: number): Record<string, string> {
  return {
    id: String(r),
    // Around 1e6 with a spread of ~25: a naive sum of squares would lose the std's digits.
    num: r % 7 === 3 ? '' : String(1e6 + ((r * 37) % 101) * 0.25),
    med: r % 11 === 5 ? '' : String((r * 13) % 29),
    mf: r % 9 === 2 ? '' : String((r * 5) % 4),
    mm: String((r % 50) - 10),
    color: r % 10 === 0 ? '' : r % 37 === 0 ? 'pink' : (COLORS[r % COLORS.length] ?? ''),
    city: `c${(r * 7) % 23}`,
    when:
      // Missing only where the price is (rows a time split of the price never sees).
      r % 19 === 4
        ? ''
        : `2024-0${1 + (r % 9)}-${10 + ((r * 3) % 18)} ${String((r * 5) % 24).padStart(2, '0')}:${String(r % 60).padStart(2, '0')}`,
    drop: r % 13 === 6 ? '' : String(r),
    label: r % 17 === 1 ? '' : r % 3 === 0 ? 'yes' : 'no',
    price: r % 19 === 4 ? '' : String(100 + r * 2 + (r % 5)),
  };
}
const CSV = [HEADER.join(','), ...Array.from({ length: N }, (_, r) => HEADER.map((h) => rawRow(r)[h]).join(','))].join(
  '\n',
);
const ALL_ROWS = Array.from({ length: N }, (_, r) => r);
const present = (r: number, name: string) => (rawRow(r)[name] ?? '') !== '';

/** Every choice that keeps statistics: mean, median, most frequent, minmax, capped one-hot, ordinal, dates, dropped rows. */
const CLASSIFY: TaskSpec = {
  target: 'label',
  task: 'classification',
  features: ['num', 'med', 'mf', 'mm', 'color', 'city', 'when', 'drop'],
  columns: {
    med: { missing: 'median' },
    mf: { missing: 'mostFrequent' },
    mm: { scaling: 'minmax' },
    color: { maxCategories: 2, missing: 'mostFrequent' },
    city: { maxCategories: 5, encoding: 'ordinal' },
    when: { missing: 'median' },
    drop: { missing: 'drop' },
  },
  split: { method: 'stratified', testShare: 0.2, seed: 5 },
};
const REGRESS: TaskSpec = {
  target: 'price',
  task: 'regression',
  features: ['num', 'med', 'drop'],
  columns: { drop: { missing: 'drop' } },
  split: { method: 'time', testShare: 0.15, column: 'when', seed: 1 },
};
/** No split in the spec: a random one seeded by the run's seed, as runs made before test splits. */
const PLAIN: TaskSpec = { target: 'label', task: 'classification', features: ['num', 'color'] };

/** Population mean and std in two passes, by hand. */
function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
}
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
function mostFrequent(values: number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
}
/** Equal to float precision (relative 1e-9). */
function expectNear(actual: number | undefined, expected: number, what: string): void {
  expect(actual, what).toBeDefined();
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    1e-9 * Math.max(1, Math.abs(expected)),
  );
}

describe('prepareTrainingData a chunk of rows at a time', () => {
  const tmp = useTempDir();

  async function setup(): Promise<{ meta: DatasetMeta; datasetDir: string }> {
    const meta = await importCsvText({ text: CSV, fileName: 'chunks.csv', datasetsDir: tmp() });
    return { meta, datasetDir: join(tmp(), meta.id) };
  }

  /** Prepare with a fresh split (split.json removed first) into out/<name>; every file it wrote, by name. */
  async function prepareFresh(
    dataset: { meta: DatasetMeta; datasetDir: string },
    taskSpec: TaskSpec,
    name: string,
    chunkRows?: number,
  ) {
    await rm(join(dataset.datasetDir, SPLIT_FILE), { force: true });
    const outDir = join(tmp(), 'out', name);
    const data = await prepareTrainingData({
      ...dataset,
      taskSpec,
      validationSplit: 0.25,
      seed: 42,
      outDir,
      ...(chunkRows === undefined ? {} : { chunkRows }),
    });
    const files = new Map<string, Buffer>();
    for (const file of (await readdir(outDir)).sort()) files.set(file, await readFile(join(outDir, file)));
    const split = JSON.parse(await readFile(join(dataset.datasetDir, SPLIT_FILE), 'utf8')) as StoredRows;
    return { data, files, split, outDir };
  }

  it.each([
    ['a stratified split with a test share and every choice', CLASSIFY],
    ['a time split of a regression target', REGRESS],
    ['the default random split', PLAIN],
  ])('writes the same bytes in chunks of 7 rows as in one chunk: %s', async (_, spec) => {
    const dataset = await setup();
    const whole = await prepareFresh(dataset, spec, 'whole');
    const chunked = await prepareFresh(dataset, spec, 'chunked', 7);
    expect(chunked.split).toEqual(whole.split);
    expect([...chunked.files.keys()]).toEqual([...whole.files.keys()]);
    for (const [file, bytes] of whole.files) expect(chunked.files.get(file)?.equals(bytes), file).toBe(true);
    expect(chunked.data).toEqual({ ...whole.data, dir: chunked.outDir });
    // The bucket files are scratch: nothing is left beside the prepared files.
    expect([...chunked.files.keys()].filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('splits exactly as the split functions do on whole columns', async () => {
    const dataset = await setup();
    const labelled = ALL_ROWS.filter((r) => present(r, 'label'));
    const classOf = (r: number) => (rawRow(r)['label'] === 'no' ? 0 : 1);
    const stratified = await prepareFresh(dataset, CLASSIFY, 'stratified', 7);
    expect(stratified.split).toMatchObject(
      stored(stratifiedSplit(labelled, classOf, { validation: 0.25, test: 0.2 }, 5)),
    );
    const random = await prepareFresh(dataset, PLAIN, 'random', 7);
    expect(random.split).toMatchObject(stored(randomSplit(labelled, { validation: 0.25, test: 0 }, 42)));
    const priced = ALL_ROWS.filter((r) => present(r, 'price'));
    const time = (r: number) => {
      const when = rawRow(r)['when'] ?? '';
      // The split orders by the hour (minutes are below its resolution).
      return when ? Date.parse(`${when.slice(0, 13).replace(' ', 'T')}:00Z`) : Number.NaN;
    };
    const describe = (r: number) => `row ${r}`;
    const byTime = await prepareFresh(dataset, REGRESS, 'time', 7);
    expect(byTime.split).toMatchObject(stored(timeSplit(priced, time, { validation: 0.25, test: 0.15 }, describe)));
    expect(byTime.split.test.length).toBeGreaterThan(0);
  });

  it('fits every statistic on the training rows equal to whole-column statistics computed by hand', async () => {
    const dataset = await setup();
    const { data, split, outDir } = await prepareFresh(dataset, CLASSIFY, 'fit', 7);
    // "drop" drops its missing rows from every split after the split.
    const train = split.train.filter((r) => present(r, 'drop'));
    expect(data.trainRows).toBe(train.length);
    const values = (name: string) => train.filter((r) => present(r, name)).map((r) => Number(rawRow(r)[name]));
    const feature = (name: string) => data.preprocessing.features.find((f) => f.name === name)!;
    const numeric = (name: string) => feature(name) as Extract<FeatureEncoding, { kind: 'numeric' }>;

    const num = meanStd(values('num'));
    expectNear(numeric('num').mean, num.mean, 'num mean');
    expectNear(numeric('num').std, num.std, 'num std');
    expectNear(numeric('num').fill, num.mean, 'num fill (the mean)');
    const med = meanStd(values('med'));
    expectNear(numeric('med').mean, med.mean, 'med mean');
    expectNear(numeric('med').std, med.std, 'med std');
    expect(numeric('med').fill).toBe(median(values('med')));
    expect(numeric('mf').fill).toBe(mostFrequent(values('mf')));
    const mm = values('mm');
    expect(numeric('mm')).toMatchObject({ mean: Math.min(...mm), std: Math.max(...mm) - Math.min(...mm) });
    expect(numeric('drop')).toMatchObject({ fill: expect.any(Number) as number });
    expectNear(numeric('drop').mean, meanStd(values('drop')).mean, 'drop mean');

    // Capped one-hot: the two most frequent colours in training, the most frequent as the fill.
    const colorCounts = new Map<string, number>();
    for (const r of train) {
      const c = rawRow(r)['color'] ?? '';
      if (c) colorCounts.set(c, (colorCounts.get(c) ?? 0) + 1);
    }
    const ranked = [...colorCounts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c);
    expect(feature('color')).toMatchObject({ categories: ranked.slice(0, 2), fill: ranked[0], other: true });

    // Ordinal: the mean and std of each training row's category index (the "other" slot past the cap).
    const city = feature('city') as Extract<FeatureEncoding, { kind: 'categorical' }>;
    const index = (r: number) => {
      const k = city.categories.indexOf(rawRow(r)['city'] ?? '');
      return k < 0 ? city.categories.length : k;
    };
    const ordinal = meanStd(train.map(index));
    expectNear(city.mean, ordinal.mean, 'city ordinal mean');
    expectNear(city.std, ordinal.std, 'city ordinal std');

    // Dates: each part's mean and std over the training rows with a date, its median as the fill.
    const when = feature('when') as Extract<FeatureEncoding, { kind: 'datetime' }>;
    const dated = train.filter((r) => present(r, 'when'));
    const parts = dated.map((r) => {
      const text = rawRow(r)['when'] ?? '';
      const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
      const hour = Number(text.slice(11, 13));
      const all: Record<string, number> = {
        year: y,
        month: mo,
        day: d,
        weekday: new Date(Date.UTC(y, mo - 1, d)).getUTCDay(),
        hour,
      };
      return when.parts.map((p) => all[p]!);
    });
    when.parts.forEach((p, k) => {
      const column = parts.map((row) => row[k]!);
      const stats = meanStd(column);
      expectNear(when.mean[k], stats.mean, `when.${p} mean`);
      expectNear(when.std[k], stats.std > 0 ? stats.std : 1, `when.${p} std`);
      expect(when.fill[k], `when.${p} fill`).toBe(median(column));
    });

    // Row by row, every split's x is what preprocessing.json alone makes of the raw rows, in the split's order.
    const pre = Preprocessing.parse(JSON.parse(await readFile(join(outDir, 'preprocessing.json'), 'utf8')));
    for (const [rows, file] of [
      [train, 'x_train.f32'],
      [split.validation.filter((r) => present(r, 'drop')), 'x_val.f32'],
      [split.test.filter((r) => present(r, 'drop')), 'x_test.f32'],
    ] as const) {
      const x = await readF32(join(outDir, file));
      const raw = encodeRawRows(pre, rows.map(rawRow));
      expect(raw.length, file).toBe(x.length);
      raw.forEach((v, i) => expect(Math.abs(v - x[i]!), `${file} value ${i}`).toBeLessThan(1e-5));
    }
    expect(existsSync(join(outDir, 'x_test.f32'))).toBe(true);
  });
});
