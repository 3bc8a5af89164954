import { describe, expect, it } from 'vitest';
import type { ColumnProfile, DatasetMeta, TaskSpec } from '../../../app/dataset/schema';
import { taskShape } from '../../../app/dataset/task';
import { choicesOf, roleOf, withChoice, withRole } from '../../../renderer/src/features/dataset/column-controls';

const column = (name: string, extra: Partial<ColumnProfile>): ColumnProfile => ({
  name,
  kind: 'numeric',
  missing: 0,
  unique: 10,
  mean: 1,
  std: 1,
  min: 0,
  max: 2,
  ...extra,
});
const META: DatasetMeta = {
  id: 'd',
  name: 'd',
  sourceFile: 'd.csv',
  rows: 10,
  columns: [
    column('a', {}),
    column('when', {
      kind: 'ignored',
      type: 'datetime',
      mean: undefined,
      unique: 10,
      histogram: { kind: 'top', values: [{ value: '2024-01-02', count: 1 }], other: 9 },
    }),
    column('color', { kind: 'categorical', categories: ['blue', 'red'], unique: 2, mean: undefined }),
    column('y', {}),
  ],
  preview: [['1', '2024-01-02', 'red', '3']],
  importedAt: '2025-01-01T00:00:00.000Z',
};
const SPEC: TaskSpec = { target: 'y', task: 'regression' };

describe('the column table’s choices', () => {
  it('makes a date an input (4 parts without times) and ignores a column, keeping file order', () => {
    expect(roleOf(META, SPEC, 'when')).toBe('ignore');
    const withDate = withRole(META, SPEC, 'when', 'feature');
    expect(withDate.features).toEqual(['a', 'when', 'color']);
    expect(taskShape(META, withDate).inputWidth).toBe(1 + 4 + 2);
    const noA = withRole(META, withDate, 'a', 'ignore');
    expect(noA.features).toEqual(['when', 'color']);
    expect(roleOf(META, noA, 'a')).toBe('ignore');
    expect(roleOf(META, noA, 'y')).toBe('target');
  });

  it('sets and clears one column’s choice; the default removes it, and a constant goes with its strategy', () => {
    const capped = withChoice(withChoice(SPEC, 'color', { encoding: 'ordinal' }), 'a', {
      missing: 'constant',
      constant: '0',
    });
    expect(capped.columns).toEqual({ color: { encoding: 'ordinal' }, a: { missing: 'constant', constant: '0' } });
    expect(taskShape(META, capped).inputWidth).toBe(1 + 1);
    const back = withChoice(withChoice(capped, 'color', { encoding: undefined }), 'a', { missing: 'median' });
    expect(back.columns).toEqual({ a: { missing: 'median' } });
    expect(withChoice(back, 'a', { missing: undefined })).toEqual(SPEC);
  });

  it('keeps the choices when the target changes, less those naming columns the dataset lacks', () => {
    const spec: TaskSpec = {
      ...SPEC,
      features: ['a', 'gone'],
      columns: { a: { scaling: 'none' }, gone: { scaling: 'none' } },
      split: { method: 'time', testShare: 0.1, column: 'gone', seed: 1 },
    };
    expect(choicesOf(META, spec)).toEqual({ features: ['a'], columns: { a: { scaling: 'none' } } });
    expect(choicesOf(META, null)).toEqual({});
  });
});
