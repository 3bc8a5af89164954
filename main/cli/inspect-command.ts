import path from 'node:path';
import { parseArgs } from 'node:util';
import { CsvDelimiter, CsvEncoding, type CsvOptions } from '../../app/dataset/csv-options';
import { inspectCsvFile, type ImportProgress } from '../data';
import { UsageError } from './cli-error';
import { progressPrinter } from './progress-line';
import { csvImportProgressText } from '../../app/progress/work-progress';

/** The CSV flags `inspect` and `train` share: every import option the app offers. */
export const CSV_FLAGS = {
  delimiter: { type: 'string' },
  quote: { type: 'string' },
  header: { type: 'boolean' },
  'no-header': { type: 'boolean' },
  encoding: { type: 'string' },
  'decimal-comma': { type: 'boolean' },
  'no-decimal-comma': { type: 'boolean' },
} as const;

const DELIMITER_NAMES: Record<string, CsvDelimiter> = { comma: ',', semicolon: ';', tab: '\t', pipe: '|', '\\t': '\t' };

export function csvOptionsFrom(values: Partial<Record<keyof typeof CSV_FLAGS, string | boolean>>): CsvOptions {
  const options: CsvOptions = {};
  if (typeof values.delimiter === 'string') {
    const delimiter = DELIMITER_NAMES[values.delimiter] ?? CsvDelimiter.safeParse(values.delimiter).data;
    if (!delimiter)
      throw new UsageError(
        `--delimiter must be one of , ; | tab (or comma, semicolon, pipe), not "${values.delimiter}".`,
      );
    options.delimiter = delimiter;
  }
  if (typeof values.quote === 'string') {
    const quote = values.quote === 'none' ? '' : values.quote;
    if (quote !== '"' && quote !== "'" && quote !== '')
      throw new UsageError(`--quote must be " or ' or none, not "${values.quote}".`);
    options.quoteChar = quote;
  }
  if (values.header && values['no-header']) throw new UsageError('Give --header or --no-header, not both.');
  if (values.header) options.header = true;
  if (values['no-header']) options.header = false;
  if (typeof values.encoding === 'string') {
    const encoding = CsvEncoding.safeParse(
      values.encoding
        .toLowerCase()
        .replace(/^(latin-?1|iso-8859-1|cp1252)$/, 'windows-1252')
        .replace(/^utf8$/, 'utf-8'),
    );
    if (!encoding.success)
      throw new UsageError(
        `--encoding must be one of ${CsvEncoding.options.join(', ')} (or latin1), not "${values.encoding}".`,
      );
    options.encoding = encoding.data;
  }
  if (values['decimal-comma'] && values['no-decimal-comma'])
    throw new UsageError('Give --decimal-comma or --no-decimal-comma, not both.');
  if (values['decimal-comma']) options.decimalComma = true;
  if (values['no-decimal-comma']) options.decimalComma = false;
  return options;
}

/**
 * The import's progress on stderr, in the app's words (csvImportProgressText) and the CLI's one way of
 * showing progress (progressPrinter: rewritten in place on a terminal; elsewhere, after 2 s, a line
 * per quarter; LAYERLAB_PROGRESS=always|never): reading the file, then, for a file too large for
 * memory, profiling its columns.
 */
export function progressLine(
  fileName: string,
  ...printer: Parameters<typeof progressPrinter> extends [string, ...infer Rest] ? Rest : never
): (p: ImportProgress) => void {
  const line = progressPrinter(`Importing ${fileName}`, ...printer);
  return (p) => {
    // Reading counts bytes, profiling columns: two phases, each shown as it starts (the printer
    // reads done, total and the phase; the words are the import's own).
    const counts = p.profiled
      ? { done: p.profiled.done, total: p.profiled.total, unit: 'rows' as const, index: 1 }
      : { done: p.bytesRead, total: p.totalBytes, unit: 'bytes' as const, index: 0 };
    line.update(counts, csvImportProgressText(p));
  };
}

/**
 * `layerlab inspect FILE`: read the whole file as an import would and print what was found as
 * JSON: the dialect, the row count and every column's profile.
 */
export async function inspectCommand(args: string[], out: (line: string) => void): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof CSV_FLAGS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args, options: CSV_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const [file, ...extra] = parsed.positionals;
  if (!file) throw new UsageError('inspect needs a FILE.csv.');
  if (extra.length > 0) throw new UsageError(`inspect reads one file; unexpected "${extra[0]}".`);
  const options = csvOptionsFrom(parsed.values);
  const resolved = path.resolve(file);
  const result = await inspectCsvFile({ path: resolved, options, onProgress: progressLine(path.basename(resolved)) });
  const { dialect } = result;
  out(
    JSON.stringify(
      {
        file: result.file,
        rows: result.rows,
        delimiter: dialect.delimiter,
        encoding: dialect.encoding,
        header: dialect.header,
        decimalComma: dialect.decimalComma,
        quoteChar: dialect.quoteChar,
        bom: dialect.bom,
        lineBreak: dialect.lineBreak,
        columns: result.columns.map((c) => ({
          name: c.name,
          type: c.type,
          usable: c.kind !== 'ignored',
          ...(c.useless ? { useless: true } : {}),
          ...(c.reason ? { reason: c.reason } : {}),
          missing: c.missing,
          unique: c.unique,
          ...(c.min !== undefined ? { min: c.min, max: c.max, mean: c.mean, std: c.std } : {}),
        })),
      },
      null,
      2,
    ),
  );
  return 0;
}
