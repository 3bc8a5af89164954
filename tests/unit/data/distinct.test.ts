import { describe, expect, it } from 'vitest';
import { countDistinct } from '../../../main/data/distinct';

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
});
