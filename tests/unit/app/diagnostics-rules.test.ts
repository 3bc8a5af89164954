import { describe, expect, it } from 'vitest';
import { diagnose, type Verdict } from '../../../app/diagnostics';
import { gaussian, history, input, MLP } from './diagnostics-fixtures';

const kinds = (vs: Verdict[]) => vs.map((v) => v.kind);
const decay = (start: number, end: number, tau: number) => (t: number) => end + (start - end) * Math.exp(-t / tau);

describe('healthy runs get no false alarm', () => {
  // Regression: both losses fall fast and settle, validation a little above training.
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('noisy regression, seed %i', (seed) => {
    const h = history({
      epochs: 40,
      loss: decay(1, 0.1, 5),
      val: decay(1.05, 0.13, 5),
      lossNoise: 0.03,
      valNoise: 0.08,
      seed,
    });
    expect(kinds(diagnose(input(h)))).toEqual(['healthy']);
  });

  it.each([21, 22, 23, 24, 25, 26, 27, 28])('very noisy small validation split (15%%), seed %i', (seed) => {
    const h = history({
      epochs: 30,
      loss: decay(1, 0.15, 4),
      val: decay(1.1, 0.2, 4),
      lossNoise: 0.04,
      valNoise: 0.15,
      seed,
    });
    expect(kinds(diagnose(input(h)))).toEqual(['healthy']);
  });

  it.each([31, 32, 33, 34, 35, 36])('classification like iris, seed %i', (seed) => {
    const h = history({
      epochs: 30,
      loss: decay(1.1, 0.07, 4),
      val: decay(1.1, 0.09, 4),
      lossNoise: 0.05,
      valNoise: 0.1,
      acc: (t) => 0.97 - 0.6 * Math.exp(-t / 3),
      valAcc: (t) => 0.95 - 0.6 * Math.exp(-t / 3),
      accNoise: 0.01,
      seed,
    });
    expect(kinds(diagnose(input(h)))).toEqual(['healthy']);
  });

  it('a near-perfect fit whose tiny loss wiggles in relative terms', () => {
    // Once the fit is nearly perfect, the remaining loss is all noise: it halves and doubles.
    const g = gaussian(3);
    const h = Array.from({ length: 50 }, (_, epoch) => ({
      epoch,
      loss: Math.exp(-epoch / 3) + 0.0005 * Math.exp(0.7 * g()),
      val_loss: 1.05 * Math.exp(-epoch / 3) + 0.0008 * Math.exp(0.7 * g()),
      mae: 0.1,
      val_mae: 0.1,
    }));
    expect(kinds(diagnose(input(h)))).toEqual(['healthy']);
  });

  it('losses in the target’s own units (thousands squared) behave the same', () => {
    const scale = 2.5e5;
    const h = history({
      epochs: 40,
      loss: (t) => scale * decay(1, 0.1, 5)(t),
      val: (t) => scale * decay(1.05, 0.13, 5)(t),
      lossNoise: 0.03,
      valNoise: 0.08,
      seed: 5,
    });
    const vs = diagnose(input(h, { baseline: { kind: 'training_mean', loss: scale, val_loss: 1.05 * scale } }));
    expect(kinds(vs)).toEqual(['healthy']);
    expect(vs[0]!.evidence.summary).toMatch(/baseline's validation loss is 2\.625e\+5|262500/);
  });

  it('a run that is still training and fine says nothing yet', () => {
    const h = history({
      epochs: 12,
      loss: decay(1, 0.1, 5),
      val: decay(1.05, 0.13, 5),
      lossNoise: 0.03,
      valNoise: 0.08,
      seed: 2,
    });
    expect(diagnose(input(h, { status: 'running', trainConfig: { epochs: 40, learningRate: 0.01 } }))).toEqual([]);
  });

  it('too few epochs to judge gives no verdict', () => {
    const h = history({ epochs: 4, loss: decay(1, 0.1, 5), val: decay(1.05, 0.13, 5) });
    expect(diagnose(input(h))).toEqual([]);
  });
});

describe('overfitting', () => {
  const overfit = (seed: number) =>
    history({
      epochs: 40,
      loss: decay(1, 0.02, 6),
      // Falls to ~0.3 around epoch 9, then climbs steadily to ~0.75.
      val: (t) => decay(1.05, 0.25, 3)(t) + 0.015 * Math.max(0, t - 9),
      lossNoise: 0.03,
      valNoise: 0.06,
      seed,
    });

  it.each([1, 2, 3, 4, 5])('a clear overfit is caught with its evidence and fixes, seed %i', (seed) => {
    const vs = diagnose(input(overfit(seed)));
    expect(kinds(vs)).toContain('overfitting');
    const v = vs.find((x) => x.kind === 'overfitting')!;
    expect(v.severity).toBe('critical');
    expect(v.evidence.span!.from).toBeGreaterThanOrEqual(6);
    expect(v.evidence.span!.from).toBeLessThanOrEqual(13);
    expect(v.evidence.span!.to).toBe(39);
    expect(v.evidence.points.map((p) => p.label)).toContain('lowest validation loss');
    expect(v.evidence.summary).toMatch(/Validation loss was lowest at epoch \d+ \([\d.]+\), then rose for \d+ epochs/);
    // What it costs: the final weights gave up half of the best epoch's gain over the baseline.
    expect(v.evidence.summary).toMatch(
      /The model you get \(the final weights\) has validation loss [\d.]+ vs [\d.]+ at its best and 1\.05 for the naive baseline \([\d.]+% of the improvement given up\)/,
    );
    // Three fixes, best first: stopping at the best epoch wins the loss back; then Dropout after
    // the widest Dense (dense_1: 32 units) and an L2 penalty.
    expect(v.fixes).toEqual([
      { kind: 'early_stopping', patience: 4 },
      { kind: 'add_dropout', after: 'dense_1', rate: 0.3 },
      { kind: 'add_l2', l2: 1e-4 },
    ]);
    expect(kinds(vs)).not.toContain('healthy');
    expect(kinds(vs)).not.toContain('underfitting');
  });

  it('is caught live, while the run is still training', () => {
    const h = overfit(7).slice(0, 25);
    expect(kinds(diagnose(input(h, { status: 'running', trainConfig: { epochs: 40, learningRate: 0.01 } })))).toEqual([
      'overfitting',
    ]);
  });

  it('a mild rise is a warning; ending above the baseline is critical', () => {
    const mild = history({
      epochs: 40,
      loss: decay(1, 0.05, 6),
      val: (t) => decay(1.05, 0.3, 3)(t) + 0.003 * Math.max(0, t - 10),
      lossNoise: 0.02,
      valNoise: 0.02,
      seed: 4,
    });
    expect(diagnose(input(mild)).find((v) => v.kind === 'overfitting')?.severity).toBe('warning');
    const bad = history({
      epochs: 40,
      loss: decay(1, 0.05, 6),
      val: (t) => decay(1.05, 0.9, 3)(t) + 0.01 * Math.max(0, t - 8),
      lossNoise: 0.02,
      valNoise: 0.02,
      seed: 4,
    });
    const v = diagnose(input(bad)).find((x) => x.kind === 'overfitting')!;
    expect(v.severity).toBe('critical');
    expect(v.explanation).toMatch(/worse on new data than simply predicting the average/);
  });

  it('on an image run without augmentation, turning it on is the first regularising fix; with augmentation on, or on a table, it is not offered', () => {
    const h = overfit(7);
    const fixesOf = (extra: Parameters<typeof input>[1]) =>
      diagnose(input(h, extra)).find((v) => v.kind === 'overfitting')!.fixes;
    const off = fixesOf({ augmentation: null });
    // Stopping at the best epoch first (the final model is clearly worse than the best), then augmentation.
    expect(off[0]).toEqual({ kind: 'early_stopping', patience: 4 });
    expect(off[1]).toEqual({
      kind: 'augment',
      augmentation: { flip: 1, rotation: 0.1, zoom: 0.1, brightness: 0.1, contrast: 0.1 },
    });
    expect(fixesOf({ augmentation: { flip: 0, rotation: 0, zoom: 0, brightness: 0, contrast: 0 } })[1]?.kind).toBe(
      'augment',
    );
    expect(
      fixesOf({ augmentation: { flip: 1, rotation: 0, zoom: 0, brightness: 0, contrast: 0 } }).some(
        (f) => f.kind === 'augment',
      ),
    ).toBe(false);
    expect(fixesOf({}).some((f) => f.kind === 'augment')).toBe(false);
  });

  it('is only worth knowing when early stopping already kept the best weights', () => {
    const h = overfit(2).slice(0, 18);
    const v = diagnose(
      input(h, {
        trainConfig: {
          epochs: 40,
          learningRate: 0.01,
          earlyStopping: { monitor: 'val_loss', patience: 5, minDelta: 0, restoreBestWeights: true },
        },
        earlyStopped: { bestEpoch: 11, restored: true },
      }),
    ).find((x) => x.kind === 'overfitting')!;
    expect(v.severity).toBe('info');
    expect(v.explanation).toMatch(/kept the weights of epoch 12/);
    // At most three fixes; nothing about stopping, which already happened.
    expect(v.fixes.map((f) => f.kind)).toEqual(['add_dropout', 'add_l2', 'resize_model']);
  });

  it('a gap that keeps growing while validation stalls is caught', () => {
    const h = history({
      epochs: 40,
      loss: decay(1, 0.01, 12),
      val: decay(1.05, 0.3, 4),
      lossNoise: 0.02,
      valNoise: 0.03,
      seed: 9,
    });
    const v = diagnose(input(h)).find((x) => x.kind === 'overfitting');
    expect(v?.title).toBe('Overfitting');
    expect(v?.evidence.summary).toMatch(/× the training loss at the end/);
  });

  it('no Dropout fix where every Dense already has one', () => {
    const graph = {
      ...MLP,
      nodes: [
        ...MLP.nodes,
        { id: 'drop_a', type: 'Dropout' as const, position: { x: 0, y: 0 }, config: { rate: 0.2 } },
        { id: 'drop_b', type: 'Dropout' as const, position: { x: 0, y: 0 }, config: { rate: 0.2 } },
      ],
      edges: [
        ...MLP.edges,
        { id: 'x1', source: 'dense_1', target: 'drop_a' },
        { id: 'x2', source: 'dense_2', target: 'drop_b' },
      ],
    };
    const v = diagnose(input(overfit(1), { graph })).find((x) => x.kind === 'overfitting')!;
    expect(v.fixes.map((f) => f.kind)).not.toContain('add_dropout');
  });
});

describe('underfitting', () => {
  it('a training loss that stays at the baseline', () => {
    const h = history({
      epochs: 30,
      loss: (t) => 0.99 - 0.002 * Math.min(t, 5),
      val: () => 1.04,
      lossNoise: 0.01,
      valNoise: 0.02,
      seed: 3,
    });
    const vs = diagnose(input(h));
    expect(kinds(vs)).toEqual(['underfitting']);
    expect(vs[0]!.severity).toBe('critical');
    expect(vs[0]!.evidence.summary).toMatch(/naive baseline's 1 \(always predicting the training mean\)/);
    expect(vs[0]!.fixes).toContainEqual({ kind: 'resize_model', factor: 2 });
  });

  it('training accuracy stuck at the majority-class rate', () => {
    const h = history({
      epochs: 30,
      loss: decay(1.1, 0.75, 3),
      val: decay(1.1, 0.78, 3),
      acc: () => 0.35,
      valAcc: () => 0.3,
      accNoise: 0.01,
      lossNoise: 0.01,
      valNoise: 0.01,
      seed: 2,
    });
    const v = diagnose(input(h)).find((x) => x.kind === 'underfitting')!;
    expect(v.severity).toBe('critical');
    expect(v.evidence.summary).toMatch(/barely above the 33\.3% of always answering the most common class/);
  });

  it('an early plateau at a poor level', () => {
    const h = history({
      epochs: 40,
      loss: decay(1, 0.72, 2),
      val: decay(1.05, 0.76, 2),
      lossNoise: 0.01,
      valNoise: 0.03,
      seed: 6,
    });
    const vs = diagnose(input(h));
    expect(kinds(vs)).toEqual(['underfitting']);
    expect(vs[0]!.severity).toBe('warning');
    expect(vs[0]!.evidence.summary).toMatch(/improved by only/);
  });

  it('is not judged without a baseline, nor before the run completes', () => {
    const h = history({ epochs: 30, loss: () => 0.99, val: () => 1.04, lossNoise: 0.01, valNoise: 0.02, seed: 3 });
    expect(kinds(diagnose(input(h, { baseline: null })))).not.toContain('underfitting');
    expect(diagnose(input(h, { status: 'running' }))).toEqual([]);
  });
});

describe('diverging', () => {
  it('a NaN loss in the history', () => {
    const h = history({ epochs: 8, loss: decay(1, 0.1, 3), val: decay(1, 0.1, 3) });
    h[6] = { ...h[6]!, loss: null, val_loss: null };
    const vs = diagnose(input(h.slice(0, 7), { status: 'failed' }));
    expect(kinds(vs)).toEqual(['diverging']);
    expect(vs[0]!.severity).toBe('critical');
    expect(vs[0]!.evidence.summary).toMatch(/NaN or infinite in epoch 7/);
    expect(vs[0]!.fixes).toEqual([{ kind: 'scale_lr', factor: 0.1 }]);
  });

  it("the engine's NaN stop, with only finite epochs logged", () => {
    const h = history({ epochs: 3, loss: decay(1, 0.1, 3), val: decay(1, 0.1, 3) });
    const error =
      'Training stopped at epoch 4, batch 2: the loss became NaN. The model diverged: lower the learning rate (it is 5) or check the data for extreme values.';
    const vs = diagnose(input(h, { status: 'failed', error }));
    expect(kinds(vs)).toEqual(['diverging']);
    expect(vs[0]!.evidence.span).toEqual({ from: 2, to: 3 });
    // Another failure is not a divergence.
    expect(diagnose(input(h, { status: 'failed', error: 'The model graph cannot be built: cycle' }))).toEqual([]);
  });

  it('an explosion by orders of magnitude', () => {
    const loss = [1, 0.5, 0.3, 0.25, 2, 30, 500, 4000];
    const h = loss.map((l, epoch) => ({ epoch, loss: l, val_loss: l * 1.1, mae: 1, val_mae: 1 }));
    const vs = diagnose(input(h));
    expect(kinds(vs)).toEqual(['diverging']);
    expect(vs[0]!.evidence.points.map((p) => [p.epoch, p.value])).toEqual([
      [3, 0.25],
      [7, 4000],
    ]);
  });

  it('a spike that recovers is not divergence', () => {
    const loss = [1, 0.5, 0.3, 0.25, 3, 0.2, 0.18, 0.17, 0.16, 0.16];
    const h = loss.map((l, epoch) => ({ epoch, loss: l, val_loss: l * 1.1, mae: 1, val_mae: 1 }));
    expect(kinds(diagnose(input(h)))).not.toContain('diverging');
  });
});

describe('learning rate', () => {
  it('an oscillating loss is too high a learning rate', () => {
    const h = history({
      epochs: 30,
      loss: (t) => 0.5 + 0.3 * (t % 2 === 0 ? 1 : -1) * (t > 2 ? 1 : 0) + 0.4 * Math.exp(-t),
      val: (t) => 0.55 + 0.3 * (t % 2 === 0 ? 1 : -1) * (t > 2 ? 1 : 0),
      lossNoise: 0.02,
      seed: 1,
    });
    const vs = diagnose(input(h));
    expect(kinds(vs)).toContain('lr_too_high');
    const v = vs.find((x) => x.kind === 'lr_too_high')!;
    expect(v.fixes).toEqual([{ kind: 'scale_lr', factor: 0.5 }]);
    expect(v.evidence.points.length).toBeGreaterThanOrEqual(2);
  });

  it('a loss that jumps now and then is too high a learning rate', () => {
    const base = decay(1, 0.2, 4);
    const h = history({
      epochs: 30,
      loss: (t) => base(t) * (t === 9 || t === 17 || t === 24 ? 1.9 : 1),
      val: (t) => base(t) * 1.1 * (t === 9 || t === 17 || t === 24 ? 1.9 : 1),
      lossNoise: 0.02,
      valNoise: 0.03,
      seed: 2,
    });
    const v = diagnose(input(h)).find((x) => x.kind === 'lr_too_high')!;
    expect(v.evidence.summary).toMatch(/jumped up 3 times .* at epochs 10, 18, 25/);
  });

  it('a slow, steady, straight decline is too low a learning rate', () => {
    const h = history({
      epochs: 30,
      loss: (t) => 1 - 0.012 * t,
      val: (t) => 1.05 - 0.012 * t,
      lossNoise: 0.003,
      valNoise: 0.01,
      seed: 4,
    });
    const vs = diagnose(input(h, { trainConfig: { epochs: 30, learningRate: 0.0001 } }));
    expect(kinds(vs)).toEqual(['lr_too_low']);
    expect(vs[0]!.fixes).toEqual([
      { kind: 'scale_lr', factor: 2 },
      { kind: 'train_longer', epochs: 60 },
    ]);
    expect(vs[0]!.evidence.summary).toMatch(/at learning rate 0\.0001/);
  });

  it('a fast drop that is still creeping down at the end is not a too-low rate', () => {
    const h = history({
      epochs: 30,
      loss: (t) => decay(1, 0.2, 4)(t) - 0.002 * t,
      val: (t) => decay(1.05, 0.25, 4)(t) - 0.002 * t,
      lossNoise: 0.01,
      valNoise: 0.03,
      seed: 4,
    });
    expect(kinds(diagnose(input(h)))).toEqual(['healthy']);
  });
});

describe('one epoch named as the lowest validation loss', () => {
  it("names early stopping's best epoch when the run reports one, else the raw lowest epoch, never a smoothed neighbour", () => {
    // Noisy falling-then-rising validation loss: its raw minimum sits away from the smoothed one's.
    const val = [1.0, 0.8, 0.62, 0.55, 0.41, 0.5, 0.44, 0.47, 0.52, 0.58, 0.64, 0.7, 0.78, 0.86, 0.95, 1.05];
    const epochs = val.map((v, epoch) => ({ epoch, loss: 1 / (epoch + 1), val_loss: v }));
    const rawLowest = val.indexOf(Math.min(...val));
    const quoted = (vs: Verdict[]) =>
      vs.flatMap((v) => v.evidence.points.filter((p) => p.label === 'lowest validation loss').map((p) => p.epoch));
    const plain = diagnose(input(epochs));
    expect(quoted(plain).length).toBeGreaterThan(0);
    for (const e of quoted(plain)) expect(e).toBe(rawLowest);
    const stopped = diagnose(input(epochs, { earlyStopped: { bestEpoch: 6, restored: true } }));
    expect(quoted(stopped).length).toBeGreaterThan(0);
    for (const e of quoted(stopped)) expect(e).toBe(6);
  });
});
