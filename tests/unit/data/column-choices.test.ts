import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFeatures } from '../../../app/dataset/column-plan';
import { Preprocessing, TaskSpec, type DatasetMeta } from '../../../app/dataset/schema';
import { taskShape } from '../../../app/dataset/task';
import { ProjectFile } from '../../../app/project/schema';
import { encodeRawRows, importCsvText, prepareTrainingData } from '../../../main/data';
import { SPLIT_FILE } from '../../../main/data/split-file';
import { readF32, rejection, thrown, useTempDir } from './temp-dir';

const N = 60;
const COLORS = ['red', 'red', 'red', 'blue', 'blue', 'green'];
/** One raw row per index: every kind of column, with missing values where a choice has work to do. */
function rawRow(r: number): Record<string, string> {
  return {
    id: String(r),
    num: r % 5 === 4 ? '' : String(r * 1.5),
    color: r === 9 ? '' : r === 7 ? 'pink' : (COLORS[r % COLORS.length] ?? ''),
    when: `2024-0${1 + (r % 9)}-${10 + (r % 18)} ${String((r * 5) % 24).padStart(2, '0')}:30`,
    city: `c${r % 55}`,
    label: r % 3 === 0 ? 'yes' : 'no',
    price: String(100 + r * 2),
  };
}
const HEADER = ['id', 'num', 'color', 'when', 'city', 'label', 'price'];
const CSV = [HEADER.join(','), ...Array.from({ length: N }, (_, r) => HEADER.map((h) => rawRow(r)[h]).join(','))].join(
  '\n',
);

const CHOSEN: TaskSpec = {
  target: 'label',
  task: 'classification',
  features: ['num', 'color', 'when', 'city'],
  columns: {
    num: { missing: 'median', scaling: 'minmax' },
    color: { maxCategories: 2, missing: 'mostFrequent' },
    when: { scaling: 'none' },
    city: { maxCategories: 5, encoding: 'ordinal', scaling: 'none' },
  },
};

