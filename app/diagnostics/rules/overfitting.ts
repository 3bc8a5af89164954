import type { Curves } from '../curves';
import { addDropoutFix, addL2Fix, augmentFix, resizeFix } from '../fixes';
import { argMin, fmt, noiseLevel, pct, tailMean } from '../series';
import { THRESHOLDS as T } from '../thresholds';
import type { Fix, Verdict } from '../types';

const END = 3;

/** Patience for the early-stopping fix: a tenth of the run, between 3 and 10 epochs of noise allowance. */
export function patienceFor(epochs: number): number {
  return Math.max(3, Math.min(10, Math.round(epochs / 10)));
}

function overfitFixes(c: Curves, best: number): Fix[] {
  const fixes: Fix[] = [...augmentFix(c.input.augmentation), ...addDropoutFix(c.input.graph), ...addL2Fix(c.input.graph)];
  const config = c.input.trainConfig;
  if (!c.input.earlyStopped?.restored) {
    if (!config.earlyStopping) fixes.push({ kind: 'early_stopping', patience: patienceFor(config.epochs) });
    // Seeded runs repeat exactly, so stopping after the best epoch keeps the best model.
    if (best + 1 < config.epochs) fixes.push({ kind: 'fewer_epochs', epochs: best + 1 });
  }
  fixes.push(...resizeFix(c.input.graph, 0.5), { kind: 'more_data' });
  return fixes;
}

/**
 * Early stopping that restored the best weights already keeps the overfitted epochs out of the
 * saved model: still worth knowing (the best model may improve with regularisation), no longer a problem.
 */
function softenIfRestored(c: Curves, verdict: Verdict): Verdict {
  const stopped = c.input.earlyStopped;
  if (!stopped?.restored) return verdict;
  const kept = stopped.bestEpoch === null ? 'the best epoch' : `epoch ${stopped.bestEpoch + 1}`;
  return {
    ...verdict,
    severity: 'info',
    explanation: `${verdict.explanation} Early stopping caught it and kept the weights of ${kept}, so the saved model is the best one this setup can give; the fixes below can make that best one better.`,
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
  const baseline = c.input.baseline;
  const worseThanBaseline = baseline !== null && baseline !== undefined && endVal >= baseline.val_loss;
  const last = c.n - 1;
  return {
    kind: 'overfitting',
    severity: rise >= T.riseCritical * bestVal || worseThanBaseline ? 'critical' : 'warning',
    title: 'Overfitting',
    explanation:
      'The model is memorising the training rows instead of learning patterns that carry over to new data: its error on the training data keeps falling, but its error on the validation rows (data it never trains on) has turned back up. Every epoch after the best one makes the model worse for real use.' +
      (worseThanBaseline ? ' It now does worse on new data than simply predicting the average answer.' : ''),
    evidence: {
      // The rule compares smoothed levels; the sentence quotes the epochs' own values, as the chart shows them.
      summary: `Validation loss was lowest around epoch ${c.epochOf[best]! + 1} (${fmt(c.val[best]!)}), then rose for ${after} epochs to ${fmt(c.val[last]!)} at epoch ${c.epochOf[last]! + 1} (${pct(rise / bestVal)} above its lowest level), while the training loss fell from ${fmt(c.loss[best]!)} to ${fmt(c.loss[last]!)}.${worseThanBaseline ? ` The naive baseline's validation loss is ${fmt(baseline.val_loss)}.` : ''}`,
      span: { from: c.epochOf[best]!, to: c.epochOf[last]! },
      points: [
        { epoch: c.epochOf[best]!, series: 'val_loss', value: c.val[best]!, label: 'lowest validation loss' },
        { epoch: c.epochOf[last]!, series: 'val_loss', value: c.val[last]!, label: 'final validation loss' },
        { epoch: c.epochOf[best]!, series: 'loss', value: c.loss[best]!, label: 'training loss at the best epoch' },
        { epoch: c.epochOf[last]!, series: 'loss', value: c.loss[last]!, label: 'final training loss' },
      ],
    },
    fixes: overfitFixes(c, best),
  };
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
  return {
    kind: 'overfitting',
    severity: 'warning',
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
    fixes: overfitFixes(c, best),
  };
}

export function overfitting(c: Curves): Verdict | null {
  const verdict = risingValidation(c) ?? growingGap(c);
  return verdict && softenIfRestored(c, verdict);
}

