import { describe, expect, it } from 'vitest';
import { diagnose, diagnoseRun, THRESHOLDS, type Baseline, type Verdict } from '../../../app/diagnostics';
import type { EpochLogs, RunSummary } from '../../../app/project/schema';
import { gaussian, history, input, MLP, REG_BASELINE } from './diagnostics-fixtures';
import * as real from './diagnostics-real-runs';

/**
 * Issue 18: verdicts calibrated to what they cost the user. Severity follows the measured cost,
 * the learning rate is blamed for swings instead of the model's size, and a verdict proposes at
 * most three fixes, none repeated across verdicts.
 */

const kinds = (vs: Verdict[]) => vs.map((v) => v.kind);
const decay = (start: number, end: number, tau: number) => (t: number) => end + (start - end) * Math.exp(-t / tau);
const overfitOf = (vs: Verdict[]) => vs.find((v) => v.kind === 'overfitting');

/** A 569-row binary medical table: 63% of the rows are the majority class. */
const MEDICAL: Baseline = {
  kind: 'majority_class',
  loss: 0.658,
  val_loss: 0.6675,
  accuracy: 0.627,
  val_accuracy: 0.63,
};

/**
 * A first run on it: 97.4% validation accuracy from epoch 5 on, while the validation loss, lowest
 * around epoch 8, creeps back up (the model grows overconfident on the rows it gets wrong).
 */
function medicalRun(epochs: number, seed = 1): EpochLogs[] {
  return history({
    epochs,
    loss: decay(0.6, 0.005, 3),
    val: (t) => decay(0.6, 0.07, 2)(t) + 0.004 * Math.max(0, t - 8),
    lossNoise: 0.03,
    valNoise: 0.04,
    acc: (t) => 0.995 - 0.3 * Math.exp(-t / 2),
    valAcc: (t) => 0.974 - 0.3 * Math.exp(-t / 2),
    accNoise: 0.003,
    seed,
  });
}

