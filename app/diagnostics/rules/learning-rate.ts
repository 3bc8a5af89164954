import { plannedEpochs, type Curves } from '../curves';
import { fmt, median, noiseLevel, pct, swingOf, tailMean, type Swing } from '../series';
import { THRESHOLDS as T } from '../thresholds';
import type { DiagnosisInput, Fix, SeriesKey, Verdict } from '../types';
import { nearBaseline } from './underfitting';

const HIGH_EXPLANATION =
  'The loss jumps around instead of going down smoothly: each update step is so big that it overshoots the better weights and lands somewhere worse. A smaller learning rate lets the model settle into a good solution.';

/** The run's fixed learning rate; null when the settings say 'auto' (the LR range test picked it). */
function fixedRate(input: DiagnosisInput): number | null {
  const lr: unknown = input.trainConfig.learningRate;
  return typeof lr === 'number' ? lr : null;
}

/** Three significant digits, as applyFix writes a scaled rate. */
const tidy = (n: number) => Number(n.toPrecision(3));

/** What to do about it, in words, with the numbers the scale_lr fix sets. */
export function lowerRateAdvice(input: DiagnosisInput, factor: number): string {
  const lr = fixedRate(input);
  if (lr === null)
    return ` The learning-rate finder picked this rate; set a fixed one ${factor === 0.1 ? 'about ten times smaller' : 'about half as large'}.`;
  return ` Lower the learning rate from ${lr} to about ${tidy(lr * factor)}, or let the learning-rate finder pick one (learning rate: auto).`;
}

const rateText = (c: Curves) => String(c.input.trainConfig.learningRate);

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
      'The model does worse on its own training data than a constant guess that ignores the inputs, and it has stopped improving. Steps far too large in the first epochs pushed the weights somewhere the model cannot recover from (for example, units that never switch on again). Train again with a much smaller learning rate.' +
      lowerRateAdvice(c.input, 0.1),
    evidence: {
      summary: `The best training loss, ${fmt(best)} (epoch ${c.epochOf[bestIdx]! + 1}), is ${fmt(best / baseline.loss)}× the naive baseline's ${fmt(baseline.loss)}, and it improved by only ${pct(Math.max(0, gain))} after epoch ${c.epochOf[mid]! + 1}, at learning rate ${rateText(c)}.`,
      span: { from: c.epochOf[0]!, to: c.epochOf[last]! },
      points: [
        { epoch: c.epochOf[0]!, series: 'loss', value: c.loss[0]!, label: 'first training loss' },
        { epoch: c.epochOf[last]!, series: 'loss', value: c.loss[last]!, label: 'final training loss' },
      ],
    },
    fixes: [{ kind: 'scale_lr', factor: 0.1 }],
  };
}

/** A curve that swings from epoch to epoch over the second half of the run, without a trend. */
interface Oscillation {
  series: SeriesKey;
  /** Index of the window's first epoch. */
  from: number;
  low: number;
  high: number;
  swing: Swing;
  /** The mean change in the units the sentence uses: a share of the level, or accuracy points. */
  relative: number;
}

function oscillationOf(c: Curves, negligible: number): Oscillation | null {
  const from = Math.floor(c.n / 2);
  if (c.n - from < T.swingMinEpochs) return null;
  const candidates: { series: SeriesKey; xs: number[]; higherIsBetter: boolean }[] = [
    ...(c.valAcc ? [{ series: 'val_accuracy' as const, xs: c.valAcc, higherIsBetter: true }] : []),
    { series: 'val_loss', xs: c.val, higherIsBetter: false },
    { series: 'loss', xs: c.loss, higherIsBetter: false },
  ];
  for (const { series, xs, higherIsBetter } of candidates) {
    const window = xs.slice(from);
    const swing = swingOf(higherIsBetter ? window.map((x) => -x) : window);
    let relative: number;
    if (higherIsBetter) relative = swing.meanChange;
    else {
      const level = median(window);
      if (!(level > negligible)) continue;
      relative = swing.meanChange / level;
    }
    const threshold = higherIsBetter ? T.swingAccuracy : T.swingLoss;
    if (relative >= threshold && swing.reversals >= T.swingReversals && swing.drop < swing.meanChange) {
      let lo = 0;
      let hi = 0;
      for (let i = 1; i < window.length; i++) {
        if (window[i]! < window[lo]!) lo = i;
        if (window[i]! > window[hi]!) hi = i;
      }
      return { series, from, low: from + lo, high: from + hi, swing, relative };
    }
  }
  return null;
}

const SERIES_WORDS: Partial<Record<SeriesKey, string>> = {
  val_accuracy: 'validation accuracy',
  val_loss: 'validation loss',
  loss: 'training loss',
};

