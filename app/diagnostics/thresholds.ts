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
  /**
   * Severity is what overfitting costs the user: the model they get (the final epoch's weights,
   * or the best epoch's when early stopping restored them) against the best the run had, as a
   * share of the best model's improvement over the naive baseline (on validation loss, and for
   * classification also on validation accuracy). Giving up less than 5% of that improvement is
   * only worth knowing (info): a model far above its baseline whose kept epoch is at or near its
   * best. 5% or more on either measure: a warning, the model is worse than it could be...
   */
  costWarning: 0.05,
  /**
   * ...a third or more makes it materially worse than the run's best: critical. So does a kept
   * model near or below the baseline (within nearBaseline of its loss, or for classification an
   * accuracy that closes less than accuracyLift of the way from the baseline's to 100%). For
   * classification the accuracy share decides critical (what the user's predictions cost): a
   * validation loss that rises while the accuracy holds is overconfidence, a warning at most.
   */
  costCritical: 1 / 3,

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
   * Swings, on the validation curves too (a training loss is a mean over the epoch's batches and
   * evens out the swings that the end-of-epoch weights show on the validation rows): over the
   * second half (at least swingMinEpochs epochs: fewer give no stable measure of noise, for
   * the training-loss oscillation above too), the mean epoch-to-epoch change is at least 35%
   * of the loss level (white noise of relative std σ gives 1.13σ: the noisiest healthy
   * validation split in the tests, σ = 15%, gives 17%)...
   */
  swingMinEpochs: 6,
  swingLoss: 0.35,
  /** ...or, for validation accuracy, 10 points on average (a small healthy split moves 2-5)... */
  swingAccuracy: 0.1,
  /**
   * ...with the direction reversing at least 60% of the time (a trend reverses rarely), and no
   * downward trend: the window's second half is not lower than its first by a typical change.
   */
  swingReversals: 0.6,
  /**
   * Overshoot: a classifier's first-epoch training loss at least 3× the naive baseline's. A fresh
   * model starts near the baseline (it predicts about the class frequencies); only steps that are
   * far too large make the first epoch's mean loss several times worse (seen: SGD at learning
   * rate 5 on a 569-row binary table, 5.8×; Adam at 0.5 on iris, 7×). Counted only for a
   * completed run that learned almost nothing (underfitting's nearBaseline/accuracyLift): it then
   * names the learning rate, not the model's size, as the cause. Such a verdict, or any
   * too-high-rate verdict on a run that learned nothing, is critical and proposes a tenth of the
   * rate; otherwise it is a warning with half the rate.
   */
  overshootFactor: 3,
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
   * A run shorter than this that is still falling steadily is only "still improving" (info, train
   * longer first): a too-short run and a too-low rate look the same until the run is long enough.
   */
  lowLrShortRun: 20,
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

  // --- presentation
  /** A verdict proposes at most this many fixes, best first; no fix is repeated across verdicts. */
  maxFixes: 3,
  /** A verdict marks at most this many points on its chart. */
  maxEvidencePoints: 4,
} as const;
