import { describe, expect, it } from 'vitest';
import { RunningStats } from '../../../app/math/running-stats';
import { deriveSeed, mulberry32, seededShuffle, shuffledIndices } from '../../../app/math/seeded-random';

describe('mulberry32 (the one seeded generator)', () => {
  it('draws the reference sequence for a seed, so stored splits and runs reproduce anywhere', () => {
    // mulberry32's published first outputs for seed 1 (Tommy Ettinger's reference implementation).
    const random = mulberry32(1);
    expect([random(), random(), random()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    const values = Array.from({ length: 10_000 }, mulberry32(42));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeCloseTo(0.5, 1);
  });

  it('shuffles to a permutation fixed by the seed; purposes get independent streams', () => {
    const a = seededShuffle(
      Array.from({ length: 50 }, (_, i) => i),
      7,
    );
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(
      seededShuffle(
        Array.from({ length: 50 }, (_, i) => i),
        7,
      ),
    ).toEqual(a);
    expect(
      seededShuffle(
        Array.from({ length: 50 }, (_, i) => i),
        8,
      ),
    ).not.toEqual(a);
    expect(Array.from(shuffledIndices(50, mulberry32(7)))).toEqual(a);
    expect(deriveSeed(1, 'shuffle:0')).not.toBe(deriveSeed(1, 'shuffle:1'));
    expect(deriveSeed(1, 'dropout:0')).toBe(deriveSeed(1, 'dropout:0'));
  });
});

describe('RunningStats (Welford)', () => {
  const twoPass = (values: number[]) => {
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    return { mean, std: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length) };
  };

  it('gives the mean and population std of its values', () => {
    const values = Array.from({ length: 1000 }, mulberry32(3)).map((v) => v * 40 - 7);
    const stats = new RunningStats();
    values.forEach((v) => stats.push(v));
    const exact = twoPass(values);
    expect(stats.count).toBe(1000);
    expect(stats.mean).toBeCloseTo(exact.mean, 10);
    expect(stats.std).toBeCloseTo(exact.std, 10);
  });

  it('stays exact around a large offset, where the sum of squares loses every digit', () => {
    const values = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16];
    const stats = new RunningStats();
    values.forEach((v) => stats.push(v));
    expect(stats.mean).toBe(1e9 + 10);
    expect(stats.std).toBeCloseTo(Math.sqrt(22.5), 9);
    const n = values.length;
    const naive = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / n - (values.reduce((s, v) => s + v, 0) / n) ** 2);
    // The naive formula's variance comes out negative here (its square root NaN) or far off.
    expect(Number.isNaN(naive) || Math.abs(naive - Math.sqrt(22.5)) > 0.1).toBe(true);
  });

  it('scales a flat or empty column by 1, so nothing divides by zero', () => {
    expect(new RunningStats().scaling()).toEqual({ mean: 0, std: 1 });
    const flat = new RunningStats();
    [5, 5, 5].forEach((v) => flat.push(v));
    expect(flat.scaling()).toEqual({ mean: 5, std: 1 });
    expect(flat.std).toBe(0);
  });
});
