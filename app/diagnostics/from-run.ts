import type { EpochLogs, RunSummary } from '../project/schema';
import { diagnose } from './diagnose';
import { presentVerdicts } from './present';
import type { DiagnosisInput, Verdict } from './types';

const SERIES = ['loss', 'accuracy', 'mae'] as const;

/**
 * One head's epoch logs under the plain keys the rules read: Keras names a head's series
 * "<output>_loss" and "val_<output>_mae" in a model with several outputs.
 */
export function headEpochs(epochs: readonly EpochLogs[], node: string): EpochLogs[] {
  return epochs.map((e) => {
    const out: EpochLogs = { epoch: e.epoch, loss: e[`${node}_loss`] ?? null, val_loss: e[`val_${node}_loss`] ?? null };
    for (const key of SERIES) {
      if (key === 'loss') continue;
      const train = e[`${node}_${key}`];
      const val = e[`val_${node}_${key}`];
      if (train !== undefined) out[key] = train;
      if (val !== undefined) out[`val_${key}`] = val;
    }
    return out;
  });
}

/**
 * The verdicts on a stored run. `epochs` overrides the summary's history (the renderer merges in
 * epochs that streamed in since the summary was saved).
 *
 * A run with several heads is judged on its total loss, and then each head on its own curves
 * against its own naive baseline: a head that learned nothing can hide in a total that falls.
 * Only the underfitting verdict is taken per head (the total already speaks for divergence,
 * overfitting and the learning rate, which the heads share); one makes the run not healthy.
 */
export function diagnoseRun(run: RunSummary, epochs: readonly EpochLogs[] = run.epochs): Verdict[] {
  const input: DiagnosisInput = {
    task: run.task,
    status: run.status,
    error: run.error,
    epochs,
    trainConfig: run.trainConfig,
    graph: run.graph,
    baseline: run.baseline ?? null,
    earlyStopped: run.earlyStopped ?? null,
    ...(run.augmentation !== undefined ? { augmentation: run.augmentation } : {}),
  };
  const verdicts = diagnose(input);
  const heads = run.headBaselines ?? [];
  if (heads.length < 2 || verdicts.some((v) => v.kind === 'diverging')) return verdicts;
  const perHead = heads.flatMap(({ node, target, task, baseline }) => {
    if (!baseline) return [];
    return diagnose({ ...input, task, epochs: headEpochs(epochs, node), baseline })
      .filter((v) => v.kind === 'underfitting')
      .map((v): Verdict => ({
        ...v,
        title: `${v.title} (head ${node}, predicting ${target})`,
        evidence: { ...v.evidence, summary: `Head ${node}, predicting ${target}: ${v.evidence.summary}` },
        head: { node, target },
      }));
  });
  if (perHead.length === 0) return verdicts;
  return presentVerdicts([...verdicts.filter((v) => v.kind !== 'healthy'), ...perHead]);
}
