import { describe, expect, it } from 'vitest';
import type { ColumnProfile } from '../../../app/dataset/schema';
import { parseCsv, profileColumns } from '../../../main/data';

function profile(text: string): Map<string, ColumnProfile> {
  const { headers, rows, lines } = parseCsv(text, 't.csv');
  return new Map(profileColumns(headers, rows, lines).map((c) => [c.name, c]));
}

describe('column types and histograms', () => {
  const rows = Array.from({ length: 40 }, (_, i) =>
    [
      i + 1,
      i % 3 === 0 ? 'yes' : 'no',
      i % 2,
      `2024-03-${String((i % 28) + 1).padStart(2, '0')}`,
      (i * 0.37).toFixed(2),
      i % 4,
      'same',
      ['a', 'b', 'c'][i % 3],
      `note ${i % 45}`,
    ].join(','),
  );
  const p = profile(['row,flag,bit,day,value,count,constant,cat,text', ...rows].join('\n'));
  const col = (name: string) => p.get(name) as ColumnProfile;

  it('tells the types apart and flags useless columns', () => {
    expect(col('row')).toMatchObject({ type: 'id', kind: 'ignored', useless: true });
    expect(col('flag')).toMatchObject({ type: 'boolean', kind: 'categorical' });
    expect(col('bit')).toMatchObject({ type: 'boolean', kind: 'numeric' });
    expect(col('day')).toMatchObject({ type: 'datetime', kind: 'ignored' });
    expect(col('value')).toMatchObject({ type: 'numeric', kind: 'numeric' });
    expect(col('count')).toMatchObject({ type: 'integer', kind: 'numeric' });
    expect(col('constant')).toMatchObject({ type: 'constant', useless: true });
    expect(col('cat')).toMatchObject({ type: 'categorical', kind: 'categorical' });
    expect(col('text')).toMatchObject({ type: 'id' }); // 40 distinct notes in 40 rows
  });

  it('draws 20 equal bins for many numbers and counts every present value once', () => {
    const h = col('value').histogram;
    if (h?.kind !== 'bins') throw new Error('expected bins');
    expect(h.counts).toHaveLength(20);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(40);
    expect(h).toMatchObject({ min: 0, max: 14.43 });
  });

  it('draws one bar per value for few numbers and the most frequent texts', () => {
    expect(col('count').histogram).toEqual({
      kind: 'top',
      other: 0,
      values: [0, 1, 2, 3].map((v) => ({ value: String(v), count: 10 })),
    });
    expect(col('cat').histogram).toEqual({
      kind: 'top',
      other: 0,
      values: [
        { value: 'a', count: 14 },
        { value: 'b', count: 13 },
        { value: 'c', count: 13 },
      ],
    });
    const many = profile(['w', ...Array.from({ length: 60 }, (_, i) => `w${i % 15}`)].join('\n')).get('w');
    expect(many?.histogram).toMatchObject({ kind: 'top', other: 60 - 10 * 4 });
  });

  it('reads day-first dates and free text', () => {
    const q = profile(
      'd,t\n31.12.2023,the quick fox\n01.01.2024,jumps over\n15/02/2024,a lazy\n13/03/2024,the quick fox\n',
    );
    expect(q.get('d')?.type).toBe('datetime');
    expect(q.get('t')?.type).toBe('categorical');
  });
});
