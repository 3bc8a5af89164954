import { z } from 'zod';
import type { OptimizerName } from './config';

/**
 * The learning-rate range test (Leslie Smith, "Cyclical Learning Rates", 2017; fastai's
 * lr_find): from the run's initial weights, train with a rate that grows exponentially from
 * `start` to `end`, one step per batch, and watch the loss. Pure parts here (the rates, the
 * smoothing, the stop rule and the suggestion), so the engine, the CLI, the app and the tests
 * agree; the engine runs the steps (main/engine/process/lr-finder.ts) with the run's own step function.
 *
 * The suggestion (suggestRate) is the rate where the loss falls fastest against log(rate),
 * found before the loss's minimum, but never above a tenth of the minimum's rate, then clamped
 * to a range that suits the optimizer. Each rule alone picked a rate that trained badly on one
 * of three datasets (README.md, "Learning rate: auto"); the smaller of the two did well on all.
 */
export const LR_FINDER = {
  /** The rates tested: START × (END / START)^(step / (steps − 1)). */
  start: 1e-7,
  end: 10,
  /**
   * Steps: 10% of the run's planned steps (epochs × batches) and at most `epochsWorth` epochs of
   * batches (planned epochs are an upper bound when early stopping is on), at least MIN (a
   * coarser sweep misplaces the suggestion) and at most MAX. One epoch's worth, not three: on a
   * small image folder three epochs' worth (120-135 steps) cost as much as three epochs of
   * training, for a suggestion no better than the validated 80 steps give (bench:jobs' digits:
   * 1.5e-3 at 135 steps, 2.3e-3 at 80, both train to 0.98; shapes: no descent to read either way).
   */
  share: 0.1,
  epochsWorth: 1,
  minSteps: 80,
  maxSteps: 300,
  /** Stop once the smoothed loss is this many times its minimum (or not finite). */
  divergeFactor: 4,
  /**
   * Stop once the rate passes this many times the highest the optimizer may be given
   * (RATE_RANGE): the suggestion is clamped there, and the minimum's rate / 10 reaches it at 10×;
   * the extra half decade keeps the centred average around a minimum just below 10× whole. An
   * Adam sweep then ends at 0.3 after 65 of 80 steps instead of running on to 10 (or blowing
   * up): bench:jobs' ten default jobs picked the very same rates with and without this stop.
   */
  readUpTo: 30,
} as const;

/** What a run that used 'auto' records (RunSummary.lrFinder) and `layerlab lr-find` prints. */
export const LrFinderResult = z.object({
  /** The rate of each step taken, growing exponentially. */
  rates: z.array(z.number()),
  /** The smoothed (EMA, debiased) training loss after each step; null where it was not finite. */
  losses: z.array(z.number().nullable()),
  /** The rate the run trained with (the rule's pick, clamped to the optimizer's range). */
  suggestion: z.number(),
  /** Steps taken (≤ planned: the test stops once the loss blows up) and planned. */
  steps: z.number().int().nonnegative(),
  plannedSteps: z.number().int().nonnegative(),
  /** Wall-clock seconds the test took. */
  seconds: z.number().nonnegative(),
  /** The candidates before clamping: the steepest descent's rate and the minimum's rate (null: the curve gave none). */
  steepest: z.number().nullable(),
  minimum: z.number().nullable(),
  /** Why the suggestion is what it is, in words (which rule, clamped or a fallback). */
  rule: z.string(),
});
export type LrFinderResult = z.infer<typeof LrFinderResult>;

/** Steps the test takes for a run of `epochs` epochs of `batches` batches. */
export function finderSteps(epochs: number, batches: number): number {
  const budget = Math.min(LR_FINDER.share * epochs * batches, LR_FINDER.epochsWorth * batches);
  return Math.max(LR_FINDER.minSteps, Math.min(LR_FINDER.maxSteps, Math.round(budget)));
}

/** The rate of step `step` (0-based) of `steps`. */
export function finderRate(step: number, steps: number): number {
  const { start, end } = LR_FINDER;
  return start * (end / start) ** (steps <= 1 ? 0 : step / (steps - 1));
}

/**
 * Exponential moving average of the loss, debiased as Adam's moments are (fastai's smoothing):
 * the curve shown and the stop rule read it. β is fastai's 0.98 at 250 steps and more, and
 * 1 − 5 / steps below (an average over about a fifth of the steps).
 */
export class LossSmoother {
  private avg = 0;
  private n = 0;
  readonly beta: number;
  constructor(steps: number) {
    this.beta = Math.min(0.98, Math.max(0.5, 1 - 5 / Math.max(1, steps)));
  }
  add(loss: number): number {
    this.n++;
    this.avg = this.beta * this.avg + (1 - this.beta) * loss;
    return this.avg / (1 - this.beta ** this.n);
  }
}

/** Whether the test should stop after this smoothed loss: it blew up (4× the best) or is not finite. */
export function finderShouldStop(smoothed: number, best: number, step: number): boolean {
  if (!Number.isFinite(smoothed)) return true;
  return step > 5 && smoothed > LR_FINDER.divergeFactor * best;
}

/** Whether the test has tried every rate it reads for this optimizer (LR_FINDER.readUpTo). */
export function finderPastRange(rate: number, optimizer: OptimizerName): boolean {
  return rate > LR_FINDER.readUpTo * RATE_RANGE[optimizer][1];
}

/** The rates the suggestion is clamped to, per optimizer (adaptive ones like small rates). */
export const RATE_RANGE: Record<OptimizerName, readonly [number, number]> = {
  adam: [1e-4, 1e-2],
  adamax: [1e-4, 2e-2],
  rmsprop: [1e-4, 1e-2],
  sgd: [1e-4, 1],
  momentum: [1e-4, 0.5],
  adagrad: [1e-3, 1],
  adadelta: [1e-2, 10],
};

