import { UserError } from '../../app/ipc/errors';
import type { NumberRows } from './csv-number-rows';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

/**
 * The longest field read, in bytes, and the most fields in a record. Past either the import
 * stops at once, naming the row and column: a 50 MB line of distinct fields (no CSV a table
 * comes from) cost 5.5 GB and 55 s before it was refused for having no data rows, and a quote
 * mark left open swallows the rest of the file into one field.
 */
export const MAX_FIELD_BYTES = 2 ** 20;
export const MAX_COLUMNS = 10_000;

/** Cell flags: how a cell's bytes must be turned into text. */
export const PLAIN = 0;
export const QUOTED = 1;
/** Quoted with doubled quotes inside ("say ""hi"""), which become one quote each. */
export const ESCAPED = 2;

export interface RecordSink {
  /**
   * One record: cell k is bytes[starts[k], ends[k]) with flags[k]; `line` is the 1-based file
   * line where the record starts (quoted newlines and blank lines counted), for messages.
   */
  record(bytes: Buffer, starts: Int32Array, ends: Int32Array, flags: Uint8Array, count: number, line: number): void;
}

/**
 * An RFC 4180 record scanner over raw bytes, fed in chunks of any size. It finds cell
 * boundaries only and makes no strings, so numeric columns are parsed straight from the bytes
 * (number-bytes.ts): papaparse, which we use to sniff the dialect, builds a string per cell and
 * a row array per record, and reads a million-row numeric file at a tenth of the speed pandas
 * does. Delimiter, quote and line breaks are ASCII, so this is correct on UTF-8 and
 * windows-1252 bytes alike (UTF-16 is transcoded to UTF-8 before it gets here).
 */
export class CsvScanner {
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private flags = new Uint8Array(64);
  private carry: Buffer | null = null;
  private line = 1;
  private readonly quote: number;
  private readonly delimiter: number;
  /**
   * Records of plain numbers go here instead of to the sink (csv-number-rows.ts) while it is
   * set; a record it gives up goes to the sink.
   */
  fast: NumberRows | null = null;
  /** Records to give to the sink before trying the fast path again, and the next such pause. */
  private skip = 0;
  private backoff = 1;

  constructor(
    delimiter: string,
    quoteChar: string,
    private readonly sink: RecordSink,
    private readonly fileName: string,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
    this.quote = quoteChar === '' ? -1 : quoteChar.charCodeAt(0);
  }

  push(chunk: Buffer): void {
    let bytes = chunk;
    if (this.carry) {
      // Finish the record cut at the last chunk's end from a small copy, not a copy of the
      // whole new chunk (a 4 MiB copy per chunk is a tenth of the import's time).
      const lf = chunk.indexOf(LF);
      const small = lf === -1 ? null : Buffer.concat([this.carry, chunk.subarray(0, lf + 1)]);
      const done = small ? this.scan(small, false) : -1;
      bytes =
        small && done === small.length
          ? chunk.subarray(lf + 1)
          : Buffer.concat([this.carry.subarray(Math.max(0, done)), chunk]);
      // (done < small.length: a quoted field spans the line break; scan carry + chunk whole.)
      if (small && done !== small.length) bytes = Buffer.concat([small.subarray(done), chunk.subarray(lf + 1)]);
    }
    const rest = this.scan(bytes, false);
    // A copy: the source may read its next chunk into the same buffer (csv-reader.ts).
    this.carry = rest < bytes.length ? Buffer.from(bytes.subarray(rest)) : null;
  }

  /** Whether the bytes so far end inside a record (a line break or the end has not come). */
  get midRecord(): boolean {
    return this.carry !== null;
  }

  /** Records of one line each were read elsewhere (csv-range.ts): count their lines. */
  skipLines(count: number): void {
    this.line += count;
  }

  /** The end of the input: whatever is left is the last record. */
  end(): void {
    if (this.carry) this.scan(this.carry, true);
    this.carry = null;
  }

