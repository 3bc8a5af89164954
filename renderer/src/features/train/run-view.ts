import type { EpochLogs, RunSummary } from '../../../../app/project/schema';
import { metricFor } from '../../../../app/training/config';
import { useProject, useRuns } from '../../app/context';
import { runEpochs, type LiveRun } from './run-store';

const NO_RUNS: RunSummary[] = [];

export interface RunView {
  run: RunSummary;
  epochs: EpochLogs[];
  live: LiveRun | undefined;
  metric: 'accuracy' | 'mae';
  /** The epoch being trained (1-based) or the last one finished. */
  epochNow: number;
}

/** The run whose curves are shown: the one picked in the history, else the newest. */
export function useRunView(): RunView | null {
  const runs = useProject((s) => s.current?.runs ?? NO_RUNS);
  const selectedId = useRuns((s) => s.selectedRunId);
  const live = useRuns((s) => s.live);
  const run = (selectedId ? runs.find((r) => r.id === selectedId) : undefined) ?? newest(runs);
  if (!run) return null;
  const liveRun = live[run.id];
  const epochs = runEpochs(run, liveRun);
  const inProgress = run.status === 'running' && liveRun?.lastBatch ? liveRun.lastBatch.epoch + 1 : 0;
  return {
    run,
    epochs,
    live: liveRun,
    metric: metricFor(run.task),
    epochNow: Math.min(run.trainConfig.epochs, Math.max(epochs.length, inProgress)),
  };
}

export function newest(runs: readonly RunSummary[]): RunSummary | undefined {
  return [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).at(-1);
}
