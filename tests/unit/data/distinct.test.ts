import { describe, expect, it } from 'vitest';
import { countDistinct, countOnGrid } from '../../../main/data/distinct';

/** What a Set counts: NaN left out (a missing value), -0 and +0 one value. */
const bySet = (values: Float64Array) => new Set(Array.from(values).filter((v) => v === v)).size;

describe('countDistinct', () => {
  it('counts as a Set does, small and bucketed, with missing values, -0 and +0, and repeats', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (const length of [0, 1, 10, 4096, 5000, 70_000, 300_000]) {
      const values = new Float64Array(length);
      for (let i = 0; i < length; i += 1) {
        const r = random();
        values[i] = r < 0.1 ? Number.NaN : r < 0.15 ? -0 : r < 0.2 ? 0 : Math.round(random() * length * 0.7) / 4;
      }
      expect({ length, distinct: countDistinct(values) }).toEqual({ length, distinct: bySet(values) });
    }
  });

  it('counts a column of missing values as none, and reuses its scratch space across sizes', () => {
    expect(countDistinct(new Float64Array(50_000).fill(Number.NaN))).toBe(0);
    const big = Float64Array.from({ length: 200_000 }, (_, i) => i % 1234);
    const small = Float64Array.from({ length: 100 }, (_, i) => i % 7);
    expect([countDistinct(big), countDistinct(small), countDistinct(big)]).toEqual([1234, 7, 1234]);
  });

  it('counts decimals on a grid exactly as a Set does: places, negatives, values off the grid, ranges too wide', () => {
    let seed = 11;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    // Each column as its CSV text would read: a decimal with `places` places, parsed by Number().
    const column = (length: number, places: number, scale: number, cell: (i: number) => number | null = () => null) =>
      Float64Array.from({ length }, (_, i) => cell(i) ?? Number(((random() - 0.3) * scale).toFixed(places)));
    // [name, values, counted on the grid]
    const cases: [string, Float64Array, boolean][] = [
      ['integers', column(100_000, 0, 1000), true],
      ['4 places, 0-100 (the bench file)', column(300_000, 4, 100), true],
      ['2 places, missing values, -0 and +0', column(50_000, 2, 10, (i) => [Number.NaN, -0, 0][i % 5] ?? null), true],
      ['1e9 and cents', column(20_000, 2, 1, (i) => Number((1e9 + (i % 500) / 100).toFixed(2))), true],
      ['a few values with more places', column(200_000, 3, 50, (i) => (i % 997 === 1 ? random() : null)), true],
      ['many values with more places', column(200_000, 3, 50, (i) => (i % 7 === 1 ? random() : null)), false],
      ['full doubles', column(70_000, 0, 1, () => random()), false],
      ['too wide a range', column(70_000, 6, 1e6), false],
      ['huge and tiny magnitudes', column(10_000, 1, 1, (i) => [1e300, -1e300, 5e-324][i % 4] ?? null), false],
      ['one value', new Float64Array(1000).fill(2.5), true],
    ];
    for (const [name, values, onGrid] of cases) {
      const expected = bySet(values);
      expect({ name, distinct: countDistinct(values) }).toEqual({ name, distinct: expected });
      // With the range profile.ts passes, from its own pass over the values.
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const v of values) if (v === v) [min, max] = [Math.min(min, v), Math.max(max, v)];
      expect({ name, distinct: countDistinct(values, { min, max }) }).toEqual({ name, distinct: expected });
      expect({ name, grid: countOnGrid(values, { min, max }) }).toEqual({ name, grid: onGrid ? expected : null });
    }
  });

  it('counts a column of mostly missing values on its grid', () => {
    // One value in 50,000 present: most of the sample's looks find none (each goes a bounded way).
    const values = new Float64Array(2_000_000).fill(Number.NaN);
    for (let i = 0; i < values.length; i += 50_000) values[i] = i / 100;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of values) if (v === v) [min, max] = [Math.min(min, v), Math.max(max, v)];
    expect(countOnGrid(values, { min, max })).toBe(40);
    expect(countDistinct(values)).toBe(40);
  });
});
