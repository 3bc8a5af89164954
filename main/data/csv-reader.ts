import { isUtf8 } from 'node:buffer';
import type { CsvDialect, CsvEncoding, CsvOptions } from '../../app/dataset/csv-options';
import { UserError } from '../../app/ipc/errors';
import { ColumnBuilder, type FirstText } from './column-builder';
import type { StoredColumn } from './column-store';
import { detectDialect } from './csv-dialect';
import { checkHeaders } from './csv-headers';
import { CsvScanner, ESCAPED, PLAIN, type RecordSink } from './csv-scanner';

/** Rows kept as text for the preview table. */
export const PREVIEW_ROWS = 20;
/** The dialect is sniffed from this much of the file's start. */
const SAMPLE_BYTES = 64 * 1024;

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  rows: number;
}

export interface ReadCsvInput {
  /** Opens the file's bytes from the start; called again if the encoding must be changed. */
  open: () => AsyncIterable<Buffer>;
  totalBytes: number;
  /** Base name, for messages. */
  fileName: string;
  options?: CsvOptions;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
}

export interface ReadCsv {
  headers: string[];
  columns: StoredColumn[];
  firstTexts: (FirstText | null)[];
  rows: number;
  preview: string[][];
  dialect: CsvDialect;
}

/** Thrown when a UTF-8 guess meets bytes that are not UTF-8: read again as windows-1252. */
class NotUtf8 extends Error {}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** Whether a sample is UTF-8, ignoring a character cut off at its end. */
function looksUtf8(sample: Uint8Array): boolean {
  let end = sample.length;
  // Back up over a cut multi-byte character: at most 3 bytes of 10xxxxxx / 11xxxxxx.
  for (let k = 0; k < 3 && end > 0 && ((sample[end - 1] ?? 0) & 0x80) !== 0; k += 1) {
    end -= 1;
    if (((sample[end] ?? 0) & 0xc0) === 0xc0) break;
  }
  return isUtf8(sample.subarray(0, end));
}

function bomOf(bytes: Uint8Array): { encoding: CsvEncoding; length: number } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return null;
}

/**
 * The file as UTF-8 or windows-1252 bytes (what the scanner reads), with the BOM removed:
 * UTF-16 is transcoded chunk by chunk.
 */
async function* bytesOf(source: AsyncIterable<Buffer>, encoding: CsvEncoding, bomLength: number): AsyncGenerator<Buffer> {
  let first = true;
  const utf16 = encoding === 'utf-16le' || encoding === 'utf-16be' ? new TextDecoder(encoding) : null;
  for await (const raw of source) {
    const chunk = first ? raw.subarray(bomLength) : raw;
    first = false;
    yield utf16 ? Buffer.from(utf16.decode(chunk, { stream: true }), 'utf8') : chunk;
  }
  if (utf16) {
    const rest = utf16.decode();
    if (rest) yield Buffer.from(rest, 'utf8');
  }
}

/** Reads chunks until at least `size` bytes (or the end) for sniffing, then replays them. */
async function peek(source: AsyncIterator<Buffer>, size: number): Promise<{ head: Buffer; done: boolean }> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const next = await source.next();
    if (next.done) return { head: Buffer.concat(parts), done: true };
    parts.push(next.value);
    length += next.value.length;
  }
  return { head: Buffer.concat(parts), done: false };
}

/**
 * Read a whole CSV file into typed columns in one streaming pass: chunks of bytes go through
 * the scanner, cells go straight into column builders. Detects encoding, BOM and dialect from
 * the first 64 KiB (each overridable), reports progress per chunk and stops when `signal`
 * aborts. Every problem is a UserError naming the file and, where there is one, the row.
 */
export async function readCsv(input: ReadCsvInput): Promise<ReadCsv> {
  try {
    return await readWith(input, input.options?.encoding);
  } catch (error) {
    if (!(error instanceof NotUtf8)) throw error;
    return readWith(input, 'windows-1252');
  }
}

