import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ColumnProfile } from '../../../app/dataset/schema';
import { parseCsv, profileColumns, profileStoredColumn } from '../../../main/data';

const IRIS = fileURLToPath(new URL('../../../resources/iris.csv', import.meta.url));

function profileText(text: string): Map<string, ColumnProfile> {
  const { headers, rows, lines } = parseCsv(text, 'test.csv');
  return new Map(profileColumns(headers, rows, lines).map((c) => [c.name, c]));
}

function column(profiles: Map<string, ColumnProfile>, name: string): ColumnProfile {
  const found = profiles.get(name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

describe('profileColumns', () => {
  it('profiles iris as 4 numeric columns and a 3-class categorical one', async () => {
    const { headers, rows, lines } = parseCsv(await readFile(IRIS, 'utf8'), 'iris.csv');
    const profiles = profileColumns(headers, rows, lines);
    expect(profiles.map((c) => c.kind)).toEqual(['numeric', 'numeric', 'numeric', 'numeric', 'categorical']);
    const species = profiles[4];
    expect(species?.categories).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(species?.unique).toBe(3);
    const sepal = profiles[0];
    expect(sepal).toMatchObject({ name: 'sepal_length', missing: 0, unique: 35, min: 4.3, max: 7.9, integer: false });
    expect(sepal?.mean).toBeCloseTo(5.843333, 5);
    // Population std (divide by n) of iris sepal length.
    expect(sepal?.std).toBeCloseTo(0.825301, 5);
  });

  // 12 rows, one column per kind the profiler must tell apart.
  const header = 'x,color,user_id,constant,mixed,empty,n,name,measure,rating';
  const lines = [
    '1.5,red,101,7,10,NA,1,ann,0.11,1',
    '2.5,blue,205,7,11,,2,bob,0.52,2',
    'NA,red,303,7,12,null,3,cid,0.93,10',
    '4.5,green,404,7,13,?,4,dan,1.24,2',
    '5.5,blue,511,7,14,-,5,eve,1.75,1',
    '6.5,red,612,7,15,N/A,6,fay,2.06,10',
    '7.5,green,707,7,16,NaN,7,gus,2.47,1',
    '8.5,red,808,7,17,na,8,hal,2.88,2',
    '9.5,blue,909,7,abc,NULL,9,ida,3.19,1',
    '10.5,red,1010,7,19,n/a,10,jo,3.41,2',
    '11.5,green,1111,7,20,nan,11,kim,3.82,10',
    '12.5,red,1212,7,21,,12,lea,4.13,1',
  ];
  const profiles = profileText([header, ...lines].join('\n'));

  it('types a plain numeric column with a missing value (mean and population std by hand)', () => {
    const x = column(profiles, 'x');
    const values = [1.5, 2.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5];
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    expect(x).toMatchObject({ kind: 'numeric', missing: 1, unique: 11, min: 1.5, max: 12.5, integer: false });
    expect(x.mean).toBeCloseTo(mean, 10);
    expect(x.std).toBeCloseTo(std, 10);
  });

  it('types text with few values as categorical with sorted categories', () => {
    expect(column(profiles, 'color')).toMatchObject({
      kind: 'categorical',
      unique: 3,
      missing: 0,
      categories: ['blue', 'green', 'red'],
    });
  });

  it('ignores an all-unique integer column named like an id', () => {
    expect(column(profiles, 'user_id')).toMatchObject({
      kind: 'ignored',
      reason: 'looks like an identifier: every value is unique',
    });
  });

  it('ignores a consecutive row number (1, 2, 3, ...) whatever its name', () => {
    expect(column(profiles, 'n')).toMatchObject({
      kind: 'ignored',
      reason: 'looks like an identifier: every value is unique',
    });
  });

  it('ignores all-unique text as an identifier', () => {
    expect(column(profiles, 'name')).toMatchObject({
      kind: 'ignored',
      reason: 'looks like an identifier: every value is unique',
    });
  });

  it('keeps an all-unique continuous column as a numeric feature', () => {
    expect(column(profiles, 'measure')).toMatchObject({ kind: 'numeric', unique: 12, integer: false });
  });

  it('ignores a constant column', () => {
    const constant = column(profiles, 'constant');
    expect(constant.kind).toBe('ignored');
    expect(constant.reason).toContain('has a single value');
  });

  it('points at the file row of text in a numeric column', () => {
    // Header is line 1, so the 9th data row is line 10.
    expect(column(profiles, 'mixed')).toMatchObject({
      kind: 'ignored',
      reason: 'mixes numbers and text: row 10 has "abc"',
    });
  });

  it('treats every missing-value spelling as missing, case-insensitively', () => {
    expect(column(profiles, 'empty')).toMatchObject({
      kind: 'ignored',
      reason: 'every value is missing',
      missing: 12,
      unique: 0,
    });
  });

  it('sorts numeric categories numerically and marks whole numbers', () => {
    expect(column(profiles, 'rating')).toMatchObject({
      kind: 'numeric',
      integer: true,
      unique: 3,
      categories: ['1', '2', '10'],
    });
  });

  it('counts "1" and "1.0" as one value', () => {
    const p = profileText('v,w\n1,a\n1.0,b\n2,a\n');
    expect(column(p, 'v')).toMatchObject({ unique: 2, categories: ['1', '2'], integer: true });
  });

  it('keeps a short counting column (under 10 rows) as a feature', () => {
    expect(column(profileText('x,y\n1,2\n2,4\n3,6\n4,8\n'), 'x').kind).toBe('numeric');
  });

  it('calls text with more than 50 distinct values free text, and drops its categories', () => {
    const rows = Array.from({ length: 61 }, (_, i) => `w${i % 60},${i}.5`);
    const p = profileText(['word,v', ...rows].join('\n'));
    expect(column(p, 'word')).toMatchObject({ kind: 'ignored', unique: 60 });
    expect(column(p, 'word').reason).toContain('free text or an identifier: 60 distinct values');
    expect(column(p, 'word').categories).toBeUndefined();
    expect(column(p, 'v').categories).toBeUndefined();
  });

  it('makes a mostly-text column with few values categorical, not mixed', () => {
    const p = profileText('size,v\nS,1\nM,2\nL,3\n10,4\nS,5\nM,6\n');
    expect(column(p, 'size')).toMatchObject({ kind: 'categorical', categories: ['10', 'L', 'M', 'S'] });
  });

  // Speed is measured by bench/csv-import.ts, never asserted here; this checks a large table profiles right.
  it('profiles 100,000 rows', () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => [
      String(i * 0.5),
      i % 3 === 0 ? 'a' : 'b',
      String(i),
      `t${i}`,
    ]);
    const result = profileColumns(['f', 'c', 'index', 'text'], rows);
    expect(result.map((c) => c.kind)).toEqual(['numeric', 'categorical', 'ignored', 'ignored']);
    expect(result[0]).toMatchObject({ min: 0, max: 49_999.5, missing: 0, unique: 100_000 });
  });

  it('keeps mean and std exact for values with a large offset (1e9 plus small noise)', () => {
    // 1e9 + k/1000 for k = 0..999, 50 times over, a missing value among them: the sum of the
    // values (5e13) has an ulp of 0.008, as large as the noise, so a plain sum of values and
    // squares would lose the spread. Exact: mean 1e9 + 0.4995, population std of 0..0.999 in
    // steps of 0.001 = sqrt((1000^2 - 1) / 12) / 1000.
    const values = Array.from({ length: 50_000 }, (_, i) => String(1e9 + (i % 1000) / 1000));
    values.splice(7, 0, '');
    const [profile] = profileColumns(
      ['big'],
      values.map((v) => [v]),
    );
    expect(profile).toMatchObject({ kind: 'numeric', missing: 1, unique: 1000, min: 1e9, max: 1e9 + 0.999 });
    expect(Math.abs((profile?.mean ?? 0) - (1e9 + 0.4995))).toBeLessThan(1e-6);
    expect(Math.abs((profile?.std ?? 0) - Math.sqrt((1000 ** 2 - 1) / 12) / 1000)).toBeLessThan(1e-9);
    // A constant column of such values: std exactly 0, never NaN from a negative rounding.
    const [constant] = profileColumns(
      ['c'],
      Array.from({ length: 1000 }, () => [String(1e9 + 0.3)]),
    );
    expect(constant).toMatchObject({ type: 'constant', mean: 1e9 + 0.3, std: 0 });
  });

  it('gives a stored column of numbers the statistics a plain computation gives, missing values first or between', () => {
    // What the profile must say, computed the plain way: a Set for the distinct values.
    const plain = (values: Float64Array) => {
      const present = Array.from(values).filter((v) => v === v);
      const mean = present.reduce((a, b) => a + b, 0) / present.length;
      return {
        missing: values.length - present.length,
        unique: new Set(present).size,
        min: present.reduce((a, b) => Math.min(a, b)),
        max: present.reduce((a, b) => Math.max(a, b)),
        mean,
        std: Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / present.length),
        integer: present.every(Number.isInteger),
      };
    };
    const cases: [string, number[], string][] = [
      // Row numbers whatever the name (30 rows): from 1 after missing values, or with one missing between.
      ['n', [NaN, NaN, ...Array.from({ length: 30 }, (_, i) => i + 1)], 'id'],
      ['n', [NaN, ...Array.from({ length: 30 }, (_, i) => i), NaN, 30], 'id'],
      ['n', [NaN, ...Array.from({ length: 30 }, (_, i) => (i === 12 ? NaN : i))], 'integer'],
      ['n', Array.from({ length: 30 }, (_, i) => (i === 12 ? 40 : i)), 'integer'],
      ['x', [NaN, ...Array.from({ length: 3000 }, (_, i) => Number(((i * 7919) % 1009).toFixed(0)) / 100)], 'numeric'],
      ['x', Array.from({ length: 3000 }, (_, i) => (i % 9 === 0 ? NaN : Math.sin(i) * 1e3)), 'numeric'],
      ['x', [2.5, ...Array.from({ length: 3000 }, (_, i) => i % 40)], 'numeric'],
      ['b', [NaN, ...Array.from({ length: 300 }, (_, i) => i % 2)], 'boolean'],
    ];
    for (const [name, numbers, type] of cases) {
      const values = Float64Array.from(numbers);
      const profile = profileStoredColumn(name, values, null);
      const expected = plain(values);
      expect({
        name,
        type: profile.type,
        missing: profile.missing,
        unique: profile.unique,
        integer: profile.integer,
      }).toEqual({ name, type, missing: expected.missing, unique: expected.unique, integer: expected.integer });
      expect([profile.min, profile.max]).toEqual([expected.min, expected.max]);
      expect(profile.mean).toBeCloseTo(expected.mean, 9);
      expect(profile.std).toBeCloseTo(expected.std, 9);
    }
  });

  it('counts distinct values exactly when a sample of the column misses the values with more decimal places', () => {
    // 2 places, except every 20th row with 6, none of them where distinct.ts samples the column
    // for its grid (positions spread by the golden ratio): the pass that marks the values on the
    // grid of 2 places meets more values off it than it keeps, and the count starts again.
    const n = 100_000;
    const sampled = new Set(Array.from({ length: 256 }, (_, k) => Math.floor(((k * 0.6180339887498949) % 1) * n)));
    const values = Float64Array.from({ length: n }, (_, i) =>
      Number((((i * 7919) % 10_007) / 100 + (i % 20 === 3 && !sampled.has(i) ? 0.000017 * (i % 50) : 0)).toFixed(6)),
    );
    const profile = profileStoredColumn('x', values, null);
    expect(profile.unique).toBe(new Set(values).size);
    expect(profile.unique).toBeGreaterThan(10_007);
  });
});
