import type { EpochLogs, RunSummary } from '../project/schema';
import { diagnose } from './diagnose';
import type { Verdict } from './types';

/**
 * The verdicts on a stored run. `epochs` overrides the summary's history (the renderer merges in
 * epochs that streamed in since the summary was saved).
 */
export function diagnoseRun(run: RunSummary, epochs: readonly EpochLogs[] = run.epochs): Verdict[] {
  return diagnose({
    task: run.task,
    status: run.status,
    error: run.error,
    epochs,
    trainConfig: run.trainConfig,
    graph: run.graph,
    baseline: run.baseline ?? null,
    earlyStopped: run.earlyStopped ?? null,
    ...(run.augmentation !== undefined ? { augmentation: run.augmentation } : {}),
  });
}
