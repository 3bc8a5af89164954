import type { EarlyStopInfo, EpochLogs } from './schema';

/**
 * The one answer, used by every view (CLI, metrics.json, banner, charts, runs list, diagnosis,
 * evaluation, export, model card), to "which epoch is the model I get?": the best epoch when
 * early stopping restored its weights, else the last epoch run.
 */
export interface KeptEpoch {
  /** The kept epoch's logs (its scores are the model's scores). */
  logs: EpochLogs;
  /** 0-based. */
  epoch: number;
  /** Epochs actually run (not the planned maximum). */
  epochsRun: number;
  /** True when the model holds an earlier epoch's weights than the last one run. */
  restored: boolean;
}

interface RunLike {
  epochs: readonly EpochLogs[];
  earlyStopped?: EarlyStopInfo | null | undefined;
}

export function keptEpoch(run: RunLike): KeptEpoch | undefined {
  const last = run.epochs.at(-1);
  if (!last) return undefined;
  const es = run.earlyStopped;
  const best = es?.restored && es.bestEpoch !== null ? run.epochs.find((e) => e.epoch === es.bestEpoch) : undefined;
  const logs = best ?? last;
  return { logs, epoch: logs.epoch, epochsRun: run.epochs.length, restored: best !== undefined && best !== last };
}

/** "epoch 12 of 19 (the best; its weights were kept)" or "epoch 19 of 19 (the last)": names the model's epoch. */
export function describeKept(kept: KeptEpoch): string {
  return `epoch ${kept.epoch + 1} of ${kept.epochsRun} ${kept.restored ? '(the best; its weights were kept)' : '(the last)'}`;
}

/**
 * The epoch a view shows for a run: the latest while it trains, the kept one once it ended (the
 * run panel, the runs list and the diagnosis all read this). `epochs` may be live ones the
 * renderer has and the run record does not yet.
 */
export function shownEpoch(
  run: RunLike & { status: string },
  epochs: readonly EpochLogs[] = run.epochs,
): EpochLogs | undefined {
  if (run.status === 'running') return epochs.at(-1);
  return keptEpoch({ epochs, earlyStopped: run.earlyStopped })?.logs ?? epochs.at(-1);
}
