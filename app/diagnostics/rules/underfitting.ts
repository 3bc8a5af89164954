import { plannedEpochs, type Curves } from '../curves';
import { resizeFix } from '../fixes';
import { fmt, pct, smooth, tailMean } from '../series';
import { THRESHOLDS as T } from '../thresholds';
import type { Fix, Verdict } from '../types';

function underfitFixes(c: Curves): Fix[] {
  const fixes: Fix[] = [...resizeFix(c.input.graph, 2)];
  // Still improving at the end: more epochs are the cheapest fix.
  const quarter = Math.max(2, Math.round(c.n / 4));
  if (c.sLoss[c.n - 1]! <= (1 - T.plateauGain) * c.sLoss[c.n - 1 - quarter]!) {
    fixes.push({ kind: 'train_longer', epochs: Math.min(10_000, plannedEpochs(c) * 2) });
  }
  return fixes;
}

/**
 * The model does (almost) no better than the naive baseline on the data it trains on, or it
 * stopped improving early at a poor level. Needs the baseline: without it "poor" has no meaning.
 */
/**
 * How close the model stays to the naive baseline on its own training data: `near` when its best
 * training loss is within 10% of the baseline's or its best training accuracy barely clears the
 * majority rate. Null without a baseline.
 */
export function nearBaseline(c: Curves): {
  near: boolean;
  share: number;
  best: number;
  bestIdx: number;
  bestAcc: number | null;
  accuracyNearMajority: boolean;
} | null {
  const baseline = c.input.baseline;
  if (!baseline || !(baseline.loss > 0)) return null;
  const best = Math.min(...c.sLoss);
  const share = best / baseline.loss;
  const bestAcc = c.acc ? Math.max(...smooth(c.acc)) : null;
  const majority = baseline.accuracy;
  const accuracyNearMajority =
    bestAcc !== null && majority !== undefined && bestAcc < majority + T.accuracyLift * (1 - majority);
  return {
    near: share >= T.nearBaseline || accuracyNearMajority,
    share,
    best,
    bestIdx: c.sLoss.indexOf(best),
    bestAcc,
    accuracyNearMajority,
  };
}

export function underfitting(c: Curves): Verdict | null {
  const baseline = c.input.baseline;
  const level = nearBaseline(c);
  if (!baseline || !level) return null;
  const { best, bestIdx, share, bestAcc, accuracyNearMajority } = level;
  const majority = baseline.accuracy;
  const last = c.n - 1;

  if (level.near) {
    const accText = accuracyNearMajority
      ? ` Its best training accuracy, ${pct(bestAcc!)}, is barely above the ${pct(majority!)} of always answering the most common class.`
      : '';
    return {
      kind: 'underfitting',
      severity: 'critical',
      title: 'Underfitting: the model learned almost nothing',
      explanation:
        'The model does hardly better than a guess that ignores the inputs altogether, even on the rows it trains on. It is too simple for the pattern, was not trained long enough, or cannot learn at this learning rate. (If the inputs truly say nothing about the target, no model can do better.)',
      evidence: {
        summary: `The best training loss, ${fmt(best)} (epoch ${c.epochOf[bestIdx]! + 1}), is ${pct(share)} of the naive baseline's ${fmt(baseline.loss)} (${baseline.kind === 'training_mean' ? 'always predicting the training mean' : baseline.kind === 'last_value' ? 'always predicting the last value' : 'always predicting the class frequencies'}).${accText}`,
        span: { from: c.epochOf[0]!, to: c.epochOf[last]! },
        points: [
          { epoch: c.epochOf[bestIdx]!, series: 'loss', value: c.loss[bestIdx]!, label: 'best training loss' },
          { epoch: c.epochOf[last]!, series: 'val_loss', value: c.val[last]!, label: 'final validation loss' },
        ],
      },
      fixes: underfitFixes(c),
    };
  }

  const mid = Math.floor(c.n / 2);
  const gain = 1 - tailMean(c.loss, 3) / c.sLoss[mid]!;
  if (share >= T.poorLevel && gain < T.plateauGain) {
    return {
      kind: 'underfitting',
      severity: 'warning',
      title: 'Underfitting: stuck at a poor level',
      explanation:
        'The model stopped improving early, while it still gets much of the training data wrong. If the data holds more signal than this, a larger model (or one trained with a higher learning rate) can find it; if the target is mostly noise, this may be as good as it gets.',
      evidence: {
        summary: `From epoch ${c.epochOf[mid]! + 1} on, the training loss improved by only ${pct(Math.max(0, gain))}, and it is still ${pct(share)} of the naive baseline's ${fmt(baseline.loss)}.`,
        span: { from: c.epochOf[mid]!, to: c.epochOf[last]! },
        points: [
          { epoch: c.epochOf[mid]!, series: 'loss', value: c.loss[mid]!, label: 'training loss at mid-run' },
          { epoch: c.epochOf[last]!, series: 'loss', value: c.loss[last]!, label: 'final training loss' },
        ],
      },
      fixes: underfitFixes(c),
    };
  }
  return null;
}
