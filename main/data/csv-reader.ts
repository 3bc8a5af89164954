import { isUtf8 } from 'node:buffer';
import { availableParallelism, cpus } from 'node:os';
import type { CsvDialect, CsvEncoding, CsvOptions } from '../../app/dataset/csv-options';
import type { ColumnProfile } from '../../app/dataset/schema';
import type { CsvImportCounts } from '../../app/progress/work-progress';
import { UserError } from '../../app/ipc/errors';
import { ColumnBuilder, type FirstText } from './column-builder';
import { ColumnSpill } from './column-spill';
import type { StoredColumn } from './column-store';
import { detectDialect } from './csv-dialect';
import { checkHeaders } from './csv-headers';
import { NumberRows } from './csv-number-rows';
import { lineStartAfter, readFileRange, type SegmentResult } from './csv-range';
import {
  rangeWorkerEntry,
  startRangeThread,
  startSegmentThread,
  type RangeThread,
  type SegmentThread,
  type WorkerEntry,
} from './csv-range-thread';
import { CsvScanner, ESCAPED, PLAIN, type RecordSink } from './csv-scanner';
import { profileStoredColumn } from './profile';

/** Rows kept as text for the preview table. */
export const PREVIEW_ROWS = 20;
/** The dialect is sniffed from this much of the file's start. */
const SAMPLE_BYTES = 64 * 1024;
/** Files at least this large are read by two threads when they can be (see wantSplit). */
const SPLIT_MIN_BYTES = 32 * 1024 * 1024;
/**
 * The main thread's share of the bytes after the first chunk: more than half, because the
 * worker starts later (a fresh thread loading its modules) and first counts the line breaks of
 * the main thread's part. Measured on the 166 MB bench file: with the bundled worker (~0.2 s of
 * CPU to start) the main thread waited 100-300 ms for it at 0.45 and 0.5, not at all at 0.55
 * and 0.62 (where the worker was idle first); under tsx (~0.8 s) it waited 200-450 ms at 0.55,
 * 1-140 ms at 0.65.
 */
const MAIN_SHARE = { bundled: 0.55, tsx: 0.62 };
/**
 * An import too large for memory read by two threads (readSegments): the main thread's part of
 * the first rounds, against the bytes of a worker's segment. Less than one, as the main thread
 * also writes every row; later rounds are shared by the speeds measured.
 */
const SEGMENT_MAIN_SHARE = 0.6;
/**
 * The first round's part: the worker starts while it is read (~0.2 s of CPU for the bundle; with
 * the main thread's part at SEGMENT_MAIN_SHARE it waited 0.8 s for the first segment under load).
 */
const SEGMENT_FIRST_SHARE = 1.5;

/** Bytes and rows read, the rate (absent in the first half second), then the columns profiled (app/progress). */
export type ImportProgress = CsvImportCounts;

/** The import's progress with its rate and time left, from when it started: computed here once for every view. */
function progressAt(startedAt: number, bytesRead: number, totalBytes: number, rows: number): ImportProgress {
  const seconds = (performance.now() - startedAt) / 1000;
  const done = Math.min(bytesRead, totalBytes);
  if (seconds < 0.5 || done === 0) return { bytesRead: done, totalBytes, rows };
  const bytesPerSecond = done / seconds;
  return { bytesRead: done, totalBytes, rows, bytesPerSecond, secondsLeft: (totalBytes - done) / bytesPerSecond };
}

export interface ReadCsvInput {
  /**
   * Opens the file's bytes from the start; called again if the encoding must be changed. A
   * chunk is read whole before the next one is asked for and no reference to it is kept, so
   * the source may read every chunk into the same buffer.
   */
  open: () => AsyncIterable<Buffer>;
  totalBytes: number;
  /**
   * The file on disk, when there is one: a large file of numbers is then read by two threads,
   * each its half (csv-range.ts).
   */
  path?: string;
  /**
   * Two threads: true whenever the file allows it (any size; for tests), false never. By
   * default for files of 32 MB or more while a core is idle (see wantSplit).
   */
  split?: boolean;
  /** Base name, for messages. */
  fileName: string;
  options?: CsvOptions;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /**
   * Called once with the finished columns, before they are profiled: an import writes them to
   * disk meanwhile (the writes and their fsyncs run in libuv's threads). They must not be changed.
   */
  onColumns?: (columns: readonly StoredColumn[]) => void;
  /**
   * The dataset folder being built, when there is one: a file whose columns would take more than
   * memoryBytes is then written there as it is read, a chunk of rows at a time (column-spill.ts),
   * and the result holds no columns (`stored`).
   */
  store?: string;
  /** Bytes of columns held in memory at most before they go to `store` (default MEMORY_BYTES). */
  memoryBytes?: number;
}

