import { curvesOf, lowestValIndex } from './curves';
import { presentVerdicts } from './present';
import { diverging } from './rules/diverging';
import { lrTooHigh, lrTooLow } from './rules/learning-rate';
import { overfitting } from './rules/overfitting';
import { underfitting } from './rules/underfitting';
import { fmt, pct } from './series';
import { THRESHOLDS } from './thresholds';
import type { DiagnosisInput, Verdict } from './types';

/**
 * The verdicts on a run, most severe first, with at most 3 fixes each and none repeated. Pure: the same history always gives the same
 * verdicts, during training (partial history) and after. An empty list means too early to tell:
 * fewer than THRESHOLDS.minEpochs epochs and no divergence, or a run that failed for another
 * reason. Shapes that need the whole run (underfitting, a too-low learning rate, healthy) are
 * judged only once it completed.
 */
export function diagnose(input: DiagnosisInput): Verdict[] {
  const diverged = diverging(input);
  if (diverged) return presentVerdicts([diverged]);
  const curves = curvesOf(input);
  if (!curves || curves.n < THRESHOLDS.minEpochs) return [];
  const complete = input.status === 'completed';
  const verdicts: Verdict[] = [];
  const over = overfitting(curves);
  if (over) verdicts.push(over);
  const high = lrTooHigh(curves);
  if (high) verdicts.push(high);
  if (complete) {
    const low = high ? null : lrTooLow(curves);
    if (low) verdicts.push(low);
    // A model that overfits is not underfitting, and a wrong learning rate already explains poor progress.
    const under = over || low || high ? null : underfitting(curves);
    if (under) verdicts.push(under);
  }
  if (verdicts.length === 0 && complete) verdicts.push(healthy(input, curves));
  return presentVerdicts(verdicts);
}

function healthy(input: DiagnosisInput, c: NonNullable<ReturnType<typeof curvesOf>>): Verdict {
  const best = lowestValIndex(c);
  const last = c.n - 1;
  const baseline = input.baseline;
  const vsBaseline =
    baseline && baseline.val_loss > 0
      ? ` The naive baseline's validation loss is ${fmt(baseline.val_loss)}; this model's is ${pct(c.val[last]! / baseline.val_loss)} of it.`
      : '';
  return {
    kind: 'healthy',
    severity: 'info',
    title: 'Healthy training',
    explanation:
      'Training and validation loss went down together and settled: the model learned patterns that also hold on data it did not train on, and nothing suggests a different learning rate or model size would clearly help.',
    evidence: {
      summary: `Validation loss ${fmt(c.val[0]!)} → ${fmt(c.val[last]!)} (lowest ${fmt(c.val[best]!)} at epoch ${c.epochOf[best]! + 1}); training loss ${fmt(c.loss[0]!)} → ${fmt(c.loss[last]!)}.${vsBaseline}`,
      span: null,
      points: [
        { epoch: c.epochOf[best]!, series: 'val_loss', value: c.val[best]!, label: 'lowest validation loss' },
        { epoch: c.epochOf[last]!, series: 'val_loss', value: c.val[last]!, label: 'final validation loss' },
      ],
    },
    fixes: [],
  };
}
