import { describe, expect, it } from 'vitest';
import { formatNumberText } from '../../../renderer/src/lib/format';

describe('number cells shown in tables and the playground', () => {
  it('drops float noise, in either decimal mark', () => {
    expect(formatNumberText('4.803999999999999')).toBe('4.804');
    expect(formatNumberText('-0.30000000000000004')).toBe('-0.3');
    expect(formatNumberText('4,803999999999999')).toBe('4,804');
  });

  it('keeps what the file spells', () => {
    for (const cell of ['5.1', '13,2', '1e-7', '100', 'setosa', '2021-01-04', '0.123456789', '1.234,5', ''])
      expect(formatNumberText(cell)).toBe(cell);
  });
});
