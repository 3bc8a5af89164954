/**
 * Every number the rules decide with, in one place, with the reason for its value. They were
 * chosen so that the synthetic histories in tests/unit/app/diagnostics*.test.ts (clear cases and
 * noisy healthy runs) and real runs of the engine are told apart with a margin on both sides.
 */
export const THRESHOLDS = {
  /**
   * Below this many epochs a curve's shape cannot be told from its noise: only divergence (a NaN
   * or an explosion needs no shape) is judged.
   */
  minEpochs: 5,

  // --- diverging
  /** "Growing by orders of magnitude": the training loss climbs to 10× its lowest value... */
  explodeFactor: 10,
  // ...and past where it started, so all learning is undone (a spike that recovers is lr_too_high).

  // --- overfitting, rule 1: validation loss turns back up while the training loss keeps falling
  /** The rise must last at least this many epochs (and 10% of the run) after the best epoch. */
  riseMinEpochs: 3,
  riseMinShare: 0.1,
  /** The end level (mean of the last 3 epochs) must be 10% above the smoothed minimum... */
  riseRelative: 0.1,
  /** ...and 3 noise standard deviations above it, so a noisy small validation split is not enough. */
  riseNoiseMultiple: 3,
  /** The training loss must fall by at least 2% over the same epochs ("while training loss falls"). */
  trainStillFalling: 0.02,
  /** A rise of half the best value, or ending above the baseline, makes the model unusable as is. */
  riseCritical: 0.5,

  // --- overfitting, rule 2: a generalisation gap that keeps growing
  /** Only judged on runs this long: it compares the two halves. */
  gapMinEpochs: 10,
  /** Validation loss at least twice the training loss at the end... */
  gapRatio: 2,
  /** ...30% more so than at mid-run... */
  gapGrowth: 1.3,
  /** ...while the validation loss gained less than 1% over the second half... */
  gapValStalled: 0.01,
  /** ...and the training loss still fell 10%: the model memorises instead of generalising. */
  gapTrainFalling: 0.1,
  /** Classification: and the accuracies are at least 5 points apart (a real, not a numeric, gap). */
  gapAccuracyPoints: 0.05,

  // --- underfitting
  /** Training loss within 10% of the naive baseline's: the model learned (almost) nothing. */
  nearBaseline: 0.9,
  /** Classification: training accuracy closes less than 10% of the way from the majority rate to 100%. */
  accuracyLift: 0.1,
  /**
   * Plateau at a poor level: the best training loss is still above 60% of the baseline's (for
   * regression, R² below 0.4 on the very data it trains on)...
   */
  poorLevel: 0.6,
  /** ...and the second half of the run improved it by less than 3%. */
  plateauGain: 0.03,

  // --- learning rate too high
  /**
   * A jump: the training loss (an epoch's mean over all its batches, so batch noise is averaged
   * away) rises by half from one epoch to the next. Two such jumps, or one that triples it.
   */
  jumpFactor: 1.5,
  jumpsToFlag: 2,
  bigJumpFactor: 3,
  /**
   * Oscillation: in the second half, the epoch-to-epoch noise is 30% of the loss level. A
   * converging run's is a few percent.
   */
  oscillation: 0.3,
  /**
   * Below 1% of the baseline loss (or of the first epoch's, without a baseline) the model fits
   * nearly perfectly: relative wiggles there are harmless and are not counted.
   */
  negligibleLoss: 0.01,
  /**
   * Stuck above the baseline: even the best training loss is 1.5× the naive guess's and flat in
   * the second half. An optimizer that works gets at least to the constant guess (the output
   * bias alone can learn it), so weights wrecked by too large early steps are the usual cause
   * (seen with Adam at learning rate 0.5 on iris: stuck at 4.7× the baseline).
   */
  stuckAboveBaseline: 1.5,

  // --- learning rate too low
  lowLrMinEpochs: 8,
  /**
   * Steady, slow decline: the last quarter of the epochs still brought at least 40% of its
   * proportional share of the total improvement. A straight line brings 100%; an exponential
   * approach brings 40% when the run is about 2 time constants long (86% of the way), and a
   * well-tuned run, which drops fast and then flattens (6-8 time constants), 1-5%. A real SGD run
   * at learning rate 0.0005 on resources/house-prices.csv (still halving its distance to the
   * baseline... after 40 epochs) brings 60%...
   */
  tailShare: 0.4,
  /** ...and still cut the loss by 5%: far from converged. */
  tailGain: 0.05,
  /** ...and the smoothed loss fell in at least 75% of the epochs. */
  steadyShare: 0.75,
} as const;
