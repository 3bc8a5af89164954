import { describe, expect, it } from 'vitest';
import {
  binaryCurves,
  classProbabilities,
  evaluateClassification,
  evaluateRegression,
  histogram,
} from '../../../app/diagnostics/evaluation';

// Every expected number below is worked out by hand in the comment beside it.

describe('binary classification (one sigmoid output)', () => {
  // p(yes) = 0.9 0.8 0.7 0.6 0.4 for actual yes no yes no no; threshold 0.5 → predictions yes yes yes yes no.
  const outputs = [[0.9], [0.8], [0.7], [0.6], [0.4]];
  const targets = [1, 0, 1, 0, 0];
  const e = evaluateClassification(outputs, targets, ['no', 'yes']);

  it('counts the confusion matrix actual × predicted', () => {
    // actual no: rows 1, 3 → yes, row 4 → no; actual yes: both → yes
    expect(e.confusion).toEqual([
      [1, 2],
      [0, 2],
    ]);
    expect(e.accuracy).toBeCloseTo(3 / 5);
  });

  it('scores each class and averages them', () => {
    // no: tp 1 of 1 predicted, 3 actual → P 1, R 1/3, F1 2·(1/3)/(4/3) = 0.5
    // yes: tp 2 of 4 predicted, 2 actual → P 0.5, R 1, F1 2·0.5/1.5 = 2/3
    const [no, yes] = e.perClass;
    expect(no).toMatchObject({ label: 'no', precision: 1, support: 3 });
    expect(no!.recall).toBeCloseTo(1 / 3);
    expect(no!.f1).toBeCloseTo(0.5);
    expect(yes).toMatchObject({ label: 'yes', precision: 0.5, recall: 1, support: 2 });
    expect(yes!.f1).toBeCloseTo(2 / 3);
    expect(e.macro.precision).toBeCloseTo(0.75);
    expect(e.macro.recall).toBeCloseTo(2 / 3);
    expect(e.macro.f1).toBeCloseTo(7 / 12);
    // weighted by support 3 and 2
    expect(e.weighted.precision).toBeCloseTo((3 * 1 + 2 * 0.5) / 5);
    expect(e.weighted.recall).toBeCloseTo((3 * (1 / 3) + 2 * 1) / 5);
    expect(e.weighted.f1).toBeCloseTo((3 * 0.5 + 2 * (2 / 3)) / 5);
  });

  it('draws ROC and PR for the positive class with their areas', () => {
    expect(e.curves).toHaveLength(1);
    const c = e.curves[0]!;
    expect(c.label).toBe('yes');
    // 5 of the 6 (positive, negative) pairs are ranked right: the 0.7 positive is below the 0.8 negative.
    expect(c.rocAuc).toBeCloseTo(5 / 6);
    expect(c.roc.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [1 / 3, 0.5],
      [1 / 3, 1],
      [2 / 3, 1],
      [1, 1],
    ]);
    // AP = 0.5·1 (first positive) + 0.5·(2/3) (second, after one false positive) = 5/6
    expect(c.prAuc).toBeCloseTo(5 / 6);
    // The curve ends where recall first reaches 1 (after 3 rows, 2 of them positive).
    expect(c.pr.at(-1)).toEqual({ recall: 1, precision: 2 / 3 });
    expect(c.pr).toHaveLength(4);
  });

  it('lists the confidently wrong rows, most confident first', () => {
    expect(e.confidentlyWrong.map((w) => [w.index, w.predicted, w.actual])).toEqual([
      [1, 1, 0],
      [3, 1, 0],
    ]);
    expect(e.confidentlyWrong[0]!.confidence).toBeCloseTo(0.8);
    expect(e.confidentlyWrong[0]!.actualProbability).toBeCloseTo(0.2);
  });
});

describe('curves', () => {
  it('treats tied scores as one threshold', () => {
    const c = binaryCurves([0.5, 0.5], [true, false]);
    expect(c.roc).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 1, tpr: 1 },
    ]);
    expect(c.rocAuc).toBeCloseTo(0.5);
  });

  it('says an AUC is undefined without both classes', () => {
    expect(binaryCurves([0.2, 0.9], [true, true]).rocAuc).toBeNull();
    expect(binaryCurves([0.2, 0.9], [false, false]).prAuc).toBeNull();
  });

  it('ranks perfectly separated scores at area 1', () => {
    const c = binaryCurves([0.9, 0.8, 0.1], [true, true, false]);
    expect(c.rocAuc).toBe(1);
    expect(c.prAuc).toBe(1);
  });
});

describe('multi-class classification', () => {
  const outputs = [
    [0.7, 0.2, 0.1], // actual 0 → 0
    [0.1, 0.3, 0.6], // actual 1 → 2
    [0.2, 0.2, 0.6], // actual 2 → 2
    [0.5, 0.4, 0.1], // actual 2 → 0
  ];
  const e = evaluateClassification(outputs, [0, 1, 2, 2], ['a', 'b', 'c'], { wrongLimit: 1 });

  it('counts a 3×3 matrix and gives a never-predicted class zero precision', () => {
    expect(e.confusion).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [1, 0, 1],
    ]);
    // a: tp 1 of 2 predicted → P 0.5, R 1; b: never predicted → 0; c: tp 1 of 2 predicted, 2 actual → 0.5, 0.5
    expect(e.perClass.map((s) => [s.precision, s.recall, s.support])).toEqual([
      [0.5, 1, 1],
      [0, 0, 1],
      [0.5, 0.5, 2],
    ]);
    expect(e.accuracy).toBe(0.5);
  });

  it('gives one-vs-rest curves per class and keeps the wrong-example limit', () => {
    expect(e.curves.map((c) => c.label)).toEqual(['a', 'b', 'c']);
    // class a: scores 0.7(+) 0.5 0.2 0.1 → the positive is on top → AUC 1
    expect(e.curves[0]!.rocAuc).toBe(1);
    expect(e.confidentlyWrong).toHaveLength(1);
    expect(e.confidentlyWrong[0]).toMatchObject({ index: 1, predicted: 2, actual: 1 });
  });

  it('refuses targets that are not class indices and outputs of the wrong width', () => {
    expect(() => evaluateClassification([[0.5, 0.5]], [2], ['a', 'b'])).toThrow(/Row 1 has target 2/);
    expect(() => classProbabilities([[0.2, 0.8]], 3)).toThrow(/Row 1 has 2 outputs/);
  });
});

describe('regression', () => {
  // predicted 2 4 6, actual 1 5 6 → residuals −1 1 0; mean 4, SS_tot 9+1+4 = 14, SS_res 2
  const e = evaluateRegression([2, 4, 6], [1, 5, 6], 2);

  it('computes MAE, RMSE and R²', () => {
    expect(e.mae).toBeCloseTo(2 / 3);
    expect(e.rmse).toBeCloseTo(Math.sqrt(2 / 3));
    expect(e.r2).toBeCloseTo(1 - 2 / 14);
    expect(e.points.map((p) => p.residual)).toEqual([-1, 1, 0]);
    // |−1| and |1| tie: the earlier row first
    expect(e.largestErrors.map((p) => p.index)).toEqual([0, 1, 2]);
  });

  it('bins the residuals', () => {
    expect(e.residualHistogram).toEqual([
      { from: -1, to: 0, count: 1 },
      { from: 0, to: 1, count: 2 },
    ]);
    expect(histogram([3, 3])).toEqual([{ from: 3, to: 3, count: 2 }]);
  });

  it('has no R² when the actual values do not vary', () => {
    expect(evaluateRegression([1, 2], [2, 2]).r2).toBeNull();
  });
});
