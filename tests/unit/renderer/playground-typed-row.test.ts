import { describe, expect, it } from 'vitest';
import type { PredictInputs } from '../../../app/ipc/contract';
import { readTypedRow, rowHint, splitCsvLine } from '../../../renderer/src/features/playground/typed-row';

/**
 * The playground takes a row as the training CSV spells it (issue 14.1): its hint shows the
 * prefilled row in the file's delimiter and decimal mark, and a pasted line fills the fields.
 */
const fields: PredictInputs['fields'] = [
  { name: 'size_m2', kind: 'numeric', value: '13,2' },
  { name: 'rooms', kind: 'numeric', value: '5,1' },
  { name: 'age_years', kind: 'numeric', value: '4,5' },
  { name: 'region', kind: 'categorical', categories: ['nord', 'sud'], value: 'nord' },
];
const european: PredictInputs = {
  task: 'regression',
  target: 'price',
  labels: null,
  fields,
  csv: { delimiter: ';', decimal: ',' },
};

describe('a typed row in the dataset dialect', () => {
  it('hints with the row as the CSV spells it', () => {
    expect(rowHint(european)).toBe(
      'Enter one row as it would appear in the CSV: 13,2;5,1;4,5;… (decimal comma, ";" between cells); the model sees it through the same preprocessing as in training.',
    );
    const plain: PredictInputs = {
      ...european,
      fields: fields.slice(0, 2).map((f) => ({ ...f, value: f.value.replace(',', '.') })),
      csv: null,
    };
    expect(rowHint(plain)).toBe(
      'Enter one row as it would appear in the CSV: 13.2,5.1; the model sees it through the same preprocessing as in training.',
    );
  });

  it('fills the fields from a pasted line split on the delimiter, decimal commas kept for the main side', () => {
    expect(readTypedRow(european, '13,2;5,1;"4,5";sud\r\n')).toEqual({
      values: { size_m2: '13,2', rooms: '5,1', age_years: '4,5', region: 'sud' },
      error: null,
    });
    expect(readTypedRow(european, '13,2;5,1')).toEqual({
      values: null,
      error: 'That row has 2 cells split on ";"; the model reads 4: size_m2;rooms;age_years;region.',
    });
    expect(readTypedRow(european, '  ')).toEqual({ values: null, error: null });
    expect(splitCsvLine('a\t"b\t""c"""\t', '\t')).toEqual(['a', 'b\t"c"', '']);
  });
});
