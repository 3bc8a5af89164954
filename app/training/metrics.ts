import type { MetricName, TaskKind } from './config';

export type MetricValues = Partial<Record<MetricName, number | null>>;

/**
 * Epoch metrics from labels and predictions, accumulated batch by batch in plain numbers.
 * Precision, recall, AUC and R² are ratios over the whole epoch, not means of per-batch
 * values (a batch with no positive rows has no recall), so the sums are kept instead.
 * Regression errors are multiplied by `scale` (the target's std) to report the user's units.
 */
export class MetricAccumulator {
  private rows = 0;
  private correct = 0;
  private tp = 0;
  private fp = 0;
  private fn = 0;
  private absSum = 0;
  private sqSum = 0;
  private ySum = 0;
  private ySqSum = 0;
  private readonly scores: number[] = [];
  private readonly labels: number[] = [];

  constructor(
    private readonly kind: TaskKind,
    private readonly metrics: readonly MetricName[],
    private readonly width: number,
    private readonly scale = 1,
  ) {}

  /** Row-major targets and predictions of `yTrue.length / width` rows. */
  add(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
    const width = this.width;
    const n = Math.floor(yTrue.length / width);
    const keepScores = this.metrics.includes('auc');
    for (let r = 0; r < n; r++) {
      const o = r * width;
      if (this.kind.task === 'regression') {
        for (let j = 0; j < width; j++) {
          const y = yTrue[o + j]!;
          const e = yPred[o + j]! - y;
          this.absSum += Math.abs(e);
          this.sqSum += e * e;
          this.ySum += y;
          this.ySqSum += y * y;
        }
        continue;
      }
      if (width === 1) {
        const positive = yTrue[o]! > 0.5;
        const p = yPred[o]!;
        const predicted = p > 0.5;
        if (predicted === positive) this.correct++;
        if (predicted && positive) this.tp++;
        else if (predicted) this.fp++;
        else if (positive) this.fn++;
        if (keepScores) {
          this.scores.push(p);
          this.labels.push(positive ? 1 : 0);
        }
        continue;
      }
      let best = 0;
      let label = 0;
      for (let j = 1; j < width; j++) {
        if (yPred[o + j]! > yPred[o + best]!) best = j;
        if (yTrue[o + j]! > yTrue[o + label]!) label = j;
      }
      if (best === label) this.correct++;
    }
    this.rows += n;
  }

  get count(): number {
    return this.rows;
  }

  results(): MetricValues {
    const out: MetricValues = {};
    const n = this.rows;
    const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
    const values = this.kind.task === 'regression' ? n * this.width : n;
    for (const m of this.metrics) {
      switch (m) {
        case 'accuracy':
          out.accuracy = ratio(this.correct, n);
          break;
        case 'precision':
          out.precision = ratio(this.tp, this.tp + this.fp);
          break;
        case 'recall':
          out.recall = ratio(this.tp, this.tp + this.fn);
          break;
        case 'auc':
          out.auc = rocAuc(this.scores, this.labels);
          break;
        case 'mae':
          out.mae = values > 0 ? (this.absSum / values) * this.scale : null;
          break;
        case 'rmse':
          out.rmse = values > 0 ? Math.sqrt(this.sqSum / values) * this.scale : null;
          break;
        case 'r2': {
          // R² is the same in standardized and original units: the scale cancels.
          const ssTot = this.ySqSum - (this.ySum * this.ySum) / Math.max(1, values);
          out.r2 = values > 1 && ssTot > 0 ? 1 - this.sqSum / ssTot : null;
          break;
        }
      }
    }
    return out;
  }
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative (Mann–Whitney U, ties counted as one half). Null when one class is absent.
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number | null {
  const positives = labels.reduce((s, l) => s + l, 0);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = scores.map((s, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[order[k]!] === 1) rankSum += averageRank;
    i = j + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