/**
 * Column bytes an import holds in memory at most when it has somewhere to write them: 10M rows
 * of 21 numbers (1.7 GB of columns) then go to disk in chunks of 1.6M rows, and the import's
 * peak stays well under 1 GB (bench:big).
 */
export const MEMORY_BYTES = 256 * 1024 * 1024;

export interface ReadCsv {
  headers: string[];
  columns: StoredColumn[];
  firstTexts: (FirstText | null)[];
  rows: number;
  preview: string[][];
  dialect: CsvDialect;
  /** Each column's profile (profile.ts), columns of numbers shared between the two threads. */
  profiles: ColumnProfile[];
  /** Records read by the second thread (0 when one thread read the whole file). */
  rowsElsewhere: number;
  /** The columns are in `store` already (written as they were read); `columns` is then empty. */
  stored: boolean;
}

/**
 * Whether a second thread is worth starting: it reads half the file at the same speed, but
 * costs CPU of its own (starting a thread and loading its modules: ~0.1 s bundled, ~0.9 s
 * under tsx), so on a machine whose cores are all busy it only adds work. Measured on the
 * 166 MB bench file at a load of 8-20 on 2 cores: one thread 2.6-3.4 s of CPU, two 4.1-4.4 s,
 * and two were slower by the clock too. So it starts only when another core is idle now, as
 * the CPU counters say over the first LOOK_MS of reading (the load average lags by a minute
 * and counts our own work): our thread keeps one core busy, so most of one more must be idle.
 */
function wantSplit(split: boolean | undefined, remainingBytes: number, look: CpuLook | null): boolean {
  if (split !== undefined) return split;
  return look !== null && remainingBytes >= SPLIT_MIN_BYTES && availableParallelism() >= 2 && look.idleCores() >= 0.6;
}

/** How long the main thread reads before deciding on a second thread. */
const LOOK_MS = 100;

interface CpuLook {
  elapsed(): number;
  /** Cores no process used since the look began. */
  idleCores(): number;
}