describe('overfitting: severity is what it costs the user', () => {
  it.each([1, 2, 3, 4])(
    'a 97-percent-accuracy run far above its baseline whose early stopping restored the best weights is not critical (seed %i)',
    (seed) => {
      // Early stopping (patience 10) stopped after epoch 19 and restored epoch 9's weights.
      const h = medicalRun(20, seed);
      const vs = diagnose(
        input(h, {
          baseline: MEDICAL,
          trainConfig: {
            epochs: 100,
            learningRate: 0.001,
            earlyStopping: { monitor: 'val_loss', patience: 10, minDelta: 0, restoreBestWeights: true },
          },
          earlyStopped: { bestEpoch: 8, restored: true },
        }),
      );
      expect(vs.every((v) => v.severity !== 'critical')).toBe(true);
      const v = overfitOf(vs);
      if (v) {
        expect(v.severity).toBe('info');
        expect(v.explanation).toMatch(/kept the weights of epoch 9/);
        expect(v.evidence.summary).toMatch(
          /The model you get \(the restored weights of epoch 9\) has validation accuracy 9\d(\.\d+)?%/,
        );
        expect(v.fixes.map((f) => f.kind)).not.toContain('early_stopping');
      }
    },
  );

  it('the same run without early stopping is a warning at most: its accuracy holds, only its confidence suffers', () => {
    const vs = diagnose(input(medicalRun(60), { baseline: MEDICAL, trainConfig: { epochs: 60, learningRate: 0.001 } }));
    const v = overfitOf(vs)!;
    expect(v.severity).toBe('warning');
    expect(vs.every((x) => x.severity !== 'critical')).toBe(true);
    // Stopping at the best epoch is what wins the loss back, so it comes first.
    expect(v.fixes[0]).toEqual({ kind: 'early_stopping', patience: 6 });
  });

  it('a real run: Adam at 0.01 on a 569-row table, 95.6% validation accuracy vs a 61% baseline, is a warning, not critical', () => {
    const vs = diagnose({
      task: 'classification',
      status: 'completed',
      epochs: real.epochsOf(real.medicalAdam60),
      trainConfig: { epochs: 60, learningRate: 0.01 },
      graph: MLP,
      baseline: real.medicalAdam60.baseline,
    });
    expect(vs.map((v) => [v.kind, v.severity])).toEqual([['overfitting', 'warning']]);
    expect(vs[0]!.evidence.summary).toMatch(
      /validation accuracy 95\.6% vs 9\d(\.\d+)?% at its best and 61\.4% for the naive baseline/,
    );
  });

  it('a run whose kept epoch is at its best costs nothing: only worth knowing', () => {
    // The validation loss turns up after epoch 12, but early stopping kept epoch 12's weights.
    const h = history({
      epochs: 30,
      loss: decay(1, 0.02, 6),
      val: (t) => decay(1.05, 0.25, 3)(t) + 0.015 * Math.max(0, t - 12),
      lossNoise: 0.02,
      valNoise: 0.03,
      seed: 3,
    });
    const v = overfitOf(diagnose(input(h, { earlyStopped: { bestEpoch: 12, restored: true } })))!;
    expect(v.severity).toBe('info');
  });

  it('an overfit classifier whose final weights are clearly worse than its best, with no restore, is critical', () => {
    // Validation accuracy peaks at about 95% around epoch 8, then slides to about 76%: the final
    // model gave up more than half of its gain over the 63% baseline.
    const h = history({
      epochs: 40,
      loss: decay(0.65, 0.01, 4),
      val: (t) => decay(0.66, 0.15, 2)(t) + 0.02 * Math.max(0, t - 8),
      lossNoise: 0.02,
      valNoise: 0.03,
      acc: (t) => 0.99 - 0.3 * Math.exp(-t / 3),
      valAcc: (t) => Math.min(0.95 - 0.3 * Math.exp(-t / 2), 0.95 - 0.006 * Math.max(0, t - 8)),
      accNoise: 0.003,
      seed: 2,
    });
    const v = overfitOf(diagnose(input(h, { baseline: MEDICAL })))!;
    expect(v.severity).toBe('critical');
    expect(v.evidence.summary).toMatch(
      /The model you get \(the final weights\) has validation accuracy 7\d(\.\d+)?% vs 9\d(\.\d+)?% at its best/,
    );
    expect(v.fixes[0]?.kind).toBe('early_stopping');
  });

  it('an overfit regression whose final weights gave up a tenth of the gain is a warning; one that gave up most of it is critical', () => {
    const warn = history({
      epochs: 40,
      loss: decay(1, 0.05, 6),
      val: (t) => decay(1.05, 0.3, 3)(t) + 0.004 * Math.max(0, t - 10),
      lossNoise: 0.02,
      valNoise: 0.02,
      seed: 5,
    });
    expect(overfitOf(diagnose(input(warn)))?.severity).toBe('warning');
    const crit = history({
      epochs: 40,
      loss: decay(1, 0.05, 6),
      val: (t) => decay(1.05, 0.3, 3)(t) + 0.02 * Math.max(0, t - 10),
      lossNoise: 0.02,
      valNoise: 0.02,
      seed: 5,
    });
    expect(overfitOf(diagnose(input(crit)))?.severity).toBe('critical');
  });
});

