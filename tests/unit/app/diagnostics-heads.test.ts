import { describe, expect, it } from 'vitest';
import { diagnoseRun, headEpochs, type Baseline } from '../../../app/diagnostics';
import type { EpochLogs, RunSummary } from '../../../app/project/schema';
import { RunTrainConfig } from '../../../app/training/config';
import { CLS_BASELINE, gaussian, MLP, REG_BASELINE } from './diagnostics-fixtures';

const decay = (start: number, end: number, tau: number) => (t: number) => end + (start - end) * Math.exp(-t / tau);

/**
 * A two-head run's history under Keras' names: "price" (regression) and "kind" (classification),
 * each head's series given as curves; the total loss is their sum, as the engine reports it.
 */
function twoHeadEpochs(
  price: { loss: (t: number) => number; val: (t: number) => number },
  kind: { loss: (t: number) => number; val: (t: number) => number; acc: (t: number) => number },
  epochs = 30,
): EpochLogs[] {
  const g = gaussian(7);
  return Array.from({ length: epochs }, (_, t) => {
    const p = { loss: price.loss(t) * (1 + 0.02 * g()), val: price.val(t) * (1 + 0.04 * g()) };
    const k = { loss: kind.loss(t) * (1 + 0.02 * g()), val: kind.val(t) * (1 + 0.04 * g()) };
    return {
      epoch: t,
      loss: p.loss + k.loss,
      val_loss: p.val + k.val,
      out_price_loss: p.loss,
      val_out_price_loss: p.val,
      out_price_mae: Math.sqrt(p.loss) * 0.8,
      val_out_price_mae: Math.sqrt(p.val) * 0.8,
      out_kind_loss: k.loss,
      val_out_kind_loss: k.val,
      out_kind_accuracy: kind.acc(t),
      val_out_kind_accuracy: kind.acc(t) - 0.02,
    };
  });
}

function run(epochs: EpochLogs[], baselines: { price: Baseline | null; kind: Baseline | null }): RunSummary {
  return {
    id: 'r1',
    status: 'completed',
    startedAt: '2026-11-29T00:00:00.000Z',
    endedAt: '2026-11-29T00:01:00.000Z',
    error: null,
    task: 'regression',
    taskSpec: { target: 'price', task: 'regression' },
    trainConfig: RunTrainConfig.parse({
      epochs: epochs.length,
      batchSize: 32,
      optimizer: 'adam',
      learningRate: 0.01,
      validationSplit: 0.2,
      seed: 1,
    }),
    graph: MLP,
    backend: null,
    epochs,
    hasModel: true,
    baseline: null,
    headBaselines: [
      { node: 'out_price', target: 'price', task: 'regression', baseline: baselines.price },
      { node: 'out_kind', target: 'kind', task: 'classification', baseline: baselines.kind },
    ],
  };
}

describe('a model with several heads is judged head by head', () => {
  it('both heads learn well below their baselines: healthy, no false alarm', () => {
    const h = twoHeadEpochs(
      { loss: decay(1, 0.1, 5), val: decay(1.05, 0.13, 5) },
      { loss: decay(1.1, 0.2, 5), val: decay(1.1, 0.25, 5), acc: (t) => Math.min(0.95, 0.4 + 0.1 * t) },
    );
    const verdicts = diagnoseRun(run(h, { price: REG_BASELINE, kind: CLS_BASELINE }));
    expect(verdicts.map((v) => v.kind)).toEqual(['healthy']);
  });

  it('a head that stays at its naive baseline while the total falls is called underfitting, by name', () => {
    // kind learns; price stays at the training mean's loss, so the total still falls.
    const h = twoHeadEpochs(
      { loss: (t) => 0.99 - 0.002 * Math.min(t, 5), val: () => 1.04 },
      { loss: decay(1.1, 0.1, 4), val: decay(1.1, 0.15, 4), acc: (t) => Math.min(0.97, 0.4 + 0.1 * t) },
    );
    const verdicts = diagnoseRun(run(h, { price: REG_BASELINE, kind: CLS_BASELINE }));
    expect(verdicts.map((v) => v.kind)).toEqual(['underfitting']);
    const [under] = verdicts;
    expect(under!.head).toEqual({ node: 'out_price', target: 'price' });
    expect(under!.title).toMatch(/^Underfitting.* \(head out_price, predicting price\)$/);
    expect(under!.evidence.summary).toMatch(
      /^Head out_price, predicting price: .*naive baseline's 1 \(always predicting the training mean\)/,
    );
  });

  it('a head without a baseline is not judged on its own', () => {
    const h = twoHeadEpochs(
      { loss: (t) => 0.99 - 0.002 * Math.min(t, 5), val: () => 1.04 },
      { loss: decay(1.1, 0.1, 4), val: decay(1.1, 0.15, 4), acc: (t) => Math.min(0.97, 0.4 + 0.1 * t) },
    );
    expect(diagnoseRun(run(h, { price: null, kind: CLS_BASELINE })).map((v) => v.kind)).toEqual(['healthy']);
  });

  it("headEpochs gives one head's series under the plain names the rules and charts read", () => {
    const [first] = headEpochs(
      twoHeadEpochs({ loss: () => 2, val: () => 3 }, { loss: () => 0.5, val: () => 0.6, acc: () => 0.9 }, 1),
      'out_kind',
    );
    expect(first!.epoch).toBe(0);
    expect(first!.accuracy).toBe(0.9);
    expect(first!.val_accuracy).toBeCloseTo(0.88, 10);
    expect(first!.loss).toBeCloseTo(0.5, 1);
    expect(first!.mae).toBeUndefined();
  });
});
