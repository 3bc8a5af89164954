import { z } from 'zod';

/**
 * How a CSV file is read. Every field is detected when absent; the user overrides any of them
 * (the import options in the data step, or flags of `layerlab inspect` / `train`).
 */
export const CsvDelimiter = z.enum([',', ';', '\t', '|']);
export type CsvDelimiter = z.infer<typeof CsvDelimiter>;

export const CsvEncoding = z.enum(['utf-8', 'utf-16le', 'utf-16be', 'windows-1252']);
export type CsvEncoding = z.infer<typeof CsvEncoding>;

export const CsvOptions = z
  .object({
    delimiter: CsvDelimiter.optional(),
    /** The quote character; "" reads quotes as ordinary text. */
    quoteChar: z.enum(['"', "'", '']).optional(),
    /** Whether the first row names the columns; without one they are column_1..column_n. */
    header: z.boolean().optional(),
    encoding: CsvEncoding.optional(),
    /** "3,14" means 3.14 (European spreadsheets; needs a delimiter other than ","). */
    decimalComma: z.boolean().optional(),
  })
  .strict();
export type CsvOptions = z.infer<typeof CsvOptions>;

/** What an import actually used: the detected values with the user's overrides applied. */
export const CsvDialect = z.object({
  delimiter: CsvDelimiter,
  quoteChar: z.enum(['"', "'", '']),
  header: z.boolean(),
  encoding: CsvEncoding,
  decimalComma: z.boolean(),
  bom: z.boolean(),
  lineBreak: z.enum(['\n', '\r\n', '\r']),
});
export type CsvDialect = z.infer<typeof CsvDialect>;

/** The options that reproduce a dialect, for a re-import that changes one of them. */
export function optionsOf(dialect: CsvDialect): CsvOptions {
  const { delimiter, quoteChar, header, encoding, decimalComma } = dialect;
  return { delimiter, quoteChar, header, encoding, decimalComma };
}
