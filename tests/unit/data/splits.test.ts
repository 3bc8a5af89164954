import { describe, expect, it } from 'vitest';
import { UserError } from '../../../app/ipc/errors';
import { seededShuffle } from '../../../main/data';
import { randomSplit, splitCounts, stratifiedSplit, timeSplit, type SplitRows } from '../../../main/data/splits';
import { thrown } from './temp-dir';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const list = (rows: Int32Array) => Array.from(rows);

function expectPartition(split: SplitRows, rows: readonly number[]): void {
  const all = [...split.train, ...split.validation, ...split.test];
  expect(new Set(all).size).toBe(all.length);
  expect([...all].sort((a, b) => a - b)).toEqual([...rows].sort((a, b) => a - b));
}

describe('splits', () => {
  it('random without a test share is the split prepare.ts always made (same rows for the same seed)', () => {
    const rows = range(50).map((r) => r * 2);
    const split = randomSplit(rows, { validation: 0.2, test: 0 }, 42);
    const legacy = seededShuffle([...rows], 42);
    expect(list(split.validation)).toEqual(legacy.slice(40));
    expect(list(split.train)).toEqual(legacy.slice(0, 40));
    expect(list(split.test)).toEqual([]);
  });

  it('random: the same seed gives the same rows, another seed others, and the test rows do not move with the validation share', () => {
    const rows = range(200);
    const a = randomSplit(rows, { validation: 0.15, test: 0.15 }, 7);
    expect(randomSplit(rows, { validation: 0.15, test: 0.15 }, 7)).toEqual(a);
    expect(randomSplit(rows, { validation: 0.15, test: 0.15 }, 8).test).not.toEqual(a.test);
    expect(randomSplit(rows, { validation: 0.3, test: 0.15 }, 7).test).toEqual(a.test);
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([140, 30, 30]);
    expectPartition(a, rows);
  });

  it('stratified: every class keeps its share of validation and test rows within one row', () => {
    const sizes = [50, 30, 7, 13, 101];
    const classOf = new Map<number, number>();
    let row = 0;
    sizes.forEach((size, k) => {
      for (let i = 0; i < size; i += 1) classOf.set(row++, k);
    });
    const rows = seededShuffle(range(row), 3);
    const shares = { validation: 0.2, test: 0.15 };
    const split = stratifiedSplit(rows, (r) => classOf.get(r) ?? -1, shares, 11);
    expectPartition(split, rows);
    sizes.forEach((size, k) => {
      const count = (rows: Int32Array) => rows.filter((r) => classOf.get(r) === k).length;
      expect(Math.abs(count(split.test) - size * shares.test), `class ${k} test`).toBeLessThanOrEqual(1);
      expect(Math.abs(count(split.validation) - size * shares.validation), `class ${k} validation`).toBeLessThanOrEqual(
        1,
      );
    });
    expect(stratifiedSplit(rows, (r) => classOf.get(r) ?? -1, shares, 11)).toEqual(split);
  });

  it('stratified: the same rows as the split made with arrays of numbers and a map per held-out row (issue 19 made it typed)', () => {
    // The version before the split was held in Int32Arrays, kept here as the reference.
    const reference = (
      rows: number[],
      classOf: (row: number) => number,
      shares: { validation: number; test: number },
      seed: number,
    ) => {
      const shuffled = seededShuffle([...rows], seed);
      const byClass = new Map<number, number[]>();
      for (const row of shuffled) {
        const members = byClass.get(classOf(row));
        if (members) members.push(row);
        else byClass.set(classOf(row), [row]);
      }
      const where = new Map<number, 'validation' | 'test'>();
      for (const members of byClass.values()) {
        const m = members.length;
        const test = Math.round(m * shares.test);
        const validation = Math.min(Math.max(0, m - 1 - test), Math.round(m * shares.validation));
        members.slice(m - test).forEach((r) => where.set(r, 'test'));
        members.slice(m - test - validation, m - test).forEach((r) => where.set(r, 'validation'));
      }
      const split = { train: [] as number[], validation: [] as number[], test: [] as number[] };
      for (const row of shuffled) split[where.get(row) ?? 'train'].push(row);
      return split;
    };
    const rows = seededShuffle(range(1000), 5).slice(0, 700);
    for (const [classes, shares, seed] of [
      [3, { validation: 0.2, test: 0 }, 1],
      [7, { validation: 0.25, test: 0.15 }, 9],
      [40, { validation: 0.1, test: 0.5 }, 1234],
    ] as const) {
      const classOf = (r: number) => ((r * 7919) % classes === 0 ? classes : r % classes);
      const split = stratifiedSplit(rows, classOf, shares, seed);
      expect({ train: list(split.train), validation: list(split.validation), test: list(split.test) }).toEqual(
        reference(rows, classOf, shares, seed),
      );
    }
  });

  it('time: every test row comes after every validation row, which come after every training row', () => {
    const rows = range(97);
    const time = new Map(rows.map((r) => [r, (r * 37) % 97] as const)); // a permutation: file order is not time order
    const split = timeSplit(
      rows,
      (r) => time.get(r) ?? Number.NaN,
      { validation: 0.2, test: 0.1 },
      (r) => `row ${r}`,
    );
    expectPartition(split, rows);
    const times = (rows: Int32Array) => list(rows).map((r) => time.get(r) ?? Number.NaN);
    expect(Math.max(...times(split.train))).toBeLessThan(Math.min(...times(split.validation)));
    expect(Math.max(...times(split.validation))).toBeLessThan(Math.min(...times(split.test)));
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([68, 19, 10]);
  });

  it('time: a row without a time is named', () => {
    const error = thrown(() =>
      timeSplit(
        [0, 1, 2, 3],
        (r) => (r === 2 ? Number.NaN : r),
        { validation: 0.25, test: 0 },
        (r) => `Row ${r + 1} of t.csv has no time in "date"`,
      ),
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain('Row 3 of t.csv has no time in "date"');
  });

  it('refuses shares that leave nothing to train on, and too few rows', () => {
    expect(thrown(() => splitCounts(100, { validation: 0.5, test: 0.45 })).message).toContain('less than 10%');
    expect(thrown(() => splitCounts(2, { validation: 0.2, test: 0.2 })).message).toContain('2 rows are too few');
    expect(splitCounts(10, { validation: 0.2, test: 0.01 })).toEqual({ validation: 2, test: 1 });
  });
});