describe('per-column choices', () => {
  const tmp = useTempDir();

  async function setup(): Promise<{ meta: DatasetMeta; datasetDir: string }> {
    const meta = await importCsvText({ text: CSV, fileName: 'mixed.csv', datasetsDir: tmp() });
    return { meta, datasetDir: join(tmp(), meta.id) };
  }
  async function prepare(spec: TaskSpec, seed = 42, validationSplit = 0.25) {
    const { meta, datasetDir } = await setup();
    const outDir = join(tmp(), 'out', String(seed));
    const data = await prepareTrainingData({ datasetDir, meta, taskSpec: spec, validationSplit, seed, outDir });
    const split = JSON.parse(await readFile(join(datasetDir, SPLIT_FILE), 'utf8')) as {
      train: number[];
      validation: number[];
      test: number[];
    };
    return { meta, data, outDir, datasetDir, split, read: (name: string) => readF32(join(outDir, name)) };
  }

  it('fits missing values, scaling, capped one-hot, ordinal and date parts on the training rows, as computed by hand', async () => {
    const { meta, data, split, read } = await prepare(CHOSEN);
    expect(data.inputWidth).toBe(1 + 3 + 5 + 1);
    expect(taskShape(meta, CHOSEN).inputWidth).toBe(data.inputWidth);
    const pre = data.preprocessing;
    expect(pre.version).toBe(2);
    expect(pre.inputOrder).toEqual([
      'num',
      'color=red',
      'color=blue',
      'color=(other)',
      'when.year',
      'when.month',
      'when.day',
      'when.weekday',
      'when.hour',
      'city',
    ]);

    const train = split.train;
    const nums = train
      .filter((r) => r % 5 !== 4)
      .map((r) => r * 1.5)
      .sort((a, b) => a - b);
    const mid = nums.length >> 1;
    const median = nums.length % 2 ? nums[mid]! : (nums[mid - 1]! + nums[mid]!) / 2;
    const [num, color, when, city] = pre.features;
    expect(num).toEqual({
      name: 'num',
      kind: 'numeric',
      mean: nums[0],
      std: nums.at(-1)! - nums[0]!,
      fill: median,
      scaling: 'minmax',
      missing: 'median',
    });
    expect(color).toEqual({
      name: 'color',
      kind: 'categorical',
      categories: ['red', 'blue'],
      other: true,
      fill: 'red',
      missing: 'mostFrequent',
    });
    expect(when).toMatchObject({
      kind: 'datetime',
      parts: ['year', 'month', 'day', 'weekday', 'hour'],
      mean: [0, 0, 0, 0, 0],
      std: [1, 1, 1, 1, 1],
      scaling: 'none',
    });
    expect(city).toMatchObject({ kind: 'categorical', encoding: 'ordinal', other: true, mean: 0, std: 1 });
    expect(city?.kind === 'categorical' && city.categories).toHaveLength(5);

    // Row by row: the first training row's inputs, by hand.
    const xTrain = await read('x_train.f32');
    const r0 = train[0]!;
    const date = new Date(Date.UTC(2024, r0 % 9, 10 + (r0 % 18)));
    const numValue = r0 % 5 === 4 ? median : r0 * 1.5;
    const colorText = rawRow(r0).color;
    const hot = colorText === 'red' || colorText === '' ? [1, 0, 0] : colorText === 'blue' ? [0, 1, 0] : [0, 0, 1];
    const expected = [
      (numValue - nums[0]!) / (nums.at(-1)! - nums[0]!),
      ...hot,
      2024,
      1 + (r0 % 9),
      10 + (r0 % 18),
      date.getUTCDay(),
      (r0 * 5) % 24,
    ];
    xTrain.slice(0, 9).forEach((v, i) => expect(v, `input ${i}`).toBeCloseTo(expected[i]!, 5));

    // Every stored row encodes exactly as its raw text does through preprocessing.json alone.
    const xVal = await read('x_val.f32');
    const parsed = Preprocessing.parse(JSON.parse(JSON.stringify(pre)));
    for (const [rows, x] of [
      [train, xTrain],
      [split.validation, xVal],
    ] as const) {
      const raw = encodeRawRows(parsed, rows.map(rawRow));
      expect(raw.length).toBe(x.length);
      raw.forEach((v, i) => expect(v, `value ${i}`).toBeCloseTo(x[i]!, 5));
    }
  });

  it('drops rows missing a "drop row" column from every split, and refuses a raw row missing it', async () => {
    const spec: TaskSpec = {
      target: 'price',
      task: 'regression',
      features: ['num', 'id'],
      columns: { num: { missing: 'drop' } },
    };
    const { data, read, outDir } = await prepare(spec);
    const kept = Array.from({ length: N }, (_, r) => r).filter((r) => r % 5 !== 4).length;
    expect(data.trainRows + data.valRows).toBe(kept);
    const validation = JSON.parse(await readFile(join(outDir, 'validation-rows.json'), 'utf8')) as { rows: number[] };
    expect(validation.rows.every((r) => r % 5 !== 4)).toBe(true);
    expect((await read('x_train.f32')).length).toBe(data.trainRows * 2);
    const error = thrown(() => encodeRawRows(data.preprocessing, [rawRow(0), rawRow(4)]));
    expect(error.message).toContain('Row 2, column "num" is empty');
  });

  it('refuses a choice that does not apply, naming the column', async () => {
    const { meta } = await setup();
    const spec = (columns: TaskSpec['columns'], features = ['num', 'color', 'city']): TaskSpec => ({
      target: 'label',
      task: 'classification',
      features,
      columns,
    });
    expect(thrown(() => taskShape(meta, spec({ city: {} }))).message).toMatch(
      /Column "city": 55 distinct values .* set a category cap/,
    );
    expect(thrown(() => taskShape(meta, spec({ city: { maxCategories: 3 }, num: { maxCategories: 3 } }))).message).toBe(
      'Column "num": the category cap applies to text columns only.',
    );
    expect(
      thrown(() => taskShape(meta, spec({ city: { maxCategories: 3 }, color: { missing: 'mean' } }))).message,
    ).toContain('Column "color": missing values cannot be filled with the mean of a text column');
    expect(
      thrown(() => taskShape(meta, spec({ city: { maxCategories: 3 }, num: { missing: 'constant', constant: 'abc' } })))
        .message,
    ).toBe('Column "num": the constant fill "abc" is not a number.');
    expect(
      thrown(() => taskShape(meta, spec({ city: { maxCategories: 3 }, color: { scaling: 'minmax' } }))).message,
    ).toContain('Column "color": one-hot inputs are 0 or 1');
    expect(thrown(() => taskShape(meta, spec({ nope: {} }))).message).toContain('"nope" that is not in mixed.csv');
    // zod (the contract's gate in main) refuses unknown fields and a cap out of range, by field.
    expect(TaskSpec.safeParse({ ...spec({ city: { maxCategories: 0 } }) }).success).toBe(false);
    expect(TaskSpec.safeParse({ ...spec({ city: { bins: 3 } as never }) }).success).toBe(false);
  });

  it('gives the same input width in taskShape as the encoder writes, for every choice', async () => {
    const { meta, datasetDir } = await setup();
    const specs: TaskSpec[] = [
      { target: 'label', task: 'classification' },
      { target: 'label', task: 'classification', features: ['color'], columns: { color: { encoding: 'ordinal' } } },
      {
        target: 'label',
        task: 'classification',
        features: ['color', 'city'],
        columns: { color: { maxCategories: 10 }, city: { maxCategories: 54 } },
      },
      {
        target: 'label',
        task: 'classification',
        features: ['when', 'num'],
        columns: { num: { missing: 'constant', constant: '-1', scaling: 'none' }, when: { missing: 'median' } },
      },
    ];
    const widths: number[] = [];
    for (const [i, spec] of specs.entries()) {
      const data = await prepareTrainingData({
        datasetDir,
        meta,
        taskSpec: spec,
        validationSplit: 0.2,
        seed: 1,
        outDir: join(tmp(), `w${i}`),
      });
      expect(data.inputWidth, `spec ${i}`).toBe(taskShape(meta, spec).inputWidth);
      expect(planFeatures(meta, spec).reduce((n, f) => n + f.width, 0)).toBe(data.inputWidth);
      widths.push(data.inputWidth);
    }
    // Defaults: num and price (id is ignored as an identifier) + color's 4 categories; a cap at or
    // above a column's categories changes nothing (color: 4), one below folds the rest (city: 54 + other).
    expect(widths).toEqual([2 + 4, 1, 4 + 55, 5 + 1]);
  });

  it('reads old preprocessing.json and project files: version 1, no choices, no split', () => {
    const old = {
      format: 'layerlab-preprocessing',
      version: 1,
      task: 'classification',
      target: 'label',
      features: [
        { name: 'x', kind: 'numeric', mean: 2, std: 4, fill: 2 },
        { name: 'color', kind: 'categorical', categories: ['blue', 'red'] },
      ],
      inputOrder: ['x', 'color=blue', 'color=red'],
      labels: ['a', 'b'],
    };
    const pre = Preprocessing.parse(old);
    expect([
      ...encodeRawRows(pre, [
        { x: '10', color: 'red' },
        { x: '', color: 'pink' },
      ]),
    ]).toEqual([2, 0, 1, 0, 0, 0]);
    const project = ProjectFile.parse({
      format: 'layerlab-project',
      version: 1,
      name: 'old',
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
      datasetId: 'iris',
      taskSpec: { target: 'species', task: 'classification' },
      graph: null,
      trainConfig: { epochs: 5, batchSize: 32, learningRate: 0.01, optimizer: 'adam', validationSplit: 0.2, seed: 42 },
    });
    expect(project.taskSpec).toEqual({ target: 'species', task: 'classification' });
  });

  it('writes version 1 with exactly the old fields when every choice is a default', async () => {
    const { data } = await prepare({ target: 'label', task: 'classification', features: ['num', 'color'] });
    expect(data.preprocessing.version).toBe(1);
    expect(data.preprocessing.features.map((f) => Object.keys(f).sort())).toEqual([
      ['fill', 'kind', 'mean', 'name', 'std'],
      ['categories', 'kind', 'name'],
    ]);
    expect(data.testRows).toBeUndefined();
  });

  it('holds out a stratified test split that never reaches the training files, stable when the run seed changes', async () => {
    const spec: TaskSpec = {
      target: 'label',
      task: 'classification',
      features: ['id'],
      columns: { id: { scaling: 'none' } },
      split: { method: 'stratified', testShare: 0.2, seed: 5 },
    };
    const first = await prepare(spec, 1);
    expect(first.data).toMatchObject({ testRows: 12, valRows: 15, trainRows: 33 });
    const ids = async (name: string) => new Set((await first.read(name)).map(Math.round));
    const [train, val, test] = [await ids('x_train.f32'), await ids('x_val.f32'), await ids('x_test.f32')];
    expect([...test].filter((id) => train.has(id) || val.has(id))).toEqual([]);
    expect(test.size).toBe(12);
    expect([...test].sort((a, b) => a - b)).toEqual([...first.split.test].sort((a, b) => a - b));
    // 20 "yes" and 40 "no" rows: 4 and 8 test rows.
    expect(first.split.test.filter((r) => r % 3 === 0)).toHaveLength(4);
    const testRows = JSON.parse(await readFile(join(first.outDir, 'test-rows.json'), 'utf8')) as { rows: number[] };
    expect(testRows.rows).toEqual(first.split.test);
    expect((await first.read('y_test.f32')).length).toBe(12);

    // Another run seed (and validation share): the test rows stay where they are.
    const again = await prepareTrainingData({
      datasetDir: first.datasetDir,
      meta: first.meta,
      taskSpec: spec,
      validationSplit: 0.3,
      seed: 99,
      outDir: join(tmp(), 'again'),
    });
    expect(again.testRows).toBe(12);
    expect(JSON.parse(await readFile(join(tmp(), 'again', 'test-rows.json'), 'utf8'))).toEqual(testRows);
  });

  it('splits in time order by a date column, and refuses a stratified split of a regression target', async () => {
    const spec: TaskSpec = {
      target: 'price',
      task: 'regression',
      features: ['num'],
      split: { method: 'time', testShare: 0.15, column: 'when', seed: 1 },
    };
    const { split, data, meta, datasetDir } = await prepare(spec);
    expect(data.testRows).toBe(9);
    const time = (r: number) => Date.parse((rawRow(r)['when'] ?? '').replace(' ', 'T') + 'Z');
    const latestTrain = Math.max(...split.train.map(time));
    expect(Math.min(...split.validation.map(time))).toBeGreaterThanOrEqual(latestTrain);
    expect(Math.min(...split.test.map(time))).toBeGreaterThanOrEqual(Math.max(...split.validation.map(time)));
    const error = await rejection(
      prepareTrainingData({
        datasetDir,
        meta,
        taskSpec: { ...spec, split: { method: 'stratified', testShare: 0.1, seed: 1 } },
        validationSplit: 0.2,
        seed: 1,
        outDir: join(tmp(), 'x'),
      }),
    );
    expect(error.message).toContain('needs a classification task');
    expect(existsSync(join(tmp(), 'x', 'x_train.f32'))).toBe(false);
  });
});