function oscillationSummary(c: Curves, o: Oscillation): string {
  const xs = o.series === 'val_accuracy' ? c.valAcc! : o.series === 'val_loss' ? c.val : c.loss;
  const show = (v: number) => (o.series === 'val_accuracy' ? pct(v) : fmt(v));
  const size = o.series === 'val_accuracy' ? `${fmt(o.relative * 100)} points` : `${pct(o.relative)} of its level`;
  return `From epoch ${c.epochOf[o.from]! + 1} on, the ${SERIES_WORDS[o.series]} swung between ${show(xs[o.low]!)} and ${show(xs[o.high]!)}, changing by ${size} from one epoch to the next on average and reversing direction ${pct(o.swing.reversals)} of the time, with no ${o.series === 'val_accuracy' ? 'upward' : 'downward'} trend, at learning rate ${rateText(c)}.`;
}

/**
 * The loss jumps up from epoch to epoch, or the loss or validation accuracy swings around without
 * settling. When the model also stays near the naive baseline (or its first epoch overshot far
 * above it), the wrong rate is why it learned nothing: a critical verdict, in place of underfitting.
 */
export function lrTooHigh(c: Curves): Verdict | null {
  const complete = c.input.status === 'completed';
  const stuck = complete ? stuckAboveBaseline(c) : null;
  if (stuck) return stuck;
  const baseline = c.input.baseline;
  const reference = baseline?.loss ?? c.loss[0]!;
  const negligible = T.negligibleLoss * reference;
  const jumps: number[] = [];
  const ratios = new Map<number, number>();
  let biggest = 0;
  for (let i = 1; i < c.n; i++) {
    const ratio = c.loss[i]! / c.loss[i - 1]!;
    if (c.loss[i]! > negligible && ratio >= T.jumpFactor) {
      jumps.push(i);
      ratios.set(i, ratio);
      biggest = Math.max(biggest, ratio);
    }
  }
  const secondHalf = c.loss.slice(Math.floor(c.n / 2));
  const level = median(secondHalf);
  const noise = level > negligible && secondHalf.length >= T.swingMinEpochs ? noiseLevel(secondHalf) / level : 0;
  const jumping = jumps.length >= T.jumpsToFlag || biggest >= T.bigJumpFactor;
  const swinging = oscillationOf(c, negligible);
  const overshoot =
    c.input.task === 'classification' &&
    baseline !== null &&
    baseline !== undefined &&
    baseline.loss > 0 &&
    c.loss[0]! >= T.overshootFactor * baseline.loss;
  const near = complete ? nearBaseline(c) : null;
  const learnedNothing = near?.near === true;
  if (!jumping && noise < T.oscillation && !swinging && !(learnedNothing && overshoot)) return null;

  const lr = rateText(c);
  const last = c.n - 1;
  const factor = learnedNothing ? 0.1 : 0.5;
  const sentences: string[] = [];
  let span: Verdict['evidence']['span'];
  let points: Verdict['evidence']['points'];
  if (jumping) {
    const listed = jumps.slice(0, 5).map((i) => c.epochOf[i]! + 1);
    sentences.push(
      `The training loss jumped up ${jumps.length === 1 ? 'once' : `${jumps.length} times`} (by up to ${fmt(biggest)}×), at epoch${jumps.length === 1 ? '' : 's'} ${listed.join(', ')}${jumps.length > listed.length ? ', …' : ''}, at learning rate ${lr}.`,
    );
    span = { from: c.epochOf[Math.max(0, jumps[0]! - 1)]!, to: c.epochOf[jumps.at(-1)!]! };
    // The biggest jumps, in epoch order: a chart with a marker on every epoch says nothing.
    const shown = [...jumps]
      .sort((a, b) => ratios.get(b)! - ratios.get(a)!)
      .slice(0, T.maxEvidencePoints)
      .sort((a, b) => a - b);
    points = shown.map((i) => ({
      epoch: c.epochOf[i]!,
      series: 'loss' as const,
      value: c.loss[i]!,
      label: 'training loss jumped up',
    }));
  } else if (swinging) {
    sentences.push(oscillationSummary(c, swinging));
    span = { from: c.epochOf[swinging.from]!, to: c.epochOf[last]! };
    const xs = swinging.series === 'val_accuracy' ? c.valAcc! : swinging.series === 'val_loss' ? c.val : c.loss;
    points = [
      {
        epoch: c.epochOf[swinging.low]!,
        series: swinging.series,
        value: xs[swinging.low]!,
        label: 'low point of the swings',
      },
      {
        epoch: c.epochOf[swinging.high]!,
        series: swinging.series,
        value: xs[swinging.high]!,
        label: 'high point of the swings',
      },
    ].sort((a, b) => a.epoch - b.epoch);
  } else if (noise >= T.oscillation) {
    sentences.push(
      `In the second half the training loss swings by about ${pct(noise)} of its level from one epoch to the next, instead of settling, at learning rate ${lr}.`,
    );
    span = { from: c.epochOf[Math.floor(c.n / 2)]!, to: c.epochOf[last]! };
    points = [{ epoch: c.epochOf[last]!, series: 'loss', value: c.loss[last]!, label: 'final training loss' }];
  } else {
    span = { from: c.epochOf[0]!, to: c.epochOf[last]! };
    points = [];
  }
  if (overshoot && learnedNothing) {
    sentences.push(
      `The first epoch's training loss, ${fmt(c.loss[0]!)}, was ${fmt(c.loss[0]! / baseline!.loss)}× the naive baseline's ${fmt(baseline!.loss)}: the first steps overshot${jumping || swinging ? '' : `, at learning rate ${lr}`}.`,
    );
    if (points.length === 0)
      points.push({
        epoch: c.epochOf[0]!,
        series: 'loss',
        value: c.loss[0]!,
        label: 'first training loss, far above the baseline',
      });
  }
  if (learnedNothing) {
    sentences.push(
      `The best training loss stays at ${pct(near.share)} of the naive baseline's${near.accuracyNearMajority && near.bestAcc !== null ? ` and the best training accuracy at ${pct(near.bestAcc)}` : ''}: the model learned almost nothing.`,
    );
    if (points.length < T.maxEvidencePoints)
      points.push({
        epoch: c.epochOf[near.bestIdx]!,
        series: 'loss',
        value: c.loss[near.bestIdx]!,
        label: 'best training loss, near the baseline',
      });
  }
  return {
    kind: 'lr_too_high',
    severity: learnedNothing ? 'critical' : 'warning',
    title: learnedNothing ? 'Learning rate too high: the model learned almost nothing' : 'Learning rate too high',
    explanation:
      (learnedNothing
        ? 'The model does hardly better than a guess that ignores the inputs, and its curves show why: each update step is so big that it overshoots, so the weights bounce around instead of settling. This is not a model too small for the data: the steps are too large.'
        : HIGH_EXPLANATION) + lowerRateAdvice(c.input, factor),
    evidence: { summary: sentences.join(' '), span, points: points.slice(0, T.maxEvidencePoints) },
    fixes: [{ kind: 'scale_lr', factor }],
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
  if (!(tailDrop / drop >= T.tailShare * proportional && tailDrop / s[last]! >= T.tailGain && steady && valFalling))
    return null;
  const epochs = plannedEpochs(c);
  const longer: Fix = { kind: 'train_longer', epochs: Math.min(10_000, Math.max(epochs, c.n) * 2) };
  // A short run that is still improving ran out of epochs; nothing says yet that the rate is wrong.
  const short = c.n < T.lowLrShortRun;
  return {
    kind: 'lr_too_low',
    severity: short ? 'info' : 'warning',
    title: short ? 'Still improving when training ended' : 'Learning rate too low',
    explanation: short
      ? `The loss was still going down steadily when training ended, after only ${c.n} epochs: the model is learning and has not finished. Train for more epochs; if it still falls this slowly and steadily after that, the learning rate is too low.`
      : 'The loss is going down slowly and steadily and was still falling when training ended: the model is learning, but in steps so small that it ran out of epochs long before it got good. A larger learning rate (or many more epochs) gets it there.',
    evidence: {
      summary: `The last ${w} epochs still cut the training loss by ${pct(tailDrop / s[last - w]!)} (to ${fmt(c.loss[last]!)}), ${pct(tailDrop / drop)} of the whole run's improvement: the curve is nearly a straight line, not yet flattening, at learning rate ${rateText(c)}.`,
      span: { from: c.epochOf[last - w]!, to: c.epochOf[last]! },
      points: [
        { epoch: c.epochOf[0]!, series: 'loss', value: c.loss[0]!, label: 'first training loss' },
        {
          epoch: c.epochOf[last - w]!,
          series: 'loss',
          value: c.loss[last - w]!,
          label: `training loss ${w} epochs before the end`,
        },
        { epoch: c.epochOf[last]!, series: 'loss', value: c.loss[last]!, label: 'final training loss, still falling' },
      ],
    },
    fixes: short ? [longer, { kind: 'scale_lr', factor: 2 }] : [{ kind: 'scale_lr', factor: 2 }, longer],
  };
}
