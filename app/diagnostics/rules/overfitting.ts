import { lowestValIndex, plannedEpochs, type Curves } from '../curves';
import { addDropoutFix, addL2Fix, augmentFix, resizeFix } from '../fixes';
import { argMin, fmt, noiseLevel, pct, smooth, tailMean } from '../series';
import { THRESHOLDS as T } from '../thresholds';
import type { Fix, Severity, Verdict } from '../types';

const END = 3;

/** Patience for the early-stopping fix: a tenth of the run, between 3 and 10 epochs of noise allowance. */
export function patienceFor(epochs: number): number {
  return Math.max(3, Math.min(10, Math.round(epochs / 10)));
}

/**
 * What the overfitting costs: the model the user gets (the final weights, or the best epoch's
 * when early stopping restored them) against the best the run had, as a share of that best
 * model's improvement over the naive baseline (THRESHOLDS.costWarning / costCritical). Levels are
 * smoothed (an end level is the mean of the last epochs), so one noisy epoch cannot decide it.
 */
export interface OverfitCost {
  /** Index (into the curves) of the epoch whose weights the user gets. */
  kept: number;
  restored: boolean;
  /** Validation loss: best level, the kept model's, the reference (the baseline's, else the first epoch's). */
  bestVal: number;
  keptVal: number;
  refVal: number;
  /** Share of the improvement over the reference given up (0: none; Infinity: there was none to give up). */
  lossShare: number;
  /** The same on validation accuracy, for classification runs that report it. */
  acc: { best: number; kept: number; ref: number; share: number } | null;
  /** The kept model is near or below the naive baseline (on accuracy when there is one, else loss). */
  nearBaseline: boolean;
  /** The kept model's validation loss is at or above the baseline's. */
  lossAboveBaseline: boolean;
}

const shareOf = (lost: number, gained: number) =>
  lost <= 0 ? 0 : gained > 0 ? lost / gained : Number.POSITIVE_INFINITY;

export function overfitCost(c: Curves): OverfitCost {
  const last = c.n - 1;
  const stopped = c.input.earlyStopped;
  const restored = stopped?.restored === true;
  const bestIdx = argMin(c.sVal);
  let kept = last;
  if (restored) {
    const at = stopped.bestEpoch === null ? -1 : c.epochOf.indexOf(stopped.bestEpoch);
    kept = at >= 0 ? at : bestIdx;
  }
  const level = (xs: readonly number[], smoothed: readonly number[]) =>
    kept === last ? tailMean(xs, END) : smoothed[kept]!;
  const baseline = c.input.baseline;
  const bestVal = c.sVal[bestIdx]!;
  const keptVal = level(c.val, c.sVal);
  const refVal = baseline && baseline.val_loss > 0 ? baseline.val_loss : c.val[0]!;
  const lossShare = shareOf(keptVal - bestVal, refVal - bestVal);
  const lossAboveBaseline = baseline !== null && baseline !== undefined && keptVal >= baseline.val_loss;
  let acc: OverfitCost['acc'] = null;
  if (c.valAcc) {
    const sAcc = smooth(c.valAcc);
    const best = Math.max(...sAcc);
    const ref = baseline?.val_accuracy ?? c.valAcc[0]!;
    const keptAcc = level(c.valAcc, sAcc);
    acc = { best, kept: keptAcc, ref, share: shareOf(best - keptAcc, best - ref) };
  }
  const nearBaseline = acc
    ? baseline?.val_accuracy !== undefined && acc.kept < acc.ref + T.accuracyLift * (1 - acc.ref)
    : baseline !== null && baseline !== undefined && keptVal >= T.nearBaseline * baseline.val_loss;
  return { kept, restored, bestVal, keptVal, refVal, lossShare, acc, nearBaseline, lossAboveBaseline };
}

/**
 * Critical when the model the user gets is materially worse than the run's best (a third of its
 * gain over the baseline given up: on accuracy for classification, else loss) or near/below the
 * baseline; a warning when it gave up 5% of its gain on either; otherwise only worth knowing.
 */
export function overfitSeverity(cost: OverfitCost): Severity {
  const decisive = cost.acc ? cost.acc.share : cost.lossShare;
  if (decisive >= T.costCritical || cost.nearBaseline) return 'critical';
  if (Math.max(cost.lossShare, cost.acc?.share ?? 0) >= T.costWarning) return 'warning';
  return 'info';
}

