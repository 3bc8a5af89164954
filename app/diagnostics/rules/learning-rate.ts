import type { Curves } from '../curves';
import { fmt, median, noiseLevel, pct, tailMean } from '../series';
import { THRESHOLDS as T } from '../thresholds';
import type { Verdict } from '../types';

const HIGH_EXPLANATION =
  'The loss jumps around instead of going down smoothly: each update step is so big that it overshoots the better weights and lands somewhere worse. A smaller learning rate lets the model settle into a good solution.';

/** Worse than the constant guess on its own training data, and not getting better. */
function stuckAboveBaseline(c: Curves): Verdict | null {
  const baseline = c.input.baseline;
  if (!baseline || !(baseline.loss > 0)) return null;
  const best = Math.min(...c.sLoss);
  const mid = Math.floor(c.n / 2);
  const gain = 1 - tailMean(c.loss, 3) / c.sLoss[mid]!;
  if (!(best >= T.stuckAboveBaseline * baseline.loss && gain < T.plateauGain)) return null;
  const last = c.n - 1;
  const bestIdx = c.sLoss.indexOf(best);
  return {
    kind: 'lr_too_high',
    severity: 'critical',
    title: 'Learning rate too high: the model is stuck',
    explanation:
      'The model does worse on its own training data than a constant guess that ignores the inputs, and it has stopped improving. Steps far too large in the first epochs pushed the weights somewhere the model cannot recover from (for example, units that never switch on again). Train again with a much smaller learning rate.',
    evidence: {
      summary: `The best training loss, ${fmt(best)} (epoch ${c.epochOf[bestIdx]! + 1}), is ${fmt(best / baseline.loss)}× the naive baseline's ${fmt(baseline.loss)}, and it improved by only ${pct(Math.max(0, gain))} after epoch ${c.epochOf[mid]! + 1}, at learning rate ${c.input.trainConfig.learningRate}.`,
      span: { from: c.epochOf[0]!, to: c.epochOf[last]! },
      points: [
        { epoch: c.epochOf[0]!, series: 'loss', value: c.loss[0]!, label: 'first training loss' },
        { epoch: c.epochOf[last]!, series: 'loss', value: c.loss[last]!, label: 'final training loss' },
      ],
    },
    fixes: [{ kind: 'scale_lr', factor: 0.1 }],
  };
}

/** The loss jumps up from epoch to epoch or swings around without settling (or never got going). */
export function lrTooHigh(c: Curves): Verdict | null {
  const stuck = c.input.status === 'completed' ? stuckAboveBaseline(c) : null;
  if (stuck) return stuck;
  const reference = c.input.baseline?.loss ?? c.loss[0]!;
  const negligible = T.negligibleLoss * reference;
  const jumps: number[] = [];
  let biggest = 0;
  for (let i = 1; i < c.n; i++) {
    const ratio = c.loss[i]! / c.loss[i - 1]!;
    if (c.loss[i]! > negligible && ratio >= T.jumpFactor) {
      jumps.push(i);
      biggest = Math.max(biggest, ratio);
    }
  }
  const secondHalf = c.loss.slice(Math.floor(c.n / 2));
  const level = median(secondHalf);
  const swing = level > negligible && secondHalf.length >= 4 ? noiseLevel(secondHalf) / level : 0;
  const jumping = jumps.length >= T.jumpsToFlag || biggest >= T.bigJumpFactor;
  if (!jumping && swing < T.oscillation) return null;
  const lr = c.input.trainConfig.learningRate;
  const summary = jumping
    ? `The training loss jumped up ${jumps.length === 1 ? 'once' : `${jumps.length} times`} (by up to ${fmt(biggest)}×), at epoch${jumps.length === 1 ? '' : 's'} ${jumps.map((i) => c.epochOf[i]! + 1).join(', ')}, at learning rate ${lr}.`
    : `In the second half the training loss swings by about ${pct(swing)} of its level from one epoch to the next, instead of settling, at learning rate ${lr}.`;
  const last = c.n - 1;
  return {
    kind: 'lr_too_high',
    severity: 'warning',
    title: 'Learning rate too high',
    explanation: HIGH_EXPLANATION,
    evidence: {
      summary,
      span: jumping ? { from: c.epochOf[Math.max(0, jumps[0]! - 1)]!, to: c.epochOf[jumps.at(-1)!]! } : { from: c.epochOf[Math.floor(c.n / 2)]!, to: c.epochOf[last]! },
      points: (jumping ? jumps : [last]).map((i) => ({ epoch: c.epochOf[i]!, series: 'loss' as const, value: c.loss[i]!, label: jumping ? 'training loss jumped up' : 'final training loss' })),
    },
    fixes: [{ kind: 'scale_lr', factor: 0.5 }],
  };
}

/** A slow, steady, almost straight decline that is still going at the end: far from converged. */
export function lrTooLow(c: Curves): Verdict | null {
  if (c.n < T.lowLrMinEpochs) return null;
  const s = c.sLoss;
  const last = c.n - 1;
  const drop = s[0]! - s[last]!;
  if (!(drop > 0)) return null;
  const w = Math.max(2, Math.round(c.n / 4));
  const tailDrop = s[last - w]! - s[last]!;
  const proportional = w / last;
  let falling = 0;
  for (let i = 1; i < c.n; i++) if (s[i]! < s[i - 1]!) falling++;
  const steady = falling / last >= T.steadyShare;
  const valFalling = c.sVal[last]! < c.sVal[last - w]!;
  if (!(tailDrop / drop >= T.tailShare * proportional && tailDrop / s[last]! >= T.tailGain && steady && valFalling)) return null;
  const epochs = c.input.trainConfig.epochs;
  return {
    kind: 'lr_too_low',
    severity: 'warning',
    title: 'Learning rate too low',
    explanation:
      'The loss is going down slowly and steadily and was still falling when training ended: the model is learning, but in steps so small that it ran out of epochs long before it got good. A larger learning rate (or many more epochs) gets it there.',
    evidence: {
      summary: `The last ${w} epochs still cut the training loss by ${pct(tailDrop / s[last - w]!)} (to ${fmt(c.loss[last]!)}), ${pct(tailDrop / drop)} of the whole run's improvement: the curve is nearly a straight line, not yet flattening, at learning rate ${c.input.trainConfig.learningRate}.`,
      span: { from: c.epochOf[last - w]!, to: c.epochOf[last]! },
      points: [
        { epoch: c.epochOf[0]!, series: 'loss', value: c.loss[0]!, label: 'first training loss' },
        { epoch: c.epochOf[last - w]!, series: 'loss', value: c.loss[last - w]!, label: `training loss ${w} epochs before the end` },
        { epoch: c.epochOf[last]!, series: 'loss', value: c.loss[last]!, label: 'final training loss, still falling' },
      ],
    },
    fixes: [
      { kind: 'scale_lr', factor: 2 },
      { kind: 'train_longer', epochs: Math.min(10_000, epochs * 2) },
    ],
  };
}