  /** Scan every complete record; returns where the incomplete tail starts. */
  private scan(bytes: Buffer, final: boolean): number {
    let p = 0;
    while (p < bytes.length) {
      const fast = this.fast;
      if (fast !== null) {
        if (this.skip === 0) {
          p = fast.take(bytes, p);
          if (fast.taken > 0) {
            this.line += fast.taken;
            this.backoff = 1;
            continue;
          }
          // A column of words, quotes or missing markers would fail on every record: try the
          // fast path less often the more often it fails in a row.
          this.skip = this.backoff;
          this.backoff = Math.min(this.backoff * 2, 1024);
        } else {
          this.skip -= 1;
        }
      }
      const next = this.scanRecord(bytes, p, final);
      if (next < 0) return p;
      p = next;
    }
    return p;
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    starts.set(this.starts);
    const ends = new Int32Array(n);
    ends.set(this.ends);
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.flags = flags;
  }

  private fail(problem: string): never {
    throw new UserError(`${this.where()}: ${problem}. Check the quote marks on that line.`);
  }

  private where(): string {
    return `${this.fileName}, ${this.line === 1 ? 'the header row' : `row ${this.line}`}`;
  }

  /** Field k (0-based) of the record being read has passed MAX_FIELD_BYTES. */
  private tooLong(k: number): never {
    throw new UserError(
      `${this.where()}, column ${(k + 1).toLocaleString('en')}: a field is longer than ${MAX_FIELD_BYTES / 2 ** 20} MiB, the most one field may hold. Check that this is a CSV file and that no quote mark is left open.`,
    );
  }

  private tooWide(): never {
    const delimiter = this.delimiter === 0x09 ? 'tab' : `"${String.fromCharCode(this.delimiter)}"`;
    throw new UserError(
      `${this.where()}: more than ${MAX_COLUMNS.toLocaleString('en')} columns, the most an import takes. Check the delimiter (${delimiter}) and that this is a CSV file.`,
    );
  }

  /** One record from `start`: the position after its line break, or -1 when it is incomplete. */
  private scanRecord(bytes: Buffer, start: number, final: boolean): number {
    const { delimiter, quote } = this;
    const length = bytes.length;
    let p = start;
    let count = 0;
    let quotedLines = 0;
    for (;;) {
      if (count === MAX_COLUMNS) this.tooWide();
      if (count === this.starts.length) this.grow();
      if (p < length && bytes[p] === quote) {
        let q = p + 1;
        let escaped = false;
        let close: number;
        for (;;) {
          close = bytes.indexOf(quote, q);
          if (close - p - 1 > MAX_FIELD_BYTES || (close === -1 && length - p - 1 > MAX_FIELD_BYTES))
            this.tooLong(count);
          if (close === -1) {
            if (!final) return -1;
            this.fail('a quoted field is never closed');
          }
          if (close + 1 >= length && !final) return -1;
          if (bytes[close + 1] === quote) {
            escaped = true;
            q = close + 2;
            continue;
          }
          break;
        }
        this.starts[count] = p + 1;
        this.ends[count] = close;
        this.flags[count] = escaped ? ESCAPED : QUOTED;
        count += 1;
        for (let n = bytes.indexOf(LF, p + 1); n !== -1 && n < close; n = bytes.indexOf(LF, n + 1)) quotedLines += 1;
        p = close + 1;
        while (p < length && bytes[p] === SPACE) p += 1;
        if (p >= length) {
          if (!final) return -1;
          break;
        }
        const c = bytes[p];
        if (c === delimiter) {
          p += 1;
          continue;
        }
        if (c === LF || c === CR) break;
        this.fail('a quoted field has text after its closing quote');
      }
      let q = p;
      while (q < length) {
        const c = bytes[q];
        if (c === delimiter || c === LF || c === CR) break;
        q += 1;
      }
      if (q - p > MAX_FIELD_BYTES) this.tooLong(count);
      if (q >= length && !final) return -1;
      this.starts[count] = p;
      this.ends[count] = q;
      this.flags[count] = PLAIN;
      count += 1;
      p = q;
      if (p < length && bytes[p] === delimiter) {
        p += 1;
        continue;
      }
      break;
    }
    if (p < length) {
      if (bytes[p] === CR) {
        if (p + 1 >= length && !final) return -1;
        p += bytes[p + 1] === LF ? 2 : 1;
      } else {
        p += 1; // LF
      }
    }
    const line = this.line;
    this.line += 1 + quotedLines;
    this.sink.record(bytes, this.starts, this.ends, this.flags, count, line);
    return p;
  }
}