describe('a too-high learning rate is blamed, not the model', () => {
  /**
   * SGD at learning rate 5 on a standardized binary table: the output flips between answering
   * mostly the majority class and mostly the minority one, so the validation accuracy swings
   * between about 35% and 64% from epoch to epoch; the training loss (a mean over the epoch's
   * batches) hovers at the baseline's.
   */
  function sgdAt5(epochs = 40): EpochLogs[] {
    const g = gaussian(11);
    return Array.from({ length: epochs }, (_, epoch) => {
      const flip = epoch % 2 === 0;
      return {
        epoch,
        loss: (epoch === 0 ? 2.1 : 0.66) * (1 + 0.04 * g()),
        val_loss: (flip ? 1.25 : 0.72) * (1 + 0.05 * g()),
        accuracy: 0.6 + 0.02 * g(),
        val_accuracy: (flip ? 0.35 : 0.64) + 0.01 * g(),
      };
    });
  }

  it('an oscillating SGD run at learning rate 5 is lr_too_high, critical, and not underfitting', () => {
    const vs = diagnose(input(sgdAt5(), { baseline: MEDICAL, trainConfig: { epochs: 40, learningRate: 5 } }));
    expect(kinds(vs)).toEqual(['lr_too_high']);
    const [v] = vs;
    expect(v!.severity).toBe('critical');
    expect(v!.fixes).toEqual([{ kind: 'scale_lr', factor: 0.1 }]);
    expect(v!.explanation).toMatch(/from 5 to about 0\.5/);
    expect(v!.explanation).toMatch(/learning rate: auto/);
    expect(v!.evidence.summary).toMatch(/validation accuracy swung between 3\d(\.\d+)?% and 6\d(\.\d+)?%/);
    expect(v!.evidence.points.map((p) => p.series)).toContain('val_accuracy');
  });

  it('the same swings while the run is still training are already blamed on the learning rate', () => {
    const vs = diagnose(
      input(sgdAt5().slice(0, 16), {
        baseline: MEDICAL,
        status: 'running',
        trainConfig: { epochs: 40, learningRate: 5 },
      }),
    );
    expect(kinds(vs)).toEqual(['lr_too_high']);
  });

  it('a real run: SGD at 5 on a 569-row table overshoots in its first epoch and learns nothing: lr_too_high, not underfitting', () => {
    const run = real.medicalSgd5;
    const vs = diagnose({
      task: 'classification',
      status: 'completed',
      epochs: real.epochsOf(run),
      trainConfig: { epochs: 60, learningRate: 5 },
      graph: MLP,
      baseline: run.baseline,
    });
    expect(vs.map((v) => [v.kind, v.severity])).toEqual([['lr_too_high', 'critical']]);
    expect(vs[0]!.evidence.summary).toMatch(/first epoch's training loss, 3\.823, was 5\.8\d*× the naive baseline's/);
    expect(vs[0]!.explanation).toMatch(/from 5 to about 0\.5/);
  });

  it('a validation loss that swings while the model still learns is a warning with half the rate', () => {
    const g = gaussian(5);
    const h = Array.from({ length: 30 }, (_, epoch) => {
      const base = decay(1, 0.3, 4)(epoch);
      return {
        epoch,
        loss: base * (1 + 0.03 * g()),
        val_loss: base * (epoch % 2 === 0 ? 1.6 : 0.8) * (1 + 0.03 * g()),
        mae: 0.5,
        val_mae: 0.5,
      };
    });
    const vs = diagnose(input(h, { trainConfig: { epochs: 30, learningRate: 0.2 } }));
    expect(kinds(vs)).toEqual(['lr_too_high']);
    expect(vs[0]!.severity).toBe('warning');
    expect(vs[0]!.fixes).toEqual([{ kind: 'scale_lr', factor: 0.5 }]);
    expect(vs[0]!.explanation).toMatch(/from 0\.2 to about 0\.1/);
  });

  it('an exploding SGD run is diverging, with a tenth of the rate', () => {
    const loss = [0.7, 0.62, 0.9, 4, 60, 900, 1.2e4, 2e5];
    const h = loss.map((l, epoch) => ({ epoch, loss: l, val_loss: l * 1.3, accuracy: 0.6, val_accuracy: 0.6 }));
    const vs = diagnose(input(h, { baseline: MEDICAL, trainConfig: { epochs: 30, learningRate: 5 } }));
    expect(kinds(vs)).toEqual(['diverging']);
    expect(vs[0]!.fixes).toEqual([{ kind: 'scale_lr', factor: 0.1 }]);
    expect(vs[0]!.explanation).toMatch(/from 5 to about 0\.5/);
  });

  it('a loss that jumps many times marks at most 4 points and lists at most 5 epochs', () => {
    const h = Array.from({ length: 40 }, (_, epoch) => {
      const l = decay(1, 0.3, 4)(epoch) * (epoch % 2 === 1 && epoch > 2 ? 1.8 : 1);
      return { epoch, loss: l, val_loss: l * 1.1, mae: 0.5, val_mae: 0.5 };
    });
    const v = diagnose(input(h)).find((x) => x.kind === 'lr_too_high')!;
    expect(v.evidence.points.length).toBeLessThanOrEqual(THRESHOLDS.maxEvidencePoints);
    expect(v.evidence.summary).toMatch(/jumped up 19 times .* at epochs 4, 6, 8, 10, 12, …,/);
  });
});

