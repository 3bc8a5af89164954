import Papa from 'papaparse';
import { UserError } from '../../app/ipc/errors';

export interface ParsedCsv {
  headers: string[];
  /** Data rows, every one exactly headers.length trimmed cells. */
  rows: string[][];
  /**
   * The 1-based file line where each data row starts (the header is line 1). Not simply index
   * + 2: quoted fields may span lines and empty lines are skipped, and messages such as
   * "row 17" must match what the user sees in an editor.
   */
  lines: number[];
  /** The delimiter found: "," ";" "\t" or "|". */
  delimiter: string;
}

const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * Papa's own guess gives up on a trailing newline or a BOM, so guess here: parse the first rows
 * with each candidate and take the one that splits the header into the most fields while
 * splitting the following rows the same way. A single-column file has no delimiter: ",".
 */
function guessDelimiter(text: string): string {
  let best: { delimiter: string; consistent: number; fields: number } | null = null;
  for (const delimiter of DELIMITERS) {
    const preview = Papa.parse<string[]>(text, { delimiter, preview: 20, skipEmptyLines: 'greedy' }).data;
    const fields = preview[0]?.length ?? 0;
    if (fields < 2) continue;
    const consistent = preview.filter((row) => row.length === fields).length / preview.length;
    if (!best || consistent > best.consistent || (consistent === best.consistent && fields > best.fields)) {
      best = { delimiter, consistent, fields };
    }
  }
  return best?.delimiter ?? ',';
}

const fields = (n: number): string => (n === 1 ? '1 field' : `${n} fields`);

function countOf(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n += 1;
  return n;
}

/**
 * Parse CSV text that starts with a header row. Every problem is a UserError that names the file
 * and, where it has one, the row (file line) and column, so the user can fix the file.
 */
export function parseCsv(text: string, fileName: string): ParsedCsv {
  if (text.includes('\u0000')) {
    throw new UserError(`${fileName} is a binary file, not CSV text (it contains NUL bytes). Save it as CSV and import that.`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new UserError(`${fileName} is empty.`);

  const delimiter = guessDelimiter(body);
  // Empty lines are kept here and skipped below so that each record's file line can be counted.
  const result = Papa.parse<string[]>(body, { delimiter, skipEmptyLines: false });
  const linebreak = result.meta.linebreak === '\r' ? '\r' : '\n';

  let line = 1;
  let headers: string[] | null = null;
  const rows: string[][] = [];
  const lines: number[] = [];
  // Records arrive in file order; `line` is where the current record starts.
  const records = result.data;
  const quoteError = result.errors.find((e) => e.type === 'Quotes');
  for (let r = 0; r < records.length; r += 1) {
    const record = records[r] ?? [];
    const recordLine = line;
    for (const cell of record) if (cell.includes(linebreak)) line += countOf(cell, linebreak);
    line += 1;
    if (quoteError && quoteError.row === r) {
      const where = headers === null ? 'the header row' : `row ${recordLine}`;
      const problem = quoteError.code === 'MissingQuotes' ? 'a quoted field is never closed' : 'a quoted field has text after its closing quote';
      throw new UserError(`${fileName}, ${where}: ${problem}. Check the quote marks on that line.`);
    }
    const cells = record.map((cell) => cell.trim());
    // Blank lines and spreadsheet leftovers such as ",,,," carry no data.
    if (cells.every((cell) => cell === '')) continue;
    if (headers === null) {
      headers = checkHeaders(cells, fileName);
      continue;
    }
    if (cells.length !== headers.length) {
      throw new UserError(`${fileName}, row ${recordLine}: expected ${fields(headers.length)} but found ${cells.length}. Check the delimiters and quotes on that line.`);
    }
    rows.push(cells);
    lines.push(recordLine);
  }
  if (headers === null) throw new UserError(`${fileName} is empty.`);
  if (rows.length === 0) throw new UserError(`${fileName} has a header row but no data rows.`);
  return { headers, rows, lines, delimiter };
}

function checkHeaders(cells: string[], fileName: string): string[] {
  const seen = new Map<string, number>();
  cells.forEach((name, i) => {
    if (name === '') {
      throw new UserError(`${fileName}: column ${i + 1} has no name in the header row. Give every column a name (the first row must be a header).`);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new UserError(`${fileName}: columns ${first + 1} and ${i + 1} are both named "${name}". Column names must be unique.`);
    }
    seen.set(name, i);
  });
  return cells;
}
