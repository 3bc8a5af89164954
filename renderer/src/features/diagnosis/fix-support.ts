import { applyFix, type Fix } from '../../../../app/diagnostics';
import { GRAPH_SCHEMA_VERSION } from '../../../../app/graph';
import type { TrainConfig } from '../../../../app/training/config';
import { createTrainFormStore } from '../train/train-form';

/**
 * Whether the training form can hold what a fix sets. A setting the form does not keep (early
 * stopping, until the form has fields for it) would be dropped on the next edit, so its button
 * is not offered rather than appearing to work. Graph fixes always apply.
 */
export function formCanHold(fix: Fix, config: TrainConfig): boolean {
  if (fix.kind !== 'early_stopping') return true;
  const next = applyFix(fix, { graph: { version: GRAPH_SCHEMA_VERSION, nodes: [], edges: [] }, trainConfig: config });
  if (!next) return false;
  const kept = createTrainFormStore(next.trainConfig).getState().config;
  return JSON.stringify(kept?.earlyStopping ?? null) === JSON.stringify(next.trainConfig.earlyStopping);
}
