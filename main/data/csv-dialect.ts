import Papa from 'papaparse';
import type { CsvDelimiter, CsvOptions } from '../../app/dataset/csv-options';
import { isMissing, parseNumber } from './cell';

const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t', '|'];
const SAMPLE_ROWS = 50;

/**
 * Papa's own guess gives up on a trailing newline or a BOM, so guess here: parse the first rows
 * with each candidate and take the one that splits the header into the most fields while
 * splitting the following rows the same way. A single-column file has no delimiter: ",".
 */
export function guessDelimiter(sample: string, quoteChar: string): CsvDelimiter {
  let best: { delimiter: CsvDelimiter; consistent: number; fields: number } | null = null;
  for (const delimiter of DELIMITERS) {
    const preview = Papa.parse<string[]>(sample, {
      delimiter,
      quoteChar: quoteChar || '\u0000',
      preview: 20,
      skipEmptyLines: 'greedy',
    }).data;
    const fields = preview[0]?.length ?? 0;
    if (fields < 2) continue;
    const consistent = preview.filter((row) => row.length === fields).length / preview.length;
    if (!best || consistent > best.consistent || (consistent === best.consistent && fields > best.fields)) {
      best = { delimiter, consistent, fields };
    }
  }
  return best?.delimiter ?? ',';
}

const COMMA_DECIMAL = /^[+-]?\d*,\d+$/;
const POINT_DECIMAL = /^[+-]?\d*\.\d+$/;

/**
 * "3,14" cells with a delimiter other than "," and no "3.14" cells anywhere in the sample: a
 * European spreadsheet's numbers. One dot-decimal cell means commas are something else.
 */
function guessDecimalComma(rows: readonly string[][], delimiter: string): boolean {
  if (delimiter === ',') return false;
  let comma = 0;
  for (const row of rows) {
    for (const raw of row) {
      const cell = raw.trim();
      if (POINT_DECIMAL.test(cell)) return false;
      if (COMMA_DECIMAL.test(cell)) comma += 1;
    }
  }
  return comma > 0;
}

/**
 * A header unless the first row looks like data: a column whose later values are numbers
 * votes "data" when its first cell is a number too and "header" when it is a word (the test
 * Python's csv.Sniffer makes). Text columns do not vote: "name" and "Ann" look alike. With no
 * evidence either way, or a tie, the first row is a header, as in nearly every CSV.
 */
function guessHeader(rows: readonly string[][], decimalComma: boolean): boolean {
  const [first, ...rest] = rows;
  if (!first || rest.length === 0) return true;
  const number = (cell: string) => parseNumber(decimalComma ? cell.replace(',', '.') : cell) !== null;
  let header = 0;
  let data = 0;
  first.forEach((cell, j) => {
    const values = rest.map((row) => row[j] ?? '').filter((v) => !isMissing(v));
    if (values.length === 0 || values.filter(number).length < 0.9 * values.length) return;
    if (isMissing(cell)) return;
    if (number(cell)) data += 1;
    else header += 1;
  });
  return !(data > header);
}

export interface DetectedDialect {
  delimiter: CsvDelimiter;
  quoteChar: '"' | "'" | '';
  header: boolean;
  decimalComma: boolean;
  lineBreak: '\n' | '\r\n' | '\r';
}

/** The dialect of a file from the text of its first rows, with the user's overrides applied. */
export function detectDialect(sample: string, options: CsvOptions): DetectedDialect {
  const quoteChar = options.quoteChar ?? '"';
  const delimiter = options.delimiter ?? guessDelimiter(sample, quoteChar);
  const rows = Papa.parse<string[]>(sample, {
    delimiter,
    quoteChar: quoteChar || '\u0000',
    preview: SAMPLE_ROWS,
    skipEmptyLines: 'greedy',
  }).data;
  const decimalComma = options.decimalComma ?? guessDecimalComma(rows, delimiter);
  const header = options.header ?? guessHeader(rows, decimalComma);
  const lf = sample.indexOf('\n');
  const lineBreak = lf > 0 && sample[lf - 1] === '\r' ? '\r\n' : lf === -1 && sample.includes('\r') ? '\r' : '\n';
  return { delimiter, quoteChar, header, decimalComma, lineBreak };
}
