import type { Augmentation } from '../dataset/images';
import type { ModelGraph } from '../graph/schema';
import type { EpochLogs, RunStatus } from '../project/schema';
import type { RunTrainConfig } from '../training/config';
import type { Baseline } from './baseline';

export const VERDICT_KINDS = [
  'overfitting',
  'underfitting',
  'diverging',
  'lr_too_high',
  'lr_too_low',
  'healthy',
] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/** info: worth knowing; warning: the model is worse than it could be; critical: the result is not usable. */
export type Severity = 'info' | 'warning' | 'critical';

export type SeriesKey = 'loss' | 'val_loss' | 'accuracy' | 'val_accuracy' | 'mae' | 'val_mae';

/** One number a verdict rests on, at the epoch (0-based, as in the logs) where the chart shows it. */
export interface EvidencePoint {
  epoch: number;
  series: SeriesKey;
  value: number | null;
  /** What this point is, in a few words ("lowest validation loss"). */
  label: string;
}

export interface Evidence {
  /** The evidence in one sentence with its numbers. */
  summary: string;
  /** The stretch of epochs the verdict is about (inclusive, 0-based), to shade on the chart. */
  span: { from: number; to: number } | null;
  points: EvidencePoint[];
}

/**
 * A change that can be applied in one click. Only changes the graph or the training settings
 * can actually express are proposed.
 */
export type Fix =
  /** Insert a Dropout layer after this Dense node. */
  | { kind: 'add_dropout'; after: string; rate: number }
  /** An L2 penalty of at least `l2` on the kernels of every layer that has one (any L1 is kept). */
  | { kind: 'add_l2'; l2: number }
  /** Image datasets: turn on augmentation of the training batches with these strengths. */
  | { kind: 'augment'; augmentation: Augmentation }
  /** Multiply the learning rate. */
  | { kind: 'scale_lr'; factor: number }
  /** Turn on early stopping on val_loss with this patience, keeping the best epoch's weights. */
  | { kind: 'early_stopping'; patience: number }
  /** Train for more epochs (the new total). */
  | { kind: 'train_longer'; epochs: number }
  /**
   * Train for fewer epochs (the new total). Runs are seeded, so retraining for `epochs` epochs
   * ends exactly at the epoch that had the best validation loss.
   */
  | { kind: 'fewer_epochs'; epochs: number }
  /** Multiply the units of every hidden Dense layer. */
  | { kind: 'resize_model'; factor: number }
  /** Advice only: nothing in the app can collect data. */
  | { kind: 'more_data' };
export type FixKind = Fix['kind'];

export interface Verdict {
  kind: VerdictKind;
  severity: Severity;
  /** A short headline ("Overfitting"). */
  title: string;
  /** What is happening and why it matters, in words a student understands. */
  explanation: string;
  evidence: Evidence;
  fixes: Fix[];
  /**
   * Set when the verdict is about one Output head of a model with several: its evidence is in
   * that head's own series (headEpochs), not the total loss.
   */
  head?: { node: string; target: string };
}

/** What the rules read: a run's history and setup. Works for a finished run and one in progress. */
export interface DiagnosisInput {
  task: 'classification' | 'regression';
  status: RunStatus;
  /** The run's error, if it failed (the engine's words: a NaN/Inf stop says so). */
  error?: string | null;
  epochs: readonly EpochLogs[];
  trainConfig: Pick<RunTrainConfig, 'epochs' | 'learningRate' | 'earlyStopping'>;
  /** Set when early stopping ended the run (RunSummary.earlyStopped). */
  earlyStopped?: { bestEpoch: number | null; restored: boolean } | null;
  graph?: ModelGraph | null;
  baseline?: Baseline | null;
  /**
   * Image runs only: the augmentation their training batches had (null: none). Absent for
   * tables and time series, where augmentation does not apply.
   */
  augmentation?: Augmentation | null;
}
