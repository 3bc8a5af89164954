import { describe, expect, it } from 'vitest';
import type { EpochLogs, RunSummary } from '../../../app/project/schema';
import {
  minMaxDownsample,
  nearestIndex,
  niceTicks,
  ticksWithin,
  type Point,
} from '../../../renderer/src/features/train/plot-scale';
import { applyEvents, runEpochs, type RunEvent } from '../../../renderer/src/features/train/run-store';

const batch = (epoch: number, b: number, loss: number): RunEvent => ({
  kind: 'batch',
  runId: 'r',
  logs: { epoch, batch: b, batches: 10, loss, metric: null },
});
const epoch = (e: number, loss: number): RunEvent => ({
  kind: 'epoch',
  runId: 'r',
  logs: { epoch: e, loss, val_loss: loss * 1.1 },
});

describe('axis ticks', () => {
  it('ends an auto axis on a round tick at or above the largest value', () => {
    expect(niceTicks(0, 930)).toEqual([0, 250, 500, 750, 1000]);
    expect(niceTicks(0, 1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0, 0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(0, 42)).toEqual([0, 15, 30, 45]);
  });

  it('prints decimal steps without float noise and survives an empty or flat range', () => {
    expect(niceTicks(0, 0.7).every((t) => String(t).length <= 4)).toBe(true);
    expect(niceTicks(0, 0)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(5, 5).at(-1)).toBeGreaterThanOrEqual(5.5);
    expect(niceTicks(Number.NaN, 3)).toEqual([0, 1]);
  });

  it('keeps ticks inside a fixed range (a clipped loss axis, the evidence chart)', () => {
    expect(ticksWithin(0, 1200)).toEqual([0, 300, 600, 900, 1200]);
    expect(ticksWithin(0, 930)).toEqual([0, 250, 500, 750]);
    expect(ticksWithin(1, 30)).toEqual([10, 20, 30]);
  });
});

describe('per-batch line downsampling', () => {
  const wave = Array.from({ length: 5000 }, (_, i): Point => ({
    x: i / 100,
    y: Math.sin(i / 50) + (i === 2345 ? 5 : 0) + (i === 3456 ? -5 : 0),
  }));

  it('draws at most the bound, in x order, with the first and last points', () => {
    const drawn = minMaxDownsample(wave, 500);
    expect(drawn.length).toBeLessThanOrEqual(500);
    expect(drawn.length).toBeGreaterThan(400);
    expect(drawn[0]).toBe(wave[0]);
    expect(drawn.at(-1)).toBe(wave.at(-1));
    expect(drawn.every((p, i) => i === 0 || p.x > drawn[i - 1]!.x)).toBe(true);
  });

  it('keeps a one-batch spike and dip that striding would drop', () => {
    const drawn = minMaxDownsample(wave, 500);
    expect(Math.max(...drawn.map((p) => p.y))).toBe(Math.max(...wave.map((p) => p.y)));
    expect(Math.min(...drawn.map((p) => p.y))).toBe(Math.min(...wave.map((p) => p.y)));
  });

  it('leaves short lines as they are', () => {
    expect(minMaxDownsample(wave.slice(0, 300), 500)).toEqual(wave.slice(0, 300));
  });

  it('finds the nearest point for the tooltip', () => {
    const pts = [
      { x: 1, y: 0 },
      { x: 2, y: 0 },
      { x: 4, y: 0 },
    ];
    expect(nearestIndex(pts, 2.9)).toBe(1);
    expect(nearestIndex(pts, 3.1)).toBe(2);
    expect(nearestIndex(pts, -5)).toBe(0);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});

describe('live run store', () => {
  it('keeps the epochs array when a flush holds only batch events, so epoch-only views skip their redraw', () => {
    const first = applyEvents({}, [batch(0, 0, 2), epoch(0, 1.5)]);
    const epochs = first.r!.epochs;
    const next = applyEvents(first, [batch(1, 0, 1.2), batch(1, 1, 1.1)]);
    expect(next.r!.epochs).toBe(epochs);
    expect(next.r!.batches).not.toBe(first.r!.batches);
    expect(next.r!.batches.map((p) => p.x)).toEqual([0.1, 1.1, 1.2]);
    const after = applyEvents(next, [epoch(1, 1)]);
    expect(after.r!.epochs).not.toBe(epochs);
    expect(after.r!.batches).toBe(next.r!.batches);
    expect(after.r!.epochs.map((e) => e.epoch)).toEqual([0, 1]);
  });

  it('never changes the arrays an earlier state holds', () => {
    const first = applyEvents({}, [batch(0, 0, 2), epoch(0, 1.5)]);
    applyEvents(first, [batch(0, 1, 1), epoch(1, 1)]);
    expect(first.r!.batches).toHaveLength(1);
    expect(first.r!.epochs).toHaveLength(1);
  });

  it('gives the same merged epochs for the same saved and streamed lists', () => {
    const saved: EpochLogs[] = [{ epoch: 0, loss: 2, val_loss: 2 }];
    const summary = { epochs: saved } as unknown as RunSummary;
    const live = applyEvents({}, [epoch(0, 1.9), epoch(1, 1.5)]).r;
    const merged = runEpochs(summary, live);
    expect(merged.map((e) => e.loss)).toEqual([1.9, 1.5]);
    expect(runEpochs(summary, live)).toBe(merged);
    const more = applyEvents({ r: live! }, [epoch(2, 1.2)]).r;
    expect(runEpochs(summary, more)).not.toBe(merged);
  });
});