/** The cost in one sentence with its numbers. */
function costSentence(c: Curves, cost: OverfitCost): string {
  const which = cost.restored ? `the restored weights of epoch ${c.epochOf[cost.kept]! + 1}` : 'the final weights';
  const ref = c.input.baseline ? 'the naive baseline' : 'the first epoch';
  const lost = (share: number) =>
    share === Number.POSITIVE_INFINITY ? 'it never beat it' : `${pct(share)} of the improvement given up`;
  const loss = `validation loss ${fmt(cost.keptVal)} vs ${fmt(cost.bestVal)} at its best and ${fmt(cost.refVal)} for ${ref} (${lost(cost.lossShare)})`;
  if (!cost.acc) return `The model you get (${which}) has ${loss}.`;
  const a = cost.acc;
  return `The model you get (${which}) has validation accuracy ${pct(a.kept)} vs ${pct(a.best)} at its best and ${pct(a.ref)} for ${ref} (${lost(a.share)}); ${loss}.`;
}

/**
 * At most THRESHOLDS.maxFixes, best first for this evidence. When the model the user gets is
 * worse than the run's best (warning or critical, no restore), stopping at the best epoch wins
 * it back for free, so it comes first; otherwise the regularisers that can make the best model
 * better (augmentation for images, Dropout, L2), then a smaller model and more data.
 */
function overfitFixes(c: Curves, best: number, severity: Severity): Fix[] {
  const config = c.input.trainConfig;
  const planned = plannedEpochs(c);
  const stop: Fix[] = [];
  if (!c.input.earlyStopped?.restored) {
    if (!config.earlyStopping) stop.push({ kind: 'early_stopping', patience: patienceFor(planned) });
    // Seeded runs repeat exactly, so stopping after the best epoch keeps the best model.
    else if (best + 1 < planned) stop.push({ kind: 'fewer_epochs', epochs: best + 1 });
  }
  const regularise: Fix[] = [
    ...augmentFix(c.input.augmentation),
    ...addDropoutFix(c.input.graph),
    ...addL2Fix(c.input.graph),
  ];
  const rest: Fix[] = [...resizeFix(c.input.graph, 0.5), { kind: 'more_data' }];
  const ordered = severity === 'info' ? [...regularise, ...stop, ...rest] : [...stop, ...regularise, ...rest];
  return ordered.slice(0, T.maxFixes);
}

/** An overfitting verdict's severity, explanation, cost sentence and fixes, from what it costs the user. */
function calibrated(c: Curves, verdict: Omit<Verdict, 'severity' | 'fixes'>, best: number): Verdict {
  const cost = overfitCost(c);
  const severity = overfitSeverity(cost);
  let explanation = verdict.explanation;
  if (cost.restored) {
    const kept = c.input.earlyStopped?.bestEpoch === null ? 'the best epoch' : `epoch ${c.epochOf[cost.kept]! + 1}`;
    explanation += ` Early stopping caught it and kept the weights of ${kept}, so the saved model is the best one this setup gave; the fixes below can make that best one better.`;
  } else if (severity === 'info') {
    explanation += ' Here it costs little: the model you get is nearly as good as the best one the run had.';
  }
  if (cost.lossAboveBaseline && cost.acc && !cost.nearBaseline) {
    explanation +=
      ' Its validation loss is now above the naive baseline’s although its accuracy holds up: its predicted probabilities have become overconfident.';
  } else if (cost.lossAboveBaseline) {
    explanation += ' It now does worse on new data than simply predicting the average answer.';
  }
  return {
    ...verdict,
    severity,
    explanation,
    evidence: { ...verdict.evidence, summary: `${verdict.evidence.summary} ${costSentence(c, cost)}` },
    fixes: overfitFixes(c, best, severity),
  };
}