function cpuLook(): CpuLook {
  const started = performance.now();
  const before = cpus();
  const total = (times: Record<string, number>) => Object.values(times).reduce((a, b) => a + b, 0);
  return {
    elapsed: () => performance.now() - started,
    idleCores: () => {
      let idle = 0;
      cpus().forEach((cpu, i) => {
        const was = before[i];
        const elapsed = was ? total(cpu.times) - total(was.times) : 0;
        if (was && elapsed > 0) idle += (cpu.times.idle - was.times.idle) / elapsed;
      });
      return idle;
    },
  };
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
async function* bytesOf(
  source: AsyncIterable<Buffer>,
  encoding: CsvEncoding,
  bomLength: number,
): AsyncGenerator<Buffer> {
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

/**
 * Reads chunks until at least `size` bytes (or the end) for sniffing, then replays them. One chunk
 * that is enough is returned as it is: it stays valid until the next read, and copying the first
 * 4 MB chunk of a large file (fresh memory, twice: once per peek) cost ~80 ms.
 */
async function peek(source: AsyncIterator<Buffer>, size: number): Promise<{ head: Buffer; done: boolean }> {
  const parts: Buffer[] = [];
  let length = 0;
  const joined = () => (parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
  while (length < size) {
    // The next read may reuse the last chunk's buffer: keep a copy of it first.
    const last = parts.length - 1;
    if (last >= 0) parts[last] = Buffer.from(parts[last] as Buffer);
    const next = await source.next();
    if (next.done) return { head: joined(), done: true };
    parts.push(next.value);
    length += next.value.length;
  }
  return { head: joined(), done: false };
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
  const startedAt = performance.now();
  const { fileName, options = {}, signal } = input;
  const rawSource = input.open()[Symbol.asyncIterator]();
  const { head: rawHead, done: rawDone } = await peek(rawSource, SAMPLE_BYTES);
  const bom = bomOf(rawHead);
  const encoding: CsvEncoding =
    forced ?? bom?.encoding ?? (looksUtf8(rawHead.subarray(0, SAMPLE_BYTES)) ? 'utf-8' : 'windows-1252');
  const bomLength = bom && bom.encoding === encoding ? bom.length : 0;
  const utf16 = encoding === 'utf-16le' || encoding === 'utf-16be';
  if (!utf16 && rawHead.includes(0)) {
    throw new UserError(
      `${fileName} is a binary file, not CSV text (it contains NUL bytes). Save it as CSV and import that.`,
    );
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield rawHead;
    if (rawDone) return;
    for (let next = await rawSource.next(); !next.done; next = await rawSource.next()) yield next.value;
  }
  const source = bytesOf(replay(), encoding, bomLength)[Symbol.asyncIterator]();
  const { head, done } = await peek(source, 1);
  const latin = encoding === 'windows-1252' ? new TextDecoder('windows-1252') : null;
  const sampleText = latin
    ? latin.decode(head.subarray(0, SAMPLE_BYTES))
    : head.subarray(0, SAMPLE_BYTES).toString('utf8');
  if (utf16 && sampleText.includes('\u0000'))
    throw new UserError(
      `${fileName} is a binary file, not CSV text (it contains NUL bytes). Save it as CSV and import that.`,
    );
  if (sampleText.trim() === '') throw new UserError(`${fileName} is empty.`);
  const sample = done ? sampleText : sampleText.slice(0, Math.max(sampleText.lastIndexOf('\n'), 1));
  const found = detectDialect(sample, options);
  const dialect: CsvDialect = { ...found, encoding, bom: bomLength > 0 };
  const quote = dialect.quoteChar;
  // Looked up (and, from the sources, bundled if need be) while the first chunks are read.
  const canSplit = input.path !== undefined && !utf16 && (input.split ?? input.totalBytes >= SPLIT_MIN_BYTES);
  const workerEntry: Promise<WorkerEntry | null> = canSplit
    ? rangeWorkerEntry().catch(() => null)
    : Promise.resolve(null);

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
  // Rows already written to the store (spill mode): the builders hold rows base.. from their index 0.
  const spilling: { to: ColumnSpill | null } = { to: null };
  let chunkRows = 0;
  let base = 0;
  const makeBuilders = (count: number): ColumnBuilder[] => {
    const memoryBytes = input.memoryBytes ?? MEMORY_BYTES;
    if (input.store !== undefined && capacity * count * 8 > memoryBytes) {
      const store = new ColumnSpill(input.store);
      spilling.to = store;
      chunkRows = Math.max(64, Math.floor(memoryBytes / (count * 8)));
      return Array.from({ length: count }, (_, i) => {
        const builder = new ColumnBuilder(chunkRows);
        builder.beforeText = () => store.toCodes(i, builder);
        return builder;
      });
    }
    return Array.from({ length: count }, () => new ColumnBuilder(capacity));
  };
  /** Spill mode: the builders' rows to disk when they are full, before another row is added. */
  const spillIfFull = () => {
    const spill = spilling.to;
    if (spill === null || rows - base < chunkRows) return;
    spill.append(builders);
    base = rows;
    if (fast !== null) fast.row = 0;
  };
  const preview: string[][] = [];
  let rows = 0;
  const { decimalComma } = dialect;

  const cellText = (bytes: Buffer, start: number, end: number, flag: number): string => {
    if (flag === PLAIN) return decode(bytes, start, end).trim();
    const text = decode(bytes, start, end);
    return flag === ESCAPED ? text.split(doubledQuote).join(quote) : text;
  };
  // The fast path (csv-number-rows.ts) writes records straight into the columns; `rows` and the
  // builders' lengths catch up with it before the general path takes a record.
  let fast: NumberRows | null = null;
  let fastOff = dialect.decimalComma && dialect.delimiter === ',';
  const catchUp = () => {
    if (fast === null || base + fast.row === rows) return;
    rows = base + fast.row;
    for (const builder of builders) builder.length = fast.row;
  };
  /** After a record from the general path: the fast path over the columns as they are now. */
  const refreshFast = () => {
    if (fastOff || preview.length < PREVIEW_ROWS) return;
    const arrays: Float64Array[] = [];
    for (const builder of builders) {
      const array = builder.numberArray;
      if (array === null) {
        // A column of texts: every record would fail the fast path half-way.
        fastOff = true;
        fast = null;
        scanner.fast = null;
        return;
      }
      arrays.push(array);
    }
    if (fast === null || arrays.some((array, k) => array !== fast?.columnAt(k))) {
      fast = new NumberRows(
        dialect.delimiter,
        decimalComma,
        arrays,
        rows - base,
        Math.min(...arrays.map((a) => a.length)),
      );
      scanner.fast = fast;
    } else {
      fast.row = rows - base;
    }
  };
  const sink: RecordSink = {
    record(bytes, starts, ends, flags, count, line) {
      catchUp();
      spillIfFull();
      const textAt = (k: number) => cellText(bytes, starts[k] as number, ends[k] as number, flags[k] as number);
      // Blank lines and spreadsheet leftovers such as ",,,," carry no data.
      let empty = true;
      for (let k = 0; k < count && empty; k += 1) {
        if (flags[k] !== PLAIN) empty = false;
        for (let i = starts[k] as number; i < (ends[k] as number) && empty; i += 1)
          empty = bytes[i] === 0x20 || bytes[i] === 0x09;
      }
      if (empty) return;
      if (headers === null) {
        if (dialect.header) {
          headers = checkHeaders(
            Array.from({ length: count }, (_, k) => textAt(k).trim()),
            fileName,
          );
          builders = makeBuilders(headers.length);
          return;
        }
        headers = Array.from({ length: count }, (_, k) => `column_${k + 1}`);
        builders = makeBuilders(headers.length);
      }
      if (count !== headers.length) {
        const fields = (n: number) => (n === 1 ? '1 field' : `${n} fields`);
        throw new UserError(
          `${fileName}, row ${line}: expected ${fields(headers.length)} but found ${count}. Check the delimiters and quotes on that line.`,
        );
      }
      if (preview.length < PREVIEW_ROWS) preview.push(Array.from({ length: count }, (_, k) => textAt(k)));
      for (let k = 0; k < count; k += 1) {
        const builder = builders[k] as ColumnBuilder;
        const flag = flags[k] as number;
        const start = starts[k] as number;
        const end = ends[k] as number;
        if (flag === ESCAPED || !builder.addBytes(bytes, start, end, decimalComma))
          builder.addText(cellText(bytes, start, end, flag), line, decimalComma);
      }
      rows += 1;
      refreshFast();
    },
  };
  const scanner = new CsvScanner(dialect.delimiter, quote, sink, fileName);
  let bytesRead = 0;
  let rowsElsewhere = 0;
  /** Bytes read by the second thread, for progress. */
  let elsewhere = (): number => 0;
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
    catchUp();
    input.onProgress?.(progressAt(startedAt, bytesRead + elsewhere(), input.totalBytes, rows));
  };

  /**
   * Two threads over a file whose first chunk was all numbers: the main thread reads
   * [from, splitAt) as before while a worker reads [splitAt, end) with the fast path only,
   * straight into the same (shared) columns from a row no record of the first half can reach.
   * splitAt is just after a line break, but that break may be inside a quoted field: the main
   * thread's scan proves it, and only when its half ends exactly there, with every column still
   * numbers in the arrays the worker wrote, are the worker's rows taken. Otherwise the worker is
   * stopped and the main thread reads on from splitAt alone. Where the worker gave up (text, a
   * quote, a blank line), the main thread goes on with the general path.
   */
  async function readSplit(path: string, from: number, splitAt: number): Promise<void> {
    catchUp();
    builders.forEach((b) => b.share());
    refreshFast();
    const shared = builders.map((b) => b.numberArray);
    const progress = new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));
    catchUp();
    let thread: RangeThread | null = null;
    if (shared.every((a): a is Float64Array => a !== null)) {
      thread = startRangeThread(
        {
          path,
          mainFrom: from,
          mainRows: rows,
          start: splitAt,
          end: input.totalBytes,
          delimiter: dialect.delimiter,
          decimalComma,
          columns: shared,
          progress,
        },
        await workerEntry,
      );
    }
    let goOnFrom = splitAt;
    let keep = false;
    try {
      if (thread) elsewhere = () => progress[0] as number;
      for await (const chunk of readFileRange(path, from, splitAt)) step(chunk);
      catchUp();
      const intact = !scanner.midRecord && builders.every((b, k) => b.numberArray === shared[k]);
      const result = thread && intact ? await waitFor(thread.result) : null;
      if (result) {
        // Fewer records in the first half than line breaks: close the gap.
        if (result.row > rows && result.rows > 0)
          for (const column of shared) column?.copyWithin(rows, result.row, result.row + result.rows);
        rows += result.rows;
        rowsElsewhere = result.rows;
        for (const builder of builders) builder.length = rows;
        scanner.skipLines(result.rows);
        refreshFast();
        goOnFrom = result.stoppedAt;
        // Its range is done and it writes nothing more: keep it for the profiles.
        if (thread) kept.helper = { thread, columns: shared };
        keep = true;
      }
    } finally {
      elsewhere = () => 0;
      // Before the main thread writes past the first half: the worker must be gone.
      if (!keep) await thread?.stop();
    }
    bytesRead = goOnFrom - bomLength;
    for await (const chunk of readFileRange(path, goOnFrom, input.totalBytes)) step(chunk);
  }

  /**
   * Two threads over a file too large for memory (spill mode) whose rows so far were all numbers.
   * The rest of the file is cut into rounds, each a part the main thread reads as before (the
   * general path, its builders) followed by a segment the worker reads with the fast path only
   * into one of two sets of shared columns, from row 0: the worker reads the next round's
   * segment into the other set while the main thread writes this one out, so neither waits long.
   * Every cut is just after a line break; a round's segment is taken only when the main thread's
   * part ended exactly there (not inside a quoted field) with every column still numbers, and its
   * rows are written after the builders' rows, in file order. Where the worker gave up (text, a
   * quote, a blank line, a set full), the main thread reads on from there. Anything else (a
   * segment not taken, the thread failed) stops the worker, and the main thread reads the rest.
   */
  async function readSegments(path: string, from: number, spill: ColumnSpill): Promise<void> {
    catchUp();
    const end = input.totalBytes;
    const count = builders.length;
    // Two sets beside the builders' chunk of rows: a quarter of the memory budget each.
    const setRows = Math.max(64, Math.floor((input.memoryBytes ?? MEMORY_BYTES) / 4 / (count * 8)));
    const bytesPerRow = Math.max(1, (from - bomLength) / Math.max(1, rows));
    // A little under a set's rows, so that the fast path rarely stops because a set is full.
    const segmentBytes = Math.max(4096, Math.floor(setRows * bytesPerRow * 0.9));
    const sets = [0, 1].map(() =>
      Array.from({ length: count }, () => new Float64Array(new SharedArrayBuffer(setRows * 8))),
    );
    const progress = new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT));
    const thread = startSegmentThread(
      { path, delimiter: dialect.delimiter, decimalComma, sets, progress },
      await workerEntry,
    );
    let position = from;
    if (thread !== null) {
      segments.thread = thread;
      try {
        position = await readRounds(thread, path, from, end, segmentBytes, progress);
      } finally {
        elsewhere = () => 0;
      }
    }
    bytesRead = position - bomLength;
    for await (const chunk of readFileRange(path, position, end)) step(chunk);

    interface Round {
      /** The main thread reads up to here; the worker's segment starts here. */
      mainEnd: number;
      segment: { set: number; end: number; result: Promise<SegmentResult | null> } | null;
    }
    /** Rounds in file order, each planned once the one before it is (its segment already asked for). */
    async function readRounds(
      worker: SegmentThread,
      file: string,
      start: number,
      last: number,
      bytes: number,
      shared: Float64Array,
    ): Promise<number> {
      // The main thread's part of a round, against the worker's segment: it also writes every row.
      let mainBytes = Math.floor(bytes * SEGMENT_MAIN_SHARE);
      const plan = async (after: number, set: number, part = mainBytes): Promise<Round> => {
        const cut = after + part < last ? await lineStartAfter(file, after + part, last) : -1;
        if (cut === -1) return { mainEnd: last, segment: null };
        const segmentEnd = cut + bytes < last ? await lineStartAfter(file, cut + bytes, last) : -1;
        const stop = segmentEnd === -1 ? last : segmentEnd;
        return { mainEnd: cut, segment: { set, end: stop, result: worker.segment({ set, start: cut, end: stop }) } };
      };
      // Bytes the worker took in segments already written out.
      let taken = 0;
      elsewhere = () => Math.max(0, (shared[0] as number) - taken);
      let position = start;
      // The first part is longer: the worker starts meanwhile (a thread loading its modules).
      let round: Round | null = await plan(start, 0, Math.floor(bytes * SEGMENT_FIRST_SHARE));
      let next: Round | null = round.segment ? await plan(round.segment.end, 1) : null;
      while (round !== null) {
        const began = performance.now();
        const partBytes = round.mainEnd - position;
        for await (const chunk of readFileRange(file, position, round.mainEnd)) step(chunk);
        position = round.mainEnd;
        const segment = round.segment;
        if (segment === null) return position;
        catchUp();
        const usable = !scanner.midRecord && builders.every((b) => b.numberArray !== null);
        const readMs = performance.now() - began;
        const result = usable ? await waitFor(segment.result) : null;
        if (result === null) return position;
        const writing = performance.now();
        // The builders' rows first, then the segment's: file order.
        spill.append(builders);
        spill.appendNumbers(sets[segment.set] as Float64Array[], result.rows);
        rows += result.rows;
        base = rows;
        if (fast !== null) fast.row = 0;
        rowsElsewhere += result.rows;
        scanner.skipLines(result.rows);
        taken += result.stoppedAt - position;
        bytesRead += result.stoppedAt - position;
        position = result.stoppedAt;
        // Share the next rounds by the two threads' speeds: reading its part and writing a
        // round's rows should take the main thread about as long as the worker's segment.
        const writeMs = performance.now() - writing;
        if (readMs > 0 && result.stoppedAt === segment.end) {
          const fitted = (partBytes * (result.busyMs - writeMs)) / readMs;
          mainBytes = Math.round(Math.min(bytes * 2, Math.max(bytes / 8, (mainBytes + fitted) / 2)));
        }
        round = next;
        next = round?.segment ? await plan(round.segment.end, segment.set) : null;
      }
      return position;
    }
  }

  /** A worker's result, reporting the bytes read meanwhile (unless `quiet`); a cancel stops the wait. */
  async function waitFor<T>(pending: Promise<T | null>, quiet = false): Promise<T | null> {
    let settled = false;
    const result = pending.finally(() => {
      settled = true;
    });
    while (!settled) {
      signal?.throwIfAborted();
      await Promise.race([result, new Promise((resolve) => setTimeout(resolve, 50))]);
      if (!quiet) input.onProgress?.(progressAt(startedAt, bytesRead + elsewhere(), input.totalBytes, rows));
    }
    signal?.throwIfAborted();
    return result;
  }
  // The second thread, kept after its range for profiling half of the columns.
  const kept: { helper: { thread: RangeThread; columns: (Float64Array | null)[] } | null } = { helper: null };
  // The worker of an import too large for memory, kept after the file for profiling half of the columns.
  const segments: { thread: SegmentThread | null } = { thread: null };
  let flushed: Promise<void> | null = null;
  let lookedIdle: CpuLook | null = null;
  try {
    step(head);
    const { path } = input;
    let ended = done;
    if (!ended && path !== undefined && !utf16 && input.split === undefined && input.totalBytes >= SPLIT_MIN_BYTES) {
      // Read on for a moment while the CPU counters tell whether another core is free.
      const look = cpuLook();
      while (look.elapsed() < LOOK_MS && fast !== null) {
        const next = await source.next();
        if (next.done) {
          ended = true;
          break;
        }
        step(next.value);
      }
      lookedIdle = look;
    }
    if (!ended) {
      // File offset of the main thread's next byte (UTF-8 and windows-1252 bytes are the file's).
      const position = bomLength + bytesRead;
      const split =
        path !== undefined &&
        !utf16 &&
        fast !== null &&
        wantSplit(input.split, input.totalBytes - position, lookedIdle);
      const share = split && (await workerEntry)?.bundled === false ? MAIN_SHARE.tsx : MAIN_SHARE.bundled;
      const splitAt =
        split && spilling.to === null
          ? await lineStartAfter(path, position + Math.floor((input.totalBytes - position) * share), input.totalBytes)
          : -1;
      if (path !== undefined && split && spilling.to !== null) {
        await source.return?.(undefined);
        await rawSource.return?.(undefined);
        await readSegments(path, position, spilling.to);
      } else if (path !== undefined && splitAt > 0) {
        // The rest is read by ranges: close the stream from the start.
        await source.return?.(undefined);
        await rawSource.return?.(undefined);
        await readSplit(path, position, splitAt);
      } else {
        for (let next = await source.next(); !next.done; next = await source.next()) step(next.value);
      }
    }
    signal?.throwIfAborted();
    scanner.end();
    catchUp();

    if (headers === null) throw new UserError(`${fileName} is empty.`);
    if (rows === 0) throw new UserError(`${fileName} has a header row but no data rows.`);
    const names: string[] = headers;
    const store = spilling.to;
    if (store !== null) {
      // Every row to disk, then each column back alone for its profile: one column in memory at a time.
      store.append(builders);
      for (const builder of builders) builder.release();
      flushed = store.finish(builders);
      // Until the return, where it is awaited: a failure meanwhile must not go unhandled.
      flushed.catch(() => undefined);
      // A column of 10M rows takes a second or more: progress after each, and a turn of the
      // event loop between them so that a cancel that arrives meanwhile is seen. The worker
      // of a two-thread read profiles every other column of numbers from its file meanwhile.
      const profiled: (ColumnProfile | null)[] = names.map(() => null);
      let done = 0;
      const finished = () => {
        done += 1;
        input.onProgress?.({
          ...progressAt(startedAt, input.totalBytes, input.totalBytes, rows),
          profiled: { done, total: names.length },
        });
      };
      const worker = segments.thread;
      const theirs =
        worker !== null && input.store !== undefined
          ? names.flatMap((_, j) => (j % 2 === 1 && builders[j]?.numberArray !== null ? [j] : []))
          : [];
      const dir = input.store as string;
      const asked = theirs.map(async (index) => {
        const profile = await (worker as SegmentThread).profileFile({ dir, rows, index, name: names[index] as string });
        profiled[index] = profile;
        if (profile !== null) finished();
      });
      for (let j = 0; j < names.length; j += 1) {
        if (theirs.includes(j)) continue;
        await new Promise((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
        const builder = builders[j] as ColumnBuilder;
        profiled[j] = profileStoredColumn(names[j] as string, store.load(j, builder), builder.firstText);
        finished();
      }
      await waitFor(Promise.all(asked), true);
      // Those the worker could not profile (it failed), here.
      for (const j of theirs) {
        if (profiled[j] !== null) continue;
        const builder = builders[j] as ColumnBuilder;
        profiled[j] = profileStoredColumn(names[j] as string, store.load(j, builder), builder.firstText);
        finished();
      }
      await flushed;
      return {
        headers: names,
        columns: [],
        firstTexts: builders.map((b) => b.firstText),
        profiles: profiled as ColumnProfile[],
        rows,
        preview,
        dialect,
        rowsElsewhere,
        stored: true,
      };
    }
    const columns = builders.map((b) => b.finish());
    input.onColumns?.(columns);
    const firstTexts = builders.map((b) => b.firstText);
    const profiles: (ColumnProfile | null)[] = names.map(() => null);
    // Half of the columns of numbers still in the arrays the helper shares are profiled there.
    const { helper } = kept;
    const asked = helper
      ? names
          .flatMap((name, index) => (builders[index]?.numberArray === helper.columns[index] ? [{ index, name }] : []))
          .filter((_, k) => k % 2 === 1)
      : [];
    const pending = helper && asked.length > 0 ? helper.thread.profile({ rows, columns: asked }) : null;
    for (let j = 0; j < names.length; j += 1) {
      if (!asked.some((a) => a.index === j))
        profiles[j] = profileStoredColumn(names[j] as string, columns[j] as StoredColumn, firstTexts[j] ?? null);
    }
    const theirs = pending ? await pending : null;
    asked.forEach(({ index, name }, k) => {
      profiles[index] = theirs?.[k] ?? profileStoredColumn(name, columns[index] as StoredColumn, null);
    });
    return {
      headers: names,
      columns,
      firstTexts,
      profiles: profiles as ColumnProfile[],
      rows,
      preview,
      dialect,
      rowsElsewhere,
      stored: false,
    };
  } finally {
    await kept.helper?.thread.stop();
    await segments.thread?.stop();
    // No file of the dataset folder still open for its flush when the caller removes the folder.
    await flushed?.catch(() => undefined);
    // A cancel, a bad row or a change of encoding leaves the file's reader suspended: close it
    // now rather than when it is garbage collected.
    await source.return?.(undefined);
    await rawSource.return?.(undefined);
  }
}
