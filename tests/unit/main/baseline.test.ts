import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../../app/engine/protocol';
import { computeBaseline, headBaselines } from '../../../main/services/baseline';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-baseline-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Prepared data holding only the targets the baseline reads (row-major float32, little-endian as the host). */
async function prepared(
  name: string,
  yTrain: number[],
  yVal: number[],
  width: number,
  pre: Partial<PreparedData['preprocessing']>,
): Promise<PreparedData> {
  const d = path.join(dir, name);
  await rm(d, { recursive: true, force: true });
  await mkdir(d, { recursive: true });
  await writeFile(path.join(d, 'y_train.f32'), Buffer.from(new Float32Array(yTrain).buffer));
  await writeFile(path.join(d, 'y_val.f32'), Buffer.from(new Float32Array(yVal).buffer));
  return {
    dir: d,
    inputWidth: 1,
    outputWidth: width,
    trainRows: yTrain.length / width,
    valRows: yVal.length / width,
    preprocessing: {
      format: 'layerlab-preprocessing',
      version: 1,
      task: 'regression',
      target: 'y',
      features: [],
      inputOrder: [],
      ...pre,
    },
  };
}

describe('the naive baseline, checked by hand', () => {
  it('regression predicts the training mean, in the target’s own units', async () => {
    // Standardized targets; the training mean is 1 (not 0) to show it is really used. std 10.
    const data = await prepared('reg', [0, 0, 1, 3], [1, 3, -1, 1.5], 1, {
      task: 'regression',
      targetScaling: { mean: 50, std: 10 },
    });
    // Errors from 1 — train: -1, -1, 0, 2 → MSE (1+1+0+4)/4 = 1.5, MAE 1; val: 0, 2, -2, 0.5 → MSE (0+4+4+0.25)/4 = 2.0625, MAE 4.5/4 = 1.125.
    expect(await computeBaseline(data)).toEqual({
      kind: 'training_mean',
      loss: 150,
      val_loss: 206.25,
      mae: 10,
      val_mae: 11.25,
    });
    // MAE loss scales by std; Huber (δ = 1 standardized) by std²: val 0 + 1.5 + 1.5 + 0.125 = 3.125 / 4 = 0.78125.
    expect((await computeBaseline(data, 'meanAbsoluteError'))?.val_loss).toBeCloseTo(11.25, 10);
    expect((await computeBaseline(data, 'huber'))?.val_loss).toBeCloseTo(78.125, 10);
  });

  it('two classes: the training rate of the positive class, and the majority as the answer', async () => {
    const data = await prepared('bin', [1, 1, 1, 0], [1, 0], 1, { task: 'classification', labels: ['no', 'yes'] });
    const b = (await computeBaseline(data))!;
    // p = 0.75. Train: -(3 ln .75 + ln .25)/4 = 0.562335; val: -(ln .75 + ln .25)/2 = 0.836988.
    expect(b.kind).toBe('majority_class');
    expect(b.loss).toBeCloseTo(0.562335, 5);
    expect(b.val_loss).toBeCloseTo(0.836988, 5);
    expect(b.accuracy).toBe(0.75);
    expect(b.val_accuracy).toBe(0.5);
    expect(b.mae).toBeUndefined();
  });

  it('several classes: class frequencies, one-hot rows', async () => {
    const oneHot = (labels: number[]) => labels.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0)));
    const data = await prepared('multi', oneHot([0, 1, 1, 2, 1]), oneHot([1, 2, 0]), 3, {
      task: 'classification',
      labels: ['a', 'b', 'c'],
    });
    const b = (await computeBaseline(data))!;
    // Priors .2 .6 .2; val: -(ln .6 + ln .2 + ln .2)/3 = 1.243234; majority "b" right on 1 of 3.
    expect(b.val_loss).toBeCloseTo(1.243234, 5);
    expect(b.val_accuracy).toBeCloseTo(1 / 3, 10);
    expect(b.accuracy).toBeCloseTo(0.6, 10);
    // A class never seen in training gets probability ε, as tfjs clips: −ln(1e-7) = 16.118.
    const unseen = await prepared('unseen', oneHot([0, 0, 1]), oneHot([2]), 3, {
      task: 'classification',
      labels: ['a', 'b', 'c'],
    });
    expect((await computeBaseline(unseen))!.val_loss).toBeCloseTo(16.1181, 3);
  });

  it('has no number for a loss it cannot compute, and names a missing file', async () => {
    const data = await prepared('bin2', [1, 0], [1], 1, { task: 'classification', labels: ['no', 'yes'] });
    expect(await computeBaseline(data, 'meanSquaredError')).toBeNull();
    await rm(path.join(data.dir, 'y_val.f32'));
    await expect(computeBaseline(data)).rejects.toThrow(/y_val\.f32: it does not exist/);
  });
});

