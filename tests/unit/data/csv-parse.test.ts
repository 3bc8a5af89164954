import { describe, expect, it } from 'vitest';
import { UserError } from '../../../app/ipc/errors';
import { parseCsv } from '../../../main/data';
import { thrown } from './temp-dir';

const fails = (text: string) => {
  const error = thrown(() => parseCsv(text, 'data.csv'));
  expect(error).toBeInstanceOf(UserError);
  return error.message;
};

describe('parseCsv', () => {
  it('reads a plain comma file with trimmed cells and skips empty lines', () => {
    const parsed = parseCsv('a, b ,c\n1, 2,3\n\n4,5 , 6\n\n', 'data.csv');
    expect(parsed.headers).toEqual(['a', 'b', 'c']);
    expect(parsed.rows).toEqual([
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
    expect(parsed.lines).toEqual([2, 4]);
    expect(parsed.delimiter).toBe(',');
  });

  it('detects a semicolon delimiter and keeps decimal commas inside cells', () => {
    const parsed = parseCsv('length;width;kind\n1,5;2,25;a\n3,0;4;b\n', 'eu.csv');
    expect(parsed.delimiter).toBe(';');
    expect(parsed.headers).toEqual(['length', 'width', 'kind']);
    expect(parsed.rows).toEqual([
      ['1,5', '2,25', 'a'],
      ['3,0', '4', 'b'],
    ]);
  });

  it('detects tab and pipe delimiters', () => {
    expect(parseCsv('a\tb\n1\t2\n', 't.tsv').rows).toEqual([['1', '2']]);
    expect(parseCsv('a|b\n1|2\n', 'p.csv').rows).toEqual([['1', '2']]);
  });

  it('reads a single-column file', () => {
    expect(parseCsv('value\n1\n2\n', 'one.csv')).toMatchObject({ headers: ['value'], rows: [['1'], ['2']] });
  });

  it('keeps a newline inside a quoted field and counts file lines past it', () => {
    const parsed = parseCsv('name,notes,n\n"Ann","line one\nline two",1\nBob,"say ""hi"", then go",2\n', 'q.csv');
    expect(parsed.rows).toEqual([
      ['Ann', 'line one\nline two', '1'],
      ['Bob', 'say "hi", then go', '2'],
    ]);
    expect(parsed.lines).toEqual([2, 4]);
  });

  it('strips a BOM and reads CRLF line ends', () => {
    const parsed = parseCsv('\ufeffid,score\r\n1,2.5\r\n2,3.5\r\n', 'excel.csv');
    expect(parsed.headers).toEqual(['id', 'score']);
    expect(parsed.rows).toEqual([
      ['1', '2.5'],
      ['2', '3.5'],
    ]);
  });

  it('skips rows that are only delimiters (spreadsheet leftovers)', () => {
    expect(parseCsv('a,b\n1,2\n,\n', 'x.csv').rows).toEqual([['1', '2']]);
  });

  it('refuses an empty file', () => {
    expect(fails('')).toBe('data.csv is empty.');
    expect(fails('  \n\r\n')).toBe('data.csv is empty.');
  });

  it('refuses a header without data rows', () => {
    expect(fails('a,b,c\n\n')).toBe('data.csv has a header row but no data rows.');
  });

  it('names the file line of a ragged row, counting blank lines and quoted newlines', () => {
    // Line 1 header, 2 data, 3 blank, 4-5 one quoted record, 6 the short row.
    const message = fails('a,b,c,d,e\n1,2,3,4,5\n\n1,"two\nlines",3,4,5\n1,2,3,4\n');
    expect(message).toContain('data.csv, row 6: expected 5 fields but found 4');
  });

  it('names a row with too many fields', () => {
    expect(fails('a,b\n1,2\n1,2,3\n')).toContain('data.csv, row 3: expected 2 fields but found 3');
  });

  it('names the position of an empty header', () => {
    expect(fails('a,,c\n1,2,3\n')).toContain('data.csv: column 2 has no name');
  });

  it('names both positions of a duplicate header', () => {
    expect(fails('a,b,a\n1,2,3\n')).toContain('data.csv: columns 1 and 3 are both named "a"');
  });

  it('refuses a binary file', () => {
    expect(fails('\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR')).toContain('data.csv is a binary file');
  });

  it('names the row of an unclosed quote', () => {
    expect(fails('a,b\n1,2\n"open,3\n4,5\n')).toContain('data.csv, row 3: a quoted field is never closed');
  });
});
