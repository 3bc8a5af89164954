import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Preprocessing, type DatasetMeta, type TaskSpec } from '../../../app/dataset/schema';
import { taskShape } from '../../../app/dataset/task';
import { UserError } from '../../../app/ipc/errors';
import { encodeRawRows, importCsvFile, importCsvText, prepareTrainingData, seededShuffle } from '../../../main/data';
import { readF32, rejection, thrown, useTempDir } from './temp-dir';

const IRIS = fileURLToPath(new URL('../../../resources/iris.csv', import.meta.url));

/** Population mean and std, by hand. */
function stats(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
}

function column(matrix: number[], width: number, k: number): number[] {
  return matrix.filter((_, i) => i % width === k);
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a, `value ${i}`).toBeCloseTo(expected[i] ?? Number.NaN, 5));
}

describe('prepareTrainingData', () => {
  const tmp = useTempDir();

  async function importText(text: string): Promise<{ meta: DatasetMeta; datasetDir: string }> {
    const meta = await importCsvText({ text, fileName: 'tiny.csv', datasetsDir: tmp() });
    return { meta, datasetDir: join(tmp(), meta.id) };
  }

  async function prepare(text: string, taskSpec: TaskSpec, validationSplit: number, seed: number) {
    const { meta, datasetDir } = await importText(text);
    const outDir = join(tmp(), 'out', String(seed));
    const data = await prepareTrainingData({ datasetDir, meta, taskSpec, validationSplit, seed, outDir });
    const read = async (name: string) => readF32(join(outDir, name));
    return {
      meta,
      data,
      outDir,
      xTrain: await read('x_train.f32'),
      yTrain: await read('y_train.f32'),
      xVal: await read('x_val.f32'),
      yVal: await read('y_val.f32'),
    };
  }

  // Rows 0-5 have a label, row 6 has none and is dropped. x is powers of two so every split differs.
  const TINY_ROWS = [
    ['1', '10', 'red', 'a'],
    ['2', '', 'blue', 'b'],
    ['4', '30', 'red', 'a'],
    ['8', '40', 'green', 'c'],
    ['16', '50', 'blue', 'b'],
    ['32', '60', '', 'a'],
    ['64', 'NA', 'red', ''],
  ];
  const TINY = ['x,size,color,label', ...TINY_ROWS.map((r) => r.join(','))].join('\n');
  const rawRow = (i: number) => {
    const [x = '', size = '', color = '', label = ''] = TINY_ROWS[i] ?? [];
    return { x, size, color, label };
  };

  it('keeps the seeded split stable across versions (mulberry32 Fisher-Yates)', () => {
    expect(seededShuffle([0, 1, 2, 3, 4, 5], 42)).toEqual([1, 0, 4, 5, 2, 3]);
  });

  it('encodes a tiny CSV exactly as computed by hand, with statistics from the training rows only', async () => {
    const { data, xTrain, yTrain, xVal, yVal, outDir } = await prepare(
      TINY,
      { target: 'label', task: 'classification' },
      0.34,
      42,
    );
    // 6 labelled rows, round(6 * 0.34) = 2 validation rows. Seed 42 orders them [1, 0, 4, 5 | 2, 3].
    expect(data).toMatchObject({ dir: outDir, inputWidth: 5, outputWidth: 3, trainRows: 4, valRows: 2 });
    const pre = data.preprocessing;
    expect(pre.inputOrder).toEqual(['x', 'size', 'color=blue', 'color=green', 'color=red']);
    expect(pre.labels).toEqual(['a', 'b', 'c']);
    expect(pre.targetScaling).toBeUndefined();

    // Training rows 1, 0, 4, 5: x = 2, 1, 16, 32; size = (missing), 10, 50, 60.
    const x = stats([2, 1, 16, 32]);
    const size = stats([10, 50, 60]);
    expect(pre.features).toEqual([
      { name: 'x', kind: 'numeric', mean: x.mean, std: x.std, fill: x.mean },
      { name: 'size', kind: 'numeric', mean: size.mean, std: size.std, fill: size.mean },
      { name: 'color', kind: 'categorical', categories: ['blue', 'green', 'red'] },
    ]);
    expect(x.mean).toBe(12.75);
    expect(size.mean).toBe(40);
    const zx = (v: number) => (v - x.mean) / x.std;
    const zs = (v: number) => (v - size.mean) / size.std;
    expectClose(xTrain, [
      ...[zx(2), 0, 1, 0, 0], // row 1: missing size filled with the train mean → 0; blue
      ...[zx(1), zs(10), 0, 0, 1], // row 0: red
      ...[zx(16), zs(50), 1, 0, 0], // row 4: blue
      ...[zx(32), zs(60), 0, 0, 0], // row 5: missing color → all zeros
    ]);
    expectClose(yTrain, [...[0, 1, 0], ...[1, 0, 0], ...[0, 1, 0], ...[1, 0, 0]]);
    // Validation rows 2 and 3 use the training statistics, not their own.
    expectClose(xVal, [...[zx(4), zs(30), 0, 0, 1], ...[zx(8), zs(40), 0, 1, 0]]);
    expectClose(yVal, [...[1, 0, 0], ...[0, 0, 1]]);

    // Standardized training features: mean 0, std 1 (x has no missing values).
    const trainX = stats(column(xTrain, 5, 0));
    expect(trainX.mean).toBeCloseTo(0, 5);
    expect(trainX.std).toBeCloseTo(1, 5);

    // preprocessing.json is written, valid, and the same object.
    const saved = Preprocessing.parse(JSON.parse(await readFile(join(outDir, 'preprocessing.json'), 'utf8')));
    expect(saved).toEqual(pre);
  });

  it('reproduces x_val from raw rows with preprocessing.json alone (encodeRawRows)', async () => {
    const { outDir, xVal } = await prepare(TINY, { target: 'label', task: 'classification' }, 0.34, 42);
    const pre = Preprocessing.parse(JSON.parse(await readFile(join(outDir, 'preprocessing.json'), 'utf8')));
    const encoded = encodeRawRows(pre, [rawRow(2), rawRow(3)]);
    expect([...encoded]).toEqual(xVal);
  });

  it('encodes raw rows with missing and unseen values, and names bad cells', async () => {
    const { data } = await prepare(TINY, { target: 'label', task: 'classification' }, 0.34, 42);
    const pre = data.preprocessing;
    const [xf] = pre.features;
    if (xf?.kind !== 'numeric') throw new Error('x should be numeric');
    const encoded = encodeRawRows(pre, [
      { x: 'NA', size: ' 40 ', color: 'purple' },
      { x: '12.75', size: '', color: ' green ', extra: 'ignored' },
    ]);
    expectClose([...encoded], [...[0, 0, 0, 0, 0], ...[0, 0, 0, 1, 0]]);
    expect(thrown(() => encodeRawRows(pre, [{ x: 'abc', size: '1', color: 'red' }])).message).toBe(
      'Row 1, column "x": "abc" is not a number.',
    );
    const missingColumn = thrown(() =>
      encodeRawRows(pre, [
        { x: '1', size: '1', color: 'red' },
        { x: '1', color: 'red' },
      ]),
    );
    expect(missingColumn).toBeInstanceOf(UserError);
    expect(missingColumn.message).toContain('Row 2 has no "size" value');
  });

  it('encodes a two-class target as one 0/1 column in label order', async () => {
    const text = 'f,smoker\n1,yes\n2,no\n3,no\n4,yes\n5,no\n';
    const { data, yTrain, yVal, xTrain, xVal } = await prepare(
      text,
      { target: 'smoker', task: 'classification' },
      0.2,
      3,
    );
    expect(data.outputWidth).toBe(1);
    expect(data.preprocessing.labels).toEqual(['no', 'yes']);
    const pre = data.preprocessing.features[0];
    if (pre?.kind !== 'numeric') throw new Error('f should be numeric');
    // Recover each row's f from its encoding and check its label: yes for f = 1 and 4.
    const label = (z: number) => (Math.round(z * pre.std + pre.mean) % 3 === 1 ? 1 : 0);
    [...xTrain, ...xVal].forEach((z, i) => expect([...yTrain, ...yVal][i]).toBe(label(z)));
  });

  it('standardizes a regression target with the training statistics and records them', async () => {
    const text = 'a,y\n1,10\n2,20\n3,\n4,40\n5,50\n6,60\n';
    const { data, yTrain, yVal, xTrain, xVal } = await prepare(text, { target: 'y', task: 'regression' }, 0.25, 11);
    expect(data).toMatchObject({ inputWidth: 1, outputWidth: 1, trainRows: 4, valRows: 1 });
    const scaling = data.preprocessing.targetScaling;
    if (!scaling) throw new Error('targetScaling should be set');
    const a = data.preprocessing.features[0];
    if (a?.kind !== 'numeric') throw new Error('a should be numeric');
    // y = 10 a in every row, so each row's y follows from its recovered a.
    const aOf = (z: number) => z * a.std + a.mean;
    const trainY = xTrain.map((z) => 10 * aOf(z));
    expect(scaling.mean).toBeCloseTo(stats(trainY).mean, 5);
    expect(scaling.std).toBeCloseTo(stats(trainY).std, 5);
    expect(stats(yTrain).mean).toBeCloseTo(0, 5);
    expect(stats(yTrain).std).toBeCloseTo(1, 5);
    expectClose(
      yVal,
      xVal.map((z) => (10 * aOf(z) - scaling.mean) / scaling.std),
    );
    // The row without a target (a = 3) is dropped.
    expect([...xTrain, ...xVal].map((z) => Math.round(aOf(z))).sort()).toEqual([1, 2, 4, 5, 6]);
  });

  describe('on iris', () => {
    async function prepareIris(seed: number, taskSpec: TaskSpec = { target: 'species', task: 'classification' }) {
      const meta = await importCsvFile({ path: IRIS, datasetsDir: tmp() });
      const outDir = join(tmp(), `out-${seed}-${taskSpec.features?.join('+') ?? 'all'}`);
      const data = await prepareTrainingData({
        datasetDir: join(tmp(), meta.id),
        meta,
        taskSpec,
        validationSplit: 0.2,
        seed,
        outDir,
      });
      return {
        meta,
        data,
        xTrain: await readF32(join(outDir, 'x_train.f32')),
        xVal: await readF32(join(outDir, 'x_val.f32')),
        outDir,
      };
    }

    it('splits the same way for the same seed and differently for another', async () => {
      const a = await prepareIris(7);
      const b = await prepareIris(7);
      const c = await prepareIris(8);
      expect(a.data).toMatchObject({ trainRows: 120, valRows: 30, inputWidth: 4, outputWidth: 3 });
      expect(b.xTrain).toEqual(a.xTrain);
      expect(b.xVal).toEqual(a.xVal);
      expect(c.xVal).not.toEqual(a.xVal);
    });

    it('standardizes every training feature to mean 0 and std 1, not the full data', async () => {
      const { meta, data, xTrain } = await prepareIris(5);
      for (let k = 0; k < 4; k += 1) {
        const s = stats(column(xTrain, 4, k));
        expect(s.mean).toBeCloseTo(0, 4);
        expect(s.std).toBeCloseTo(1, 4);
        const feature = data.preprocessing.features[k];
        // The training mean is not the whole file's mean: validation rows are left out.
        expect(feature?.kind === 'numeric' && feature.mean).not.toBe(meta.columns[k]?.mean);
      }
    });

    it('matches taskShape for a chosen subset of features, and encodeRawRows reproduces x_val', async () => {
      const spec: TaskSpec = { target: 'species', task: 'classification', features: ['petal_width', 'petal_length'] };
      const { meta, data, xVal, outDir } = await prepareIris(9, spec);
      expect(data.inputWidth).toBe(taskShape(meta, spec).inputWidth);
      expect(data.preprocessing.inputOrder).toEqual(['petal_length', 'petal_width']);
      expect((await readFile(join(outDir, 'x_train.f32'))).byteLength).toBe(data.trainRows * 2 * 4);

      // Which file rows are validation: the seeded order of all 150 labelled rows, last 30.
      const lines = (await readFile(IRIS, 'utf8')).trim().split('\n');
      const header = (lines[0] ?? '').split(',');
      const records = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i] ?? '', v])));
      const valIndex = seededShuffle(
        records.map((_, i) => i),
        9,
      ).slice(-30);
      expect([
        ...encodeRawRows(
          data.preprocessing,
          valIndex.map((i) => records[i] ?? {}),
        ),
      ]).toEqual(xVal);
    });
  });

  it('passes taskShape errors through', async () => {
    const { meta, datasetDir } = await importText('x,color\n1,red\n2,blue\n3,red\n');
    const error = await rejection(
      prepareTrainingData({
        datasetDir,
        meta,
        taskSpec: { target: 'color', task: 'regression' },
        validationSplit: 0.2,
        seed: 1,
        outDir: join(tmp(), 'o'),
      }),
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain('Column "color" holds text');
  });

  it('needs at least two rows with a target', async () => {
    const { meta, datasetDir } = await importText('x,y\n1,5\n2,NA\n3,\n');
    // A profile claiming y is usable (say, from an older import): the rows still decide.
    const claimed: DatasetMeta = {
      ...meta,
      columns: meta.columns.map((c) => (c.name === 'y' ? { ...c, kind: 'numeric' as const } : c)),
    };
    const error = await rejection(
      prepareTrainingData({
        datasetDir,
        meta: claimed,
        taskSpec: { target: 'y', task: 'regression' },
        validationSplit: 0.2,
        seed: 1,
        outDir: join(tmp(), 'o'),
      }),
    );
    expect(error.message).toContain('tiny.csv needs at least 2 rows with a target');
  });
});
