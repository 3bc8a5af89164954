import type { CsvDialect, CsvOptions } from '../../app/dataset/csv-options';
import { UserError } from '../../app/ipc/errors';
import { detectDialect } from './csv-dialect';
import { checkHeaders } from './csv-headers';
import { CsvScanner, ESCAPED, PLAIN } from './csv-scanner';

export interface ParsedCsv {
  headers: string[];
  /** Data rows, every one exactly headers.length cells (unquoted cells trimmed). */
  rows: string[][];
  /**
   * The 1-based file line where each data row starts (the header is line 1). Not simply index
   * + 2: quoted fields may span lines and empty lines are skipped, and messages such as
   * "row 17" must match what the user sees in an editor.
   */
  lines: number[];
  /** The delimiter found: "," ";" "\t" or "|". */
  delimiter: string;
  dialect: Omit<CsvDialect, 'encoding'>;
}

/**
 * Parse CSV text into rows of strings with the same scanner and dialect detection as the
 * streaming import (csv-reader.ts), for small texts and tests. Every problem is a UserError
 * that names the file and, where it has one, the row (file line) and column.
 */
export function parseCsv(text: string, fileName: string, options: CsvOptions = {}): ParsedCsv {
  if (text.includes('\u0000')) {
    throw new UserError(
      `${fileName} is a binary file, not CSV text (it contains NUL bytes). Save it as CSV and import that.`,
    );
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  const body = bom ? text.slice(1) : text;
  if (body.trim() === '') throw new UserError(`${fileName} is empty.`);
  const found = detectDialect(body, options);
  const quote = found.quoteChar;
  let headers: string[] | null = null;
  const rows: string[][] = [];
  const lines: number[] = [];
  const scanner = new CsvScanner(
    found.delimiter,
    quote,
    {
      record(bytes, starts, ends, flags, count, line) {
        const cells = Array.from({ length: count }, (_, k) => {
          const raw = bytes.toString('utf8', starts[k], ends[k]);
          if (flags[k] === PLAIN) return raw.trim();
          return flags[k] === ESCAPED ? raw.split(quote + quote).join(quote) : raw;
        });
        if (cells.every((cell, k) => cell === '' && flags[k] === PLAIN)) return;
        if (headers === null) {
          if (found.header) {
            headers = checkHeaders(
              cells.map((c) => c.trim()),
              fileName,
            );
            return;
          }
          headers = cells.map((_, k) => `column_${k + 1}`);
        }
        if (cells.length !== headers.length) {
          const fields = (n: number) => (n === 1 ? '1 field' : `${n} fields`);
          throw new UserError(
            `${fileName}, row ${line}: expected ${fields(headers.length)} but found ${cells.length}. Check the delimiters and quotes on that line.`,
          );
        }
        rows.push(cells);
        lines.push(line);
      },
    },
    fileName,
  );
  scanner.push(Buffer.from(body, 'utf8'));
  scanner.end();
  if (headers === null) throw new UserError(`${fileName} is empty.`);
  if (rows.length === 0) throw new UserError(`${fileName} has a header row but no data rows.`);
  return { headers, rows, lines, delimiter: found.delimiter, dialect: { ...found, bom } };
}
