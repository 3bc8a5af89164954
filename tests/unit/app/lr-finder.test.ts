import { describe, expect, it } from 'vitest';
import { RunSummary } from '../../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG, TrainConfig } from '../../../app/training/config';
import {
  centeredLoss,
  finderPastRange,
  finderRate,
  finderShouldStop,
  finderSteps,
  LR_FINDER,
  FALLBACK_RATE,
  LossSmoother,
  RATE_RANGE,
  suggestRate,
} from '../../../app/training/lr-finder';

describe('the LR range test, pure parts', () => {
  it('tests rates growing exponentially from start to end', () => {
    const steps = 80;
    expect(finderRate(0, steps)).toBeCloseTo(LR_FINDER.start, 15);
    expect(finderRate(steps - 1, steps)).toBeCloseTo(LR_FINDER.end, 9);
    const ratio = finderRate(1, steps) / finderRate(0, steps);
    for (let i = 1; i < steps; i++) expect(finderRate(i, steps) / finderRate(i - 1, steps)).toBeCloseTo(ratio, 9);
  });

  it("takes a tenth of the run's planned steps, at most one epoch's worth, within bounds", () => {
    expect(finderSteps(30, 4)).toBe(LR_FINDER.minSteps);
    expect(finderSteps(1, 1000)).toBe(100);
    expect(finderSteps(30, 200)).toBe(200);
    expect(finderSteps(30, 2000)).toBe(LR_FINDER.maxSteps);
    // Planned epochs are an upper bound under early stopping: at most one epoch's worth, never under the minimum.
    expect(finderSteps(1000, 150)).toBe(150);
    expect(finderSteps(50, 45)).toBe(LR_FINDER.minSteps);
  });

  it("stops once the rate passes what the optimizer's suggestion can use, and not before", () => {
    // Adam's suggestion is at most 1e-2: the test reads rates up to 30× that.
    expect(finderPastRange(0.29, 'adam')).toBe(false);
    expect(finderPastRange(0.31, 'adam')).toBe(true);
    // The 80-step sweep to 10 then ends after 65 steps, its first rate past 0.3.
    const steps = 80;
    const stop = Array.from({ length: steps }, (_, i) => finderRate(i, steps)).findIndex((r) =>
      finderPastRange(r, 'adam'),
    );
    expect(stop + 1).toBe(65);
    // SGD may be suggested rates up to 1: its sweep runs to the end.
    expect(finderPastRange(LR_FINDER.end, 'sgd')).toBe(false);
  });

  it('smooths with a debiased moving average, and stops once the loss blows up', () => {
    const smoother = new LossSmoother(100);
    expect(smoother.add(2)).toBeCloseTo(2, 12);
    expect(smoother.add(2)).toBeCloseTo(2, 12);
    expect(finderShouldStop(1, 1, 10)).toBe(false);
    expect(finderShouldStop(4.1, 1, 10)).toBe(true);
    expect(finderShouldStop(NaN, 1, 10)).toBe(true);
    expect(centeredLoss([1, 1, 1, 1, 1, 1])).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("suggests a rate on the falling part of the curve, clamped to the optimizer's range", () => {
    // A typical curve: flat, falling fastest around 1e-3 (in log rate), a minimum near 3e-2, then blowing up.
    const steps = 100;
    const rates = Array.from({ length: steps }, (_, i) => finderRate(i, steps));
    const losses = rates.map((r) => {
      const x = Math.log10(r);
      return 2 - 1.5 / (1 + Math.exp(-(x + 3) * 3)) + (x > -1.5 ? (x + 1.5) ** 2 * 4 : 0);
    });
    const cut = losses.findIndex((l, i) => i > 5 && l > 4 * Math.min(...losses.slice(0, i)));
    const seen = cut < 0 ? losses : losses.slice(0, cut);
    const adam = suggestRate(rates, seen, 'adam');
    expect(adam.steepest).toBeGreaterThan(3e-4);
    expect(adam.steepest).toBeLessThan(3e-3);
    expect(adam.minimum).toBeGreaterThan(1e-2);
    expect(adam.suggestion).toBe(Math.min(adam.steepest!, adam.minimum! / 10));
    expect(adam.suggestion).toBeGreaterThanOrEqual(RATE_RANGE.adam[0]);
    expect(adam.suggestion).toBeLessThanOrEqual(RATE_RANGE.adam[1]);
    // A curve that keeps falling to 1: a rate that high is clamped for Adam, not for SGD.
    const falling = rates.map((r) => 2 - 1.5 / (1 + Math.exp(-(Math.log10(r) - 0.5) * 3)));
    expect(suggestRate(rates, falling, 'adam').suggestion).toBe(RATE_RANGE.adam[1]);
    expect(suggestRate(rates, falling, 'sgd').suggestion).toBeGreaterThan(RATE_RANGE.adam[1]);
    expect(suggestRate(rates, falling, 'adam').rule).toMatch(/clamped/);
    // Too few finite points: the optimizer's default rate.
    expect(suggestRate(rates.slice(0, 4), [1, 1, NaN, 1], 'adam').suggestion).toBe(1e-3);
  });

  it("falls back to the optimizer's usual rate when the loss never clearly falls (noise is not a descent)", () => {
    // A hard 3-class problem within the test's few steps: ln 3 ± 3% noise, then blowing up.
    const steps = 90;
    const rates = Array.from({ length: steps }, (_, i) => finderRate(i, steps));
    let state = 3;
    const noise = () => ((state = (state * 16807) % 2147483647) / 2147483647 - 0.5) * 0.06;
    const flat = rates.map((r) => Math.log(3) + noise() + (r > 2 ? (Math.log10(r) - 0.3) * 4 : 0));
    const found = suggestRate(rates, flat, 'adam');
    expect(found.suggestion).toBe(FALLBACK_RATE.adam);
    expect(found.rule).toMatch(/no descent to read/);
    expect(suggestRate(rates, flat, 'sgd').suggestion).toBe(FALLBACK_RATE.sgd);
  });
});

describe("learningRate 'auto'", () => {
  it("parses 'auto' and numbers, is the default, and refuses anything else by name", () => {
    expect(DEFAULT_TRAIN_CONFIG.learningRate).toBe('auto');
    const base = { epochs: 5, batchSize: 16, optimizer: 'adam', validationSplit: 0.2, seed: 1 };
    expect(TrainConfig.parse({ ...base, learningRate: 'auto' }).learningRate).toBe('auto');
    expect(TrainConfig.parse({ ...base, learningRate: 0.01 }).learningRate).toBe(0.01);
    const bad = TrainConfig.safeParse({ ...base, learningRate: 'fast' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/learning rate must be a number or "auto"/);
    expect(TrainConfig.safeParse({ ...base, learningRate: 0 }).success).toBe(false);
  });

  it('a run.json written before the finder (a numeric rate, no lrFinder) still loads', () => {
    const old = {
      id: 'run-1', status: 'completed', startedAt: 't', endedAt: 't', error: null, task: 'classification',
      taskSpec: { target: 'species', task: 'classification' },
      trainConfig: { epochs: 5, batchSize: 16, optimizer: 'adam', learningRate: 0.01, validationSplit: 0.2, seed: 1 },
      graph: { version: 2, nodes: [], edges: [] }, backend: null, epochs: [], hasModel: false,
    }; // prettier-ignore
    const parsed = RunSummary.parse(old);
    expect(parsed.trainConfig.learningRate).toBe(0.01);
    expect(parsed.lrFinder).toBeUndefined();
  });
});
