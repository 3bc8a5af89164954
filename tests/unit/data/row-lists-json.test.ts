import { describe, expect, it } from 'vitest';
import { rowListsJson } from '../../../main/data/row-lists-json';

const text = (pieces: Iterable<Uint8Array>) => Buffer.concat([...pieces]).toString('utf8');

describe('rowListsJson', () => {
  it('writes the same value JSON.parse reads back, in pieces, for lists shorter and longer than a piece', () => {
    const long = Array.from({ length: 200_001 }, (_, i) => (i * 7919) % 1_000_003);
    const value = { format: 'layerlab-split', key: { seed: 3, column: null, target: 'a, "b"' } };
    const lists = { train: long, validation: [5, 1], test: [] };
    const pieces = [...rowListsJson(value, lists)];
    expect(pieces.length).toBeGreaterThan(4);
    const written = text(pieces);
    expect(written.endsWith('}\n')).toBe(true);
    expect(JSON.parse(written)).toEqual({ ...value, ...lists });
  });

  it('handles no fields and no lists', () => {
    expect(JSON.parse(text(rowListsJson({}, { rows: [1, 2] })))).toEqual({ rows: [1, 2] });
    expect(text(rowListsJson({ a: 1 }, {}))).toBe('{"a":1}\n');
    expect(text(rowListsJson({}, {}))).toBe('{}\n');
  });
});
