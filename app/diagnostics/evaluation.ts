/**
 * Evaluation of a trained model on held-out rows: pure functions of predictions and targets, so
 * the numbers the panel shows are the numbers the tests check by hand.
 */

export interface ClassScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose actual class is this one. */
  support: number;
}

export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
}

export interface RocPoint {
  fpr: number;
  tpr: number;
}
export interface PrPoint {
  recall: number;
  precision: number;
}

/** One class against the rest (the positive class of a binary task). */
export interface ClassCurves {
  label: string;
  roc: RocPoint[];
  /** null when undefined: the rows hold only one of the two sides. */
  rocAuc: number | null;
  pr: PrPoint[];
  /** Average precision: Σ (recallₙ − recallₙ₋₁) · precisionₙ over thresholds (as scikit-learn). */
  prAuc: number | null;
}

export interface WrongExample {
  /** Position of the row among the evaluated rows. */
  index: number;
  actual: number;
  predicted: number;
  /** The probability the model gave its (wrong) prediction. */
  confidence: number;
  /** The probability it gave the actual class. */
  actualProbability: number;
}

export interface ClassificationEvaluation {
  kind: 'classification';
  labels: string[];
  rows: number;
  accuracy: number;
  /** confusion[actual][predicted] = count. */
  confusion: number[][];
  /** The predicted class of each evaluated row. */
  predictions: number[];
  perClass: ClassScores[];
  macro: AveragedScores;
  weighted: AveragedScores;
  /** Binary: one entry, for labels[1] as positive. Multi-class: one-vs-rest per class. */
  curves: ClassCurves[];
  confidentlyWrong: WrongExample[];
}