/** Rule 1: the validation loss turned back up and stayed up while the training loss kept falling. */
function risingValidation(c: Curves): Verdict | null {
  const best = argMin(c.sVal);
  const after = c.n - 1 - best;
  if (after < Math.max(T.riseMinEpochs, Math.ceil(T.riseMinShare * c.n))) return null;
  const bestVal = c.sVal[best]!;
  const endVal = tailMean(c.val, END);
  const rise = endVal - bestVal;
  const noise = noiseLevel(c.val);
  if (!(rise >= T.riseRelative * bestVal && rise >= T.riseNoiseMultiple * noise)) return null;
  const trainAtBest = c.sLoss[best]!;
  const trainEnd = tailMean(c.loss, END);
  if (!(trainEnd <= (1 - T.trainStillFalling) * trainAtBest)) return null;
  const last = c.n - 1;
  const low = lowestValIndex(c);
  return calibrated(
    c,
    {
      kind: 'overfitting',
      title: 'Overfitting',
      explanation:
        'The model is memorising the training rows instead of learning patterns that carry over to new data: its error on the training data keeps falling, but its error on the validation rows (data it never trains on) has turned back up. Every epoch after the best one makes the model worse for real use.',
      evidence: {
        // The rule compares smoothed levels; the sentence quotes the epochs' own values, as the chart shows them.
        // The epoch named is the one early stopping and the charts name (lowestValIndex).
        summary: `Validation loss was lowest at epoch ${c.epochOf[low]! + 1} (${fmt(c.val[low]!)}), then rose for ${c.n - 1 - low === 1 ? '1 epoch' : `${c.n - 1 - low} epochs`} to ${fmt(c.val[last]!)} at epoch ${c.epochOf[last]! + 1} (${pct(rise / bestVal)} above its lowest level), while the training loss fell from ${fmt(c.loss[low]!)} to ${fmt(c.loss[last]!)}.`,
        span: { from: c.epochOf[low]!, to: c.epochOf[last]! },
        points: [
          { epoch: c.epochOf[low]!, series: 'val_loss', value: c.val[low]!, label: 'lowest validation loss' },
          { epoch: c.epochOf[last]!, series: 'val_loss', value: c.val[last]!, label: 'final validation loss' },
          { epoch: c.epochOf[low]!, series: 'loss', value: c.loss[low]!, label: 'training loss at the best epoch' },
          { epoch: c.epochOf[last]!, series: 'loss', value: c.loss[last]!, label: 'final training loss' },
        ],
      },
    },
    best,
  );
}

/** Rule 2: no rise yet, but a gap between training and validation loss that keeps widening. */
function growingGap(c: Curves): Verdict | null {
  if (c.n < T.gapMinEpochs) return null;
  const mid = Math.floor(c.n / 2);
  const last = c.n - 1;
  const trainEnd = tailMean(c.loss, END);
  const valEnd = tailMean(c.val, END);
  if (!(trainEnd > 0)) return null;
  const ratioEnd = valEnd / trainEnd;
  const ratioMid = c.sVal[mid]! / c.sLoss[mid]!;
  const bestFirstHalf = Math.min(...c.sVal.slice(0, mid + 1));
  const stalled = valEnd >= (1 - T.gapValStalled) * bestFirstHalf;
  const trainFalling = trainEnd <= (1 - T.gapTrainFalling) * c.sLoss[mid]!;
  if (!(ratioEnd >= T.gapRatio && ratioEnd >= T.gapGrowth * ratioMid && stalled && trainFalling)) return null;
  if (c.acc && c.valAcc && !(tailMean(c.acc, END) - tailMean(c.valAcc, END) >= T.gapAccuracyPoints)) return null;
  const best = argMin(c.sVal);
  return calibrated(
    c,
    {
      kind: 'overfitting',
      title: 'Overfitting',
      explanation:
        'The model keeps getting better on its training rows but no longer on the validation rows: the gap between the two keeps widening. It is starting to memorise the training data; more epochs will not help it on new data.',
      evidence: {
        summary: `Validation loss is ${fmt(ratioEnd)}× the training loss at the end (${fmt(valEnd)} vs ${fmt(trainEnd)}), up from ${fmt(ratioMid)}× at epoch ${c.epochOf[mid]! + 1}; over the second half the training loss fell ${pct(1 - trainEnd / c.sLoss[mid]!)} while the validation loss did not improve.`,
        span: { from: c.epochOf[mid]!, to: c.epochOf[last]! },
        points: [
          { epoch: c.epochOf[mid]!, series: 'val_loss', value: c.val[mid]!, label: 'validation loss at mid-run' },
          { epoch: c.epochOf[last]!, series: 'val_loss', value: c.val[last]!, label: 'final validation loss' },
          { epoch: c.epochOf[mid]!, series: 'loss', value: c.loss[mid]!, label: 'training loss at mid-run' },
          { epoch: c.epochOf[last]!, series: 'loss', value: c.loss[last]!, label: 'final training loss' },
        ],
      },
    },
    best,
  );
}

export function overfitting(c: Curves): Verdict | null {
  return risingValidation(c) ?? growingGap(c);
}