describe('no alarm fatigue', () => {
  const image = (seed: number) =>
    history({
      epochs: 40,
      loss: decay(1, 0.02, 6),
      val: (t) => decay(1.05, 0.25, 3)(t) + 0.015 * Math.max(0, t - 9),
      lossNoise: 0.03,
      valNoise: 0.06,
      seed,
    });

  function twoHeadsUnderfitting(): RunSummary {
    const g = gaussian(3);
    const epochs: EpochLogs[] = Array.from({ length: 30 }, (_, t) => {
      const a = 0.99 * (1 + 0.01 * g());
      const b = 1.0 * (1 + 0.01 * g());
      return {
        epoch: t,
        loss: a + b,
        val_loss: 2.1,
        out_a_loss: a,
        val_out_a_loss: 1.04,
        out_b_loss: b,
        val_out_b_loss: 1.05,
      };
    });
    return {
      id: 'r1',
      status: 'completed',
      startedAt: '2026-12-07T00:00:00.000Z',
      endedAt: '2026-12-07T00:01:00.000Z',
      error: null,
      task: 'regression',
      taskSpec: { target: 'a', task: 'regression' },
      trainConfig: { epochs: 30, batchSize: 32, optimizer: 'adam', learningRate: 0.01, validationSplit: 0.2, seed: 1 },
      graph: MLP,
      backend: null,
      epochs,
      hasModel: true,
      baseline: null,
      headBaselines: [
        { node: 'out_a', target: 'a', task: 'regression', baseline: REG_BASELINE },
        { node: 'out_b', target: 'b', task: 'regression', baseline: REG_BASELINE },
      ],
    };
  }

  it('no verdict lists more than 3 fixes, and no fix is proposed twice', () => {
    const cases: Verdict[][] = [
      diagnose(input(image(1), { augmentation: null })),
      diagnose(input(image(2))),
      diagnose(input(medicalRun(60), { baseline: MEDICAL })),
      diagnose({
        task: 'classification',
        status: 'completed',
        epochs: real.epochsOf(real.medicalSgd5),
        trainConfig: { epochs: 60, learningRate: 5 },
        graph: MLP,
        baseline: real.medicalSgd5.baseline,
      }),
      diagnoseRun(twoHeadsUnderfitting()),
    ];
    for (const vs of cases) {
      expect(vs.length).toBeGreaterThan(0);
      for (const v of vs) expect(v.fixes.length).toBeLessThanOrEqual(3);
      const offered = vs.flatMap((v) => v.fixes.map((f) => f.kind));
      expect(new Set(offered).size).toBe(offered.length);
    }
    // Both heads learned nothing; the wider-model fix is offered once, on the first.
    const heads = cases.at(-1)!;
    expect(kinds(heads)).toEqual(['underfitting', 'underfitting']);
    expect(heads[0]!.fixes).toContainEqual({ kind: 'resize_model', factor: 2 });
    expect(heads[1]!.fixes).not.toContainEqual({ kind: 'resize_model', factor: 2 });
  });
});

describe('a short or flat curve is no reason for alarm', () => {
  it.each([1, 2, 3])(
    'a short run still falling steadily is only "still improving": train longer first (seed %i)',
    (seed) => {
      const h = history({
        epochs: 10,
        loss: decay(1, 0.1, 8),
        val: decay(1.05, 0.13, 8),
        lossNoise: 0.01,
        valNoise: 0.03,
        seed,
      });
      const vs = diagnose(input(h));
      expect(vs.map((v) => [v.kind, v.severity])).toEqual([['lr_too_low', 'info']]);
      expect(vs[0]!.title).toBe('Still improving when training ended');
      expect(vs[0]!.fixes[0]).toEqual({ kind: 'train_longer', epochs: 20 });
    },
  );

  it.each([1, 2, 3, 4, 5, 6])(
    'a short classification run that converged in a few epochs, with a noisy validation split, is healthy (seed %i)',
    (seed) => {
      const h = history({
        epochs: 7,
        loss: decay(0.7, 0.08, 1),
        val: decay(0.7, 0.1, 1),
        lossNoise: 0.05,
        valNoise: 0.15,
        acc: (t) => 0.97 - 0.3 * Math.exp(-t),
        valAcc: (t) => 0.96 - 0.3 * Math.exp(-t),
        accNoise: 0.01,
        seed,
      });
      expect(kinds(diagnose(input(h, { baseline: MEDICAL })))).toEqual(['healthy']);
    },
  );

  it.each([1, 2, 3])('a curve that is flat from the first epochs at a good level is healthy (seed %i)', (seed) => {
    const reg = history({ epochs: 30, loss: () => 0.1, val: () => 0.13, lossNoise: 0.03, valNoise: 0.08, seed });
    expect(kinds(diagnose(input(reg)))).toEqual(['healthy']);
    const cls = history({
      epochs: 30,
      loss: () => 0.08,
      val: () => 0.1,
      lossNoise: 0.05,
      valNoise: 0.15,
      acc: () => 0.97,
      valAcc: () => 0.96,
      accNoise: 0.01,
      seed,
    });
    expect(kinds(diagnose(input(cls, { baseline: MEDICAL })))).toEqual(['healthy']);
  });
});