describe('the naive baseline, streamed (issue 19: y is read a chunk of rows at a time)', () => {
  /** A fixed pseudo-random walk of float32 values: sums in another order would differ in their last digits. */
  const values = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898 + seed) * 43758.5453) % 3);
  const wholeMean = (ys: Float32Array) => ys.reduce((s, y) => s + y, 0) / ys.length;

  it('gives the numbers of the whole arrays for any chunk size: regression, two classes, several, windows, heads', async () => {
    const yTrain = new Float32Array(values(301, 1));
    const yVal = new Float32Array(values(97, 2));
    const reg = await prepared('s-reg', Array.from(yTrain), Array.from(yVal), 1, {
      task: 'regression',
      targetScaling: { mean: 5, std: 3 },
    });
    // The whole-array formulas: the training mean, then sums in row order.
    const mean = wholeMean(yTrain);
    const avg = (ys: Float32Array, f: (e: number) => number) => ys.reduce((s, y) => s + f(y - mean), 0) / ys.length;
    const expected = {
      kind: 'training_mean',
      loss: avg(yTrain, (e) => e * e) * 9,
      val_loss: avg(yVal, (e) => e * e) * 9,
      mae: avg(yTrain, Math.abs) * 3,
      val_mae: avg(yVal, Math.abs) * 3,
    };
    for (const chunkRows of [1, 7, 64, undefined])
      expect(await computeBaseline(reg, 'meanSquaredError', chunkRows ? { chunkRows } : {})).toEqual(expected);

    const bin = await prepared(
      's-bin',
      values(301, 3).map((v) => (v > 0.4 ? 1 : 0)),
      values(97, 4).map((v) => (v > 0.4 ? 1 : 0)),
      1,
      {
        task: 'classification',
        labels: ['no', 'yes'],
      },
    );
    const oneHot = (labels: number[]) => labels.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0)));
    const classes = (n: number, seed: number) => values(n, seed).map((v) => (v < -1 ? 0 : v < 1 ? 1 : 2));
    const multi = await prepared('s-multi', oneHot(classes(301, 5)), oneHot(classes(97, 6)), 3, {
      task: 'classification',
      labels: ['a', 'b', 'c'],
    });
    const heads = {
      ...(await prepared(
        's-heads',
        Array.from(yTrain).flatMap((y, i) => [y, i % 3 === 0 ? 1 : 0]),
        Array.from(yVal).flatMap((y, i) => [y, i % 2]),
        2,
        { task: 'regression' },
      )),
      heads: [
        { node: 'r', target: 'y', task: 'regression' as const, offset: 0, width: 1, scaling: { mean: 5, std: 3 } },
        { node: 'c', target: 'k', task: 'classification' as const, offset: 1, width: 1, labels: ['no', 'yes'] },
      ],
    };
    const whole = {
      bin: await computeBaseline(bin),
      multi: await computeBaseline(multi),
      heads: await headBaselines(heads),
    };
    expect(whole.heads.r).toEqual(await computeBaseline(reg, 'meanSquaredError'));
    for (const chunkRows of [1, 7, 64]) {
      expect(await computeBaseline(bin, undefined, { chunkRows })).toEqual(whole.bin);
      expect(await computeBaseline(multi, undefined, { chunkRows })).toEqual(whole.multi);
      expect(await headBaselines(heads, { chunkRows })).toEqual(whole.heads);
    }

    // Windows: the naive forecast from each window's last value (anchors beside y), differencing none.
    const windows = await prepared('s-win', Array.from(yTrain), Array.from(yVal), 1, {
      task: 'regression',
      targetScaling: { mean: 0.5, std: 2 },
      windows: { timeColumn: 't', lookback: 1, horizon: 1, differencing: 'none', inputs: ['y'] },
    });
    const lastsOf = (n: number, seed: number) => new Float64Array(values(n, seed).map((v) => v * 2 + 0.5));
    const anchors = (lasts: Float64Array) => {
      const pairs = new Float64Array(lasts.length * 2);
      lasts.forEach((last, w) => (pairs[2 * w] = last));
      return Buffer.from(pairs.buffer);
    };
    const [trainLasts, valLasts] = [lastsOf(301, 7), lastsOf(97, 8)];
    await writeFile(path.join(windows.dir, 'windows_train.f64'), anchors(trainLasts));
    await writeFile(path.join(windows.dir, 'windows_val.f64'), anchors(valLasts));
    const naiveAvg = (ys: Float32Array, lasts: Float64Array, f: (e: number) => number) =>
      ys.reduce((s, y, w) => s + f(y - (lasts[w]! - 0.5) / 2), 0) / ys.length;
    const expectedWindows = {
      kind: 'last_value',
      loss: naiveAvg(yTrain, trainLasts, (e) => e * e) * 4,
      val_loss: naiveAvg(yVal, valLasts, (e) => e * e) * 4,
      mae: naiveAvg(yTrain, trainLasts, Math.abs) * 2,
      val_mae: naiveAvg(yVal, valLasts, Math.abs) * 2,
    };
    for (const chunkRows of [1, 7, 64, undefined])
      expect(await computeBaseline(windows, 'meanSquaredError', chunkRows ? { chunkRows } : {})).toEqual(
        expectedWindows,
      );
    // Anchors that do not match y (a run prepared otherwise) give no number rather than a wrong one.
    await writeFile(path.join(windows.dir, 'windows_val.f64'), anchors(valLasts.subarray(1)));
    expect(await computeBaseline(windows, 'meanSquaredError')).toBeNull();
  });
});
