import type { EpochLogs } from '../project/schema';
import { smooth } from './series';
import type { DiagnosisInput } from './types';

/** The history as plain arrays, once it is known to be finite (diverging is judged before). */
export interface Curves {
  n: number;
  /** 0-based epoch of each entry (logs normally run 0..n-1, but a resumed run may not). */
  epochOf: number[];
  loss: number[];
  val: number[];
  sLoss: number[];
  sVal: number[];
  /** Training and validation accuracy, when the task reports them. */
  acc: number[] | null;
  valAcc: number[] | null;
  input: DiagnosisInput;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Null when some epoch lacks a finite loss or validation loss (the diverging rule reports it). */
export function curvesOf(input: DiagnosisInput): Curves | null {
  const epochs: readonly EpochLogs[] = input.epochs;
  if (!epochs.every((e) => finite(e.loss) && finite(e.val_loss))) return null;
  const loss = epochs.map((e) => e.loss!);
  const val = epochs.map((e) => e.val_loss!);
  const accOk = epochs.length > 0 && epochs.every((e) => finite(e.accuracy) && finite(e.val_accuracy));
  return {
    n: epochs.length,
    epochOf: epochs.map((e) => e.epoch),
    loss,
    val,
    sLoss: smooth(loss),
    sVal: smooth(val),
    acc: accOk ? epochs.map((e) => e.accuracy!) : null,
    valAcc: accOk ? epochs.map((e) => e.val_accuracy!) : null,
    input,
  };
}

/**
 * The epochs the run was set to train: its settings' number (a run records a number even when
 * the form said 'auto'), else the epochs it logged.
 */
export function plannedEpochs(c: Curves): number {
  const epochs: unknown = c.input.trainConfig.epochs;
  return typeof epochs === 'number' ? epochs : c.n;
}

/**
 * The entry quoted as "the lowest validation loss" in words and on charts: the best epoch early
 * stopping reported (so the verdict and the early-stopping banner name the same epoch), else the
 * epoch with the lowest raw validation loss. Rules that judge a trend use the smoothed curve.
 */
export function lowestValIndex(c: Curves): number {
  const best = c.input.earlyStopped?.bestEpoch;
  const at = best === null || best === undefined ? -1 : c.epochOf.indexOf(best);
  if (at >= 0) return at;
  let low = 0;
  for (let i = 1; i < c.n; i++) if (c.val[i]! < c.val[low]!) low = i;
  return low;
}