export interface RegressionPoint {
  index: number;
  actual: number;
  predicted: number;
  /** actual − predicted */
  residual: number;
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

export interface RegressionEvaluation {
  kind: 'regression';
  rows: number;
  mae: number;
  rmse: number;
  /** 1 − SS_res / SS_tot; null when every actual value is the same (no variance to explain). */
  r2: number | null;
  points: RegressionPoint[];
  /** The rows with the largest absolute residuals, largest first. */
  largestErrors: RegressionPoint[];
  residualHistogram: HistogramBin[];
}

export type Evaluation = ClassificationEvaluation | RegressionEvaluation;

const safeDiv = (a: number, b: number) => (b === 0 ? 0 : a / b);

/**
 * Class probabilities per row. A binary model has one sigmoid output p = P(labels[1]); it is
 * widened to [1 − p, p] so that both tasks share one code path.
 */
export function classProbabilities(outputs: readonly (readonly number[])[], classes: number): number[][] {
  return outputs.map((row, i) => {
    if (row.length === classes) return [...row];
    if (classes === 2 && row.length === 1) {
      const p = row[0] ?? 0;
      return [1 - p, p];
    }
    throw new Error(
      `Row ${i + 1} has ${row.length} outputs; a ${classes}-class model needs ${classes === 2 ? '1 or 2' : classes}.`,
    );
  });
}

const argmax = (row: readonly number[]) => row.reduce((best, v, k) => (v > (row[best] ?? -Infinity) ? k : best), 0);

/**
 * ROC and precision-recall points for `scores` (higher = more positive). Tied scores form one
 * threshold, so a tie never draws an optimistic staircase.
 */
export function binaryCurves(scores: readonly number[], positive: readonly boolean[]): Omit<ClassCurves, 'label'> {
  const order = scores.map((s, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  const P = positive.filter(Boolean).length;
  const N = positive.length - P;
  const roc: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  const pr: PrPoint[] = [{ recall: 0, precision: 1 }];
  let tp = 0;
  let fp = 0;
  let rocAuc = 0;
  let prAuc = 0;
  for (let i = 0; i < order.length;) {
    const s = scores[order[i]!];
    while (i < order.length && scores[order[i]!] === s) {
      if (positive[order[i]!]) tp += 1;
      else fp += 1;
      i += 1;
    }
    const prev = roc.at(-1)!;
    const point = { fpr: safeDiv(fp, N), tpr: safeDiv(tp, P) };
    rocAuc += ((point.fpr - prev.fpr) * (point.tpr + prev.tpr)) / 2;
    roc.push(point);
    const recall = safeDiv(tp, P);
    const precision = safeDiv(tp, tp + fp);
    prAuc += (recall - pr.at(-1)!.recall) * precision;
    // Past full recall, lower thresholds only add false positives: the curve ends there (as scikit-learn's).
    if (pr.at(-1)!.recall < 1 || P === 0) pr.push({ recall, precision });
  }
  // With no positives (or no negatives) the area is undefined; null says so instead of a fake 0
  // (and survives JSON, which NaN does not).
  return { roc, rocAuc: P === 0 || N === 0 ? null : rocAuc, pr, prAuc: P === 0 ? null : prAuc };
}

export interface ClassificationOptions {
  /** How many confidently wrong rows to keep (default 10). */
  wrongLimit?: number;
}

/** Confusion matrix, per-class and averaged scores, curves and the most confident mistakes. */
export function evaluateClassification(
  outputs: readonly (readonly number[])[],
  targets: readonly number[],
  labels: readonly string[],
  options: ClassificationOptions = {},
): ClassificationEvaluation {
  const k = labels.length;
  if (outputs.length !== targets.length)
    throw new Error(`${outputs.length} predictions but ${targets.length} targets.`);
  const probs = classProbabilities(outputs, k);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const predicted = probs.map(argmax);
  const wrong: WrongExample[] = [];
  targets.forEach((actual, i) => {
    if (!Number.isInteger(actual) || actual < 0 || actual >= k)
      throw new Error(`Row ${i + 1} has target ${actual}, not a class index below ${k}.`);
    const p = predicted[i]!;
    confusion[actual]![p]! += 1;
    if (p !== actual)
      wrong.push({ index: i, actual, predicted: p, confidence: probs[i]![p]!, actualProbability: probs[i]![actual]! });
  });
  const n = targets.length;
  const perClass: ClassScores[] = labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = safeDiv(tp, predictedCount);
    const recall = safeDiv(tp, support);
    return { label, precision, recall, f1: safeDiv(2 * precision * recall, precision + recall), support };
  });
  const average = (weight: (s: ClassScores) => number): AveragedScores => {
    const total = perClass.reduce((a, s) => a + weight(s), 0);
    const avg = (f: (s: ClassScores) => number) =>
      safeDiv(
        perClass.reduce((a, s) => a + weight(s) * f(s), 0),
        total,
      );
    return { precision: avg((s) => s.precision), recall: avg((s) => s.recall), f1: avg((s) => s.f1) };
  };
  const correct = confusion.reduce((a, row, c) => a + row[c]!, 0);
  const curveFor = (c: number): ClassCurves => ({
    label: labels[c]!,
    ...binaryCurves(
      probs.map((row) => row[c]!),
      targets.map((t) => t === c),
    ),
  });
  wrong.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return {
    kind: 'classification',
    labels: [...labels],
    rows: n,
    accuracy: safeDiv(correct, n),
    confusion,
    predictions: predicted,
    perClass,
    macro: average(() => 1),
    weighted: average((s) => s.support),
    curves: k === 2 ? [curveFor(1)] : labels.map((_, c) => curveFor(c)),
    confidentlyWrong: wrong.slice(0, options.wrongLimit ?? 10),
  };
}

/** Equal-width bins from the smallest to the largest value (one bin when they are all equal). */
export function histogram(values: readonly number[], bins = 20): HistogramBin[] {
  if (values.length === 0) return [];
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (min === max) return [{ from: min, to: max, count: values.length }];
  const width = (max - min) / bins;
  const out = Array.from({ length: bins }, (_, b) => ({
    from: min + b * width,
    to: b === bins - 1 ? max : min + (b + 1) * width,
    count: 0,
  }));
  for (const v of values) out[Math.min(bins - 1, Math.floor((v - min) / width))]!.count += 1;
  return out;
}

/** MAE, RMSE, R², the points of both scatter plots and a residual histogram. */
export function evaluateRegression(
  predicted: readonly number[],
  actual: readonly number[],
  bins = 20,
  errorLimit = 10,
): RegressionEvaluation {
  if (predicted.length !== actual.length)
    throw new Error(`${predicted.length} predictions but ${actual.length} targets.`);
  const n = actual.length;
  const points = actual.map((a, index) => ({
    index,
    actual: a,
    predicted: predicted[index]!,
    residual: a - predicted[index]!,
  }));
  const mean = actual.reduce((s, a) => s + a, 0) / Math.max(1, n);
  let abs = 0;
  let sq = 0;
  let tot = 0;
  for (const p of points) {
    abs += Math.abs(p.residual);
    sq += p.residual * p.residual;
    tot += (p.actual - mean) ** 2;
  }
  return {
    kind: 'regression',
    rows: n,
    mae: safeDiv(abs, n),
    rmse: Math.sqrt(safeDiv(sq, n)),
    r2: tot === 0 ? null : 1 - sq / tot,
    points,
    largestErrors: [...points]
      .sort((a, b) => Math.abs(b.residual) - Math.abs(a.residual) || a.index - b.index)
      .slice(0, errorLimit),
    residualHistogram: histogram(
      points.map((p) => p.residual),
      bins,
    ),
  };
}
