import { describe, expect, it } from 'vitest';
import { parseDialectNumber, parseNumber } from '../../../app/dataset/number-cell';

describe('a cell read as the import reads it', () => {
  it('reads a decimal comma as the point, once, and never guesses thousands separators', () => {
    expect(parseDialectNumber('14,23', true)).toBe(14.23);
    expect(parseDialectNumber('13.2', true)).toBe(13.2);
    expect(parseDialectNumber('1.234,5', true)).toBeNull();
    expect(parseDialectNumber('14,23', false)).toBeNull();
  });

  it('takes plain decimal notation only', () => {
    expect(parseNumber(' 5.1 ')).toBe(5.1);
    expect(parseNumber('1e-7')).toBe(1e-7);
    for (const cell of ['0x1F', 'Infinity', '', 'abc', '1e999']) expect(parseNumber(cell)).toBeNull();
  });
});