async function readWith(input: ReadCsvInput, forced: CsvEncoding | undefined): Promise<ReadCsv> {
  const { fileName, options = {}, signal } = input;
  const rawSource = input.open()[Symbol.asyncIterator]();
  const { head: rawHead, done: rawDone } = await peek(rawSource, SAMPLE_BYTES);
  const bom = bomOf(rawHead);
  const encoding: CsvEncoding = forced ?? bom?.encoding ?? (looksUtf8(rawHead.subarray(0, SAMPLE_BYTES)) ? 'utf-8' : 'windows-1252');
  const bomLength = bom && bom.encoding === encoding ? bom.length : 0;
  const utf16 = encoding === 'utf-16le' || encoding === 'utf-16be';
  if (!utf16 && rawHead.includes(0)) {
    throw new UserError(`${fileName} is a binary file, not CSV text (it contains NUL bytes). Save it as CSV and import that.`);
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield rawHead;
    if (rawDone) return;
    for (let next = await rawSource.next(); !next.done; next = await rawSource.next()) yield next.value;
  }
  const source = bytesOf(replay(), encoding, bomLength)[Symbol.asyncIterator]();
  const { head, done } = await peek(source, 1);
  const latin = encoding === 'windows-1252' ? new TextDecoder('windows-1252') : null;
  const sampleText = latin ? latin.decode(head.subarray(0, SAMPLE_BYTES)) : head.subarray(0, SAMPLE_BYTES).toString('utf8');
  if (utf16 && sampleText.includes('\u0000')) throw new UserError(`${fileName} is a binary file, not CSV text (it contains NUL bytes). Save it as CSV and import that.`);
  if (sampleText.trim() === '') throw new UserError(`${fileName} is empty.`);
  const sample = done ? sampleText : sampleText.slice(0, Math.max(sampleText.lastIndexOf('\n'), 1));
  const found = detectDialect(sample, options);
  const dialect: CsvDialect = { ...found, encoding, bom: bomLength > 0 };
  const quote = dialect.quoteChar;

  const decode = (bytes: Buffer, start: number, end: number): string => {
    if (latin) return latin.decode(bytes.subarray(start, end));
    const text = bytes.toString('utf8', start, end);
    if (text.includes('\uFFFD')) {
      try {
        utf8Fatal.decode(bytes.subarray(start, end));
      } catch {
        if (forced === undefined) throw new NotUtf8();
      }
    }
    return text;
  };
  const doubledQuote = quote + quote;

  let headers: string[] | null = null;
  let builders: ColumnBuilder[] = [];
  let capacity = 1024;
  const preview: string[][] = [];
  let rows = 0;
  const { decimalComma } = dialect;

  const cellText = (bytes: Buffer, start: number, end: number, flag: number): string => {
    if (flag === PLAIN) return decode(bytes, start, end).trim();
    const text = decode(bytes, start, end);
    return flag === ESCAPED ? text.split(doubledQuote).join(quote) : text;
  };
  const sink: RecordSink = {
    record(bytes, starts, ends, flags, count, line) {
      const textAt = (k: number) => cellText(bytes, starts[k] as number, ends[k] as number, flags[k] as number);
      // Blank lines and spreadsheet leftovers such as ",,,," carry no data.
      let empty = true;
      for (let k = 0; k < count && empty; k += 1) {
        if (flags[k] !== PLAIN) empty = false;
        for (let i = starts[k] as number; i < (ends[k] as number) && empty; i += 1) empty = bytes[i] === 0x20 || bytes[i] === 0x09;
      }
      if (empty) return;
      if (headers === null) {
        if (dialect.header) {
          headers = checkHeaders(Array.from({ length: count }, (_, k) => textAt(k).trim()), fileName);
          builders = headers.map(() => new ColumnBuilder(capacity));
          return;
        }
        headers = Array.from({ length: count }, (_, k) => `column_${k + 1}`);
        builders = headers.map(() => new ColumnBuilder(capacity));
      }
      if (count !== headers.length) {
        const fields = (n: number) => (n === 1 ? '1 field' : `${n} fields`);
        throw new UserError(`${fileName}, row ${line}: expected ${fields(headers.length)} but found ${count}. Check the delimiters and quotes on that line.`);
      }
      if (preview.length < PREVIEW_ROWS) preview.push(Array.from({ length: count }, (_, k) => textAt(k)));
      for (let k = 0; k < count; k += 1) {
        const builder = builders[k] as ColumnBuilder;
        const flag = flags[k] as number;
        const start = starts[k] as number;
        const end = ends[k] as number;
        if (flag === ESCAPED || !builder.addBytes(bytes, start, end, decimalComma)) builder.addText(cellText(bytes, start, end, flag), line, decimalComma);
      }
      rows += 1;
    },
  };
  const scanner = new CsvScanner(dialect.delimiter, quote, sink, fileName);
  let bytesRead = 0;
  const step = (chunk: Buffer) => {
    signal?.throwIfAborted();
    if (bytesRead === 0) {
      // Size the columns once from the first chunk's bytes per line, so they rarely grow.
      let lines = 1;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      capacity = Math.ceil((input.totalBytes / Math.max(1, chunk.length)) * lines * 1.02) + 16;
    }
    scanner.push(chunk);
    bytesRead += chunk.length;
    input.onProgress?.({ bytesRead: Math.min(bytesRead, input.totalBytes), totalBytes: input.totalBytes, rows });
  };
  step(head);
  if (!done) for (let next = await source.next(); !next.done; next = await source.next()) step(next.value);
  signal?.throwIfAborted();
  scanner.end();

  if (headers === null) throw new UserError(`${fileName} is empty.`);
  if (rows === 0) throw new UserError(`${fileName} has a header row but no data rows.`);
  const names: string[] = headers;
  return {
    headers: names,
    columns: builders.map((b) => b.finish()),
    firstTexts: builders.map((b) => b.firstText),
    rows,
    preview,
    dialect,
  };
}
