import type { Baseline } from '../../../app/diagnostics';
import type { DiagnosisInput } from '../../../app/diagnostics';
import { templateGraph } from '../../../app/graph/templates';
import type { EpochLogs } from '../../../app/project/schema';

/** A seeded normal generator, so every synthetic history is the same on every run. */
export function gaussian(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

export interface CurveSpec {
  epochs: number;
  loss: (t: number) => number;
  val: (t: number) => number;
  /** Multiplicative noise (relative std) on each epoch's value. */
  lossNoise?: number;
  valNoise?: number;
  acc?: (t: number) => number;
  valAcc?: (t: number) => number;
  accNoise?: number;
  seed?: number;
}

export function history(spec: CurveSpec): EpochLogs[] {
  const g = gaussian(spec.seed ?? 1);
  const out: EpochLogs[] = [];
  for (let t = 0; t < spec.epochs; t++) {
    const loss = spec.loss(t) * (1 + (spec.lossNoise ?? 0) * g());
    const val = spec.val(t) * (1 + (spec.valNoise ?? 0) * g());
    const logs: EpochLogs = { epoch: t, loss, val_loss: val };
    if (spec.acc && spec.valAcc) {
      logs.accuracy = Math.min(1, spec.acc(t) + (spec.accNoise ?? 0) * g());
      logs.val_accuracy = Math.min(1, spec.valAcc(t) + (spec.accNoise ?? 0) * 2 * g());
    } else {
      logs.mae = Math.sqrt(loss) * 0.8;
      logs.val_mae = Math.sqrt(val) * 0.8;
    }
    out.push(logs);
  }
  return out;
}

export const REG_BASELINE: Baseline = { kind: 'training_mean', loss: 1, val_loss: 1.05, mae: 0.8, val_mae: 0.82 };
export const CLS_BASELINE: Baseline = {
  kind: 'majority_class',
  loss: 1.0986,
  val_loss: 1.1,
  accuracy: 0.3333,
  val_accuracy: 0.3,
};

export const MLP = templateGraph('mlp', 4, { units: 1, activation: 'linear' });

export function input(epochs: EpochLogs[], over: Partial<DiagnosisInput> = {}): DiagnosisInput {
  const task = epochs[0]?.accuracy !== undefined ? 'classification' : 'regression';
  return {
    task,
    status: 'completed',
    error: null,
    epochs,
    trainConfig: { epochs: epochs.length, learningRate: 0.01 },
    graph: MLP,
    baseline: task === 'classification' ? CLS_BASELINE : REG_BASELINE,
    ...over,
  };
}