/** The rate used when the curve says nothing (too few finite points, or no descent). */
export const FALLBACK_RATE: Record<OptimizerName, number> = {
  adam: 1e-3,
  adamax: 2e-3,
  rmsprop: 1e-3,
  sgd: 1e-2,
  momentum: 1e-2,
  adagrad: 1e-2,
  adadelta: 1,
};

export interface Suggestion {
  suggestion: number;
  steepest: number | null;
  minimum: number | null;
  rule: string;
}

/** The smoothed loss must fall at least this share below its starting level for the curve to be read. */
export const MIN_DROP = 0.1;

const clamp = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, v));

/**
 * The loss curve without lag: each step's raw loss averaged with its ±h neighbours (h ≈ 4% of
 * the points, at least 2). The EMA the curve is shown with lags the rate by about β/(1−β)
 * steps (over a decade of rate at 100 steps), which would push a suggestion read off it upward.
 */
export function centeredLoss(raw: readonly number[]): number[] {
  const h = Math.max(2, Math.round(raw.length * 0.04));
  return raw.map((_, i) => {
    const lo = Math.max(0, i - h);
    const hi = Math.min(raw.length - 1, i + h);
    let sum = 0;
    for (let j = lo; j <= hi; j++) sum += raw[j]!;
    return sum / (hi - lo + 1);
  });
}

/**
 * The suggested rate from the raw (unsmoothed) losses of the test's steps. The curve is
 * smoothed without lag (centeredLoss); the slope at point i is the least-squares slope of that
 * curve against log10(rate) over ±h points; the steepest (most negative) slope is looked for
 * after the first 10% of the points and before the curve's minimum (after it the loss is
 * blowing up). Falls back to the minimum's rate / 10 when no slope there is negative, and to
 * FALLBACK_RATE when the test gave fewer than 8 finite losses. Clamped to RATE_RANGE.
 */
export function suggestRate(
  rates: readonly number[],
  raw: readonly (number | null)[],
  optimizer: OptimizerName,
): Suggestion {
  const range = RATE_RANGE[optimizer];
  const finite: number[] = [];
  for (let i = 0; i < rates.length; i++) {
    const y = raw[i];
    if (y === null || y === undefined || !Number.isFinite(y)) break;
    finite.push(y);
  }
  if (finite.length < 8)
    return {
      suggestion: FALLBACK_RATE[optimizer],
      steepest: null,
      minimum: null,
      rule: `the default rate for ${optimizer} (the test gave too few points)`,
    };
  const ys = centeredLoss(finite);
  const xs = ys.map((_, i) => Math.log10(rates[i]!));
  let minAt = 0;
  for (let i = 1; i < ys.length; i++) if (ys[i]! < ys[minAt]!) minAt = i;
  const minimum = rates[minAt]!;
  const h = Math.max(2, Math.round(ys.length * 0.04));
  const from = Math.max(h, Math.floor(ys.length * 0.1));
  // A curve that never clearly falls (a hard problem that learns nothing within the test's few
  // steps) has no descent to read: its "steepest" point is noise (seen on a 3-class texture
  // folder: flat at ln 3 ± 3%, noise picked 5e-5). The optimizer's usual rate is safer there.
  const start = ys.slice(0, from).reduce((a, b) => a + b, 0) / from;
  const drop = start !== 0 ? (start - ys[minAt]!) / Math.abs(start) : 0;
  if (!(drop >= MIN_DROP)) {
    return {
      suggestion: FALLBACK_RATE[optimizer],
      steepest: null,
      minimum,
      rule: `the default rate for ${optimizer} (the loss fell only ${(100 * Math.max(0, drop)).toFixed(0)}% during the test: no descent to read)`,
    };
  }
  let best: { slope: number; at: number } | null = null;
  for (let i = from; i <= minAt; i++) {
    const lo = Math.max(0, i - h);
    const hi = Math.min(ys.length - 1, i + h);
    const n = hi - lo + 1;
    let mx = 0;
    let my = 0;
    for (let j = lo; j <= hi; j++) {
      mx += xs[j]! / n;
      my += ys[j]! / n;
    }
    let sxy = 0;
    let sxx = 0;
    for (let j = lo; j <= hi; j++) {
      sxy += (xs[j]! - mx) * (ys[j]! - my);
      sxx += (xs[j]! - mx) ** 2;
    }
    const slope = sxx > 0 ? sxy / sxx : 0;
    if (slope < 0 && (best === null || slope < best.slope)) best = { slope, at: i };
  }
  const steepest = best ? rates[best.at]! : null;
  // The steepest descent, but never above a tenth of the minimum's rate: each rule alone picks
  // a rate that trains badly on one of iris, house prices and a small CNN (README.md).
  const picked = steepest !== null ? Math.min(steepest, minimum / 10) : minimum / 10;
  const suggestion = clamp(picked, range);
  const what =
    steepest !== null && steepest < minimum / 10 ? 'the steepest descent of the loss' : "the loss minimum's rate / 10";
  const rule =
    suggestion !== picked
      ? `${what} (${formatRate(picked)}), clamped to ${formatRate(range[0])}–${formatRate(range[1])} for ${optimizer}`
      : what;
  return { suggestion, steepest, minimum, rule };
}

/** A rate as people write it: 2.1e-3, 0.01 → 1.0e-2. */
export function formatRate(rate: number): string {
  return rate.toExponential(1).replace('e+', 'e');
}

/** The test's duration: two significant digits (0.042 s, 2.4 s, 15 s). */
export function formatSeconds(seconds: number): string {
  return `${Number(seconds.toPrecision(2))} s`;
}
