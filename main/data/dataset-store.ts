import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { mkdir, open as openFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { CsvDialect, CsvOptions } from '../../app/dataset/csv-options';
import { DatasetMeta, type ColumnProfile } from '../../app/dataset/schema';
import { UserError } from '../../app/ipc/errors';
import { fsyncDir, writeFileSynced } from './atomic-write';
import { writeColumn, type StoredColumn } from './column-store';
import { readCsv, type ImportProgress, type ReadCsvInput } from './csv-reader';
import { ensureDir, errorCode, readError, writeError } from './fs-errors';
import { forEachLimited } from './pool';
import { readJsonFile } from './read-json';
import { slugify } from './slug';

export { cellText, loadColumns, loadRowCells, type StoredColumn } from './column-store';

export { PREVIEW_ROWS, type ImportProgress } from './csv-reader';

const META_FILE = 'meta.json';
/**
 * Column files written at once. 21 columns (the bench) still all go at once; libuv runs 4 file
 * operations at a time anyway, so more would only hold more files open.
 */
const WRITES_AT_ONCE = 32;

/** "Iris Data.csv" → "iris-data-k3x9q2": readable, and unique without a lookup. */
function newDatasetId(fileName: string): string {
  const stem = basename(fileName, extname(fileName));
  return `${slugify(stem, 40, 'data')}-${randomBytes(4).readUInt32LE(0).toString(36)}`;
}

export interface ImportOptions {
  /** The user's overrides of the detected dialect. */
  options?: CsvOptions;
  onProgress?: (progress: ImportProgress) => void;
  /** Aborting stops the import; nothing is left in datasetsDir. */
  signal?: AbortSignal;
  /** Column bytes held in memory at most; a larger file's columns go to disk as they are read (csv-reader.ts). */
  memoryBytes?: number;
  /** A second reading thread: forced on or off (benches, tests); by default while a core is idle (csv-reader.ts). */
  split?: boolean;
}

export interface ImportCsvTextInput extends ImportOptions {
  text: string;
  /** Shown in messages and kept as meta.sourceFile; only its base name is used. */
  fileName: string;
  /** The project's datasets/ folder; created when missing. */
  datasetsDir: string;
}

const cancelled = (sourceFile: string) => new UserError(`The import of ${sourceFile} was cancelled.`);

/**
 * Read, profile and store a CSV as <datasetsDir>/<id>/. Everything is written into
 * <datasetsDir>/.tmp-<id>/ and renamed into place only when complete, so a failed or cancelled
 * import (a bad file, a full disk, the user's Cancel) leaves nothing behind and a reader never
 * sees half a dataset.
 */
async function importCsv(read: ReadCsvInput, datasetsDir: string): Promise<DatasetMeta> {
  const sourceFile = read.fileName;
  const id = newDatasetId(sourceFile);
  const temp = join(datasetsDir, `.tmp-${id}`);
  // The columns are written while they are profiled (readCsv's onColumns): the writes and their
  // fsyncs run in libuv's threads, beside the profile on this one. Many at once, so that their
  // writes and fsyncs overlap (one after another took 2-6× as long for a million rows × 21
  // columns), but at most WRITES_AT_ONCE: each holds a file open, and a CSV of 785 columns
  // written all at once ran out of file handles where the limit is 256 (macOS). The folder is
  // removed on failure only once no write can still add a file to it: `writes` settles after
  // every write started has.
  let writes = null as Promise<void> | null;
  const writeColumns = async (columns: readonly StoredColumn[]) => {
    await forEachLimited(columns, WRITES_AT_ONCE, (column, j) => writeColumn(temp, j, column));
  };
  const onColumns = (columns: readonly StoredColumn[]) => {
    // A rejection is read below, after the profile; none may go unhandled meanwhile.
    const written = writeColumns(columns);
    written.catch(() => undefined);
    writes = written;
  };
  let made = false;
  try {
    // Made first: a file too large for memory has its columns written there while it is read.
    await ensureDir(datasetsDir);
    try {
      await mkdir(temp);
      made = true;
    } catch (error) {
      throw writeError(datasetsDir, error);
    }
    let parsed: Awaited<ReturnType<typeof readCsv>>;
    try {
      parsed = await readCsv({ ...read, onColumns, store: temp });
    } catch (error) {
      if (read.signal?.aborted) throw cancelled(sourceFile);
      // A code without a UserError: writing columns to the dataset folder failed (a full disk).
      if (!(error instanceof UserError) && errorCode(error) !== undefined) throw writeError(datasetsDir, error);
      throw error;
    }
    const { columns, profiles, rows, preview, dialect } = parsed;
    const meta = DatasetMeta.parse({
      id,
      name: basename(sourceFile, extname(sourceFile)) || sourceFile,
      sourceFile,
      rows,
      columns: profiles,
      preview,
      importedAt: new Date().toISOString(),
      csv: dialect,
    });
    try {
      read.signal?.throwIfAborted();
      if (!parsed.stored) await (writes ?? writeColumns(columns));
      await writeFileSynced(join(temp, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
      await fsyncDir(temp);
      read.signal?.throwIfAborted();
      await rename(temp, join(datasetsDir, id));
    } catch (error) {
      if (read.signal?.aborted) throw cancelled(sourceFile);
      throw writeError(datasetsDir, error);
    }
    await fsyncDir(datasetsDir);
    return meta;
  } catch (error) {
    // Whatever failed (the file, the profile, a write, a cancel): once no write is still
    // running, nothing of this import is left in datasetsDir.
    await writes?.catch(() => undefined);
    if (made) await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/** A CSV given as text (a dropped file's contents). */
export async function importCsvText({
  text,
  fileName,
  datasetsDir,
  ...rest
}: ImportCsvTextInput): Promise<DatasetMeta> {
  // A string is UTF-16 already: the encoding is settled, only a BOM may remain.
  const bytes = Buffer.from(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, 'utf8');
  // In chunks, with a turn of the event loop between them, so that progress is reported and a
  // cancel request that arrives over IPC meanwhile is seen.
  const chunks = async function* () {
    for (let i = 0; i < bytes.length; i += CHUNK_BYTES) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      yield bytes.subarray(i, i + CHUNK_BYTES);
    }
  };
  const options: CsvOptions = { ...rest.options, encoding: 'utf-8' };
  return importCsv(
    { open: chunks, totalBytes: bytes.length, fileName: basename(fileName), ...rest, options },
    datasetsDir,
  );
}

/** Bytes per read: big enough that per-chunk work is noise, small enough to show progress. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** What a path that is not a regular file is, in words. */
function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isDirectory()) return 'a folder';
  return 'a special file';
}

/**
 * Only regular files are imported: reading a named pipe, a socket or a device may wait forever
 * (for a writer, or for ever more bytes) in one of libuv's four threads, and a few such
 * imports stopped every later request that needs one.
 */
function notRegular(path: string, info: Stats): UserError {
  return new UserError(`Cannot import ${path}: it is ${kindOf(info)}, not a regular file. Choose a CSV file.`);
}

/** A file's size and a reader of its bytes in chunks, for readCsv. */
async function fileSource(path: string): Promise<Pick<ReadCsvInput, 'open' | 'totalBytes' | 'fileName' | 'path'>> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new UserError(`${path} is a folder, not a CSV file.`);
    if (!info.isFile()) throw notRegular(path, info);
    size = info.size;
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (errorCode(error) === 'ENOENT') throw new UserError(`Cannot import ${path}: no such file.`);
    throw readError(path, error);
  }
  // Plain reads (a Readable concatenates queued chunks, a copy per chunk), all into one buffer,
  // which readCsv allows: fresh memory is slow to touch (on this project's VMs, 160 MB of fresh
  // chunks cost a second; the same reads into one buffer, a tenth of that).
  const open = async function* (): AsyncGenerator<Buffer> {
    let handle: FileHandle | null = null;
    try {
      // Non-blocking, and checked again once open: a path swapped for a named pipe since the
      // stat above would otherwise hold one of libuv's threads in open() until a writer comes.
      handle = await openFile(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      const opened = await handle.stat();
      if (!opened.isFile()) throw notRegular(path, opened);
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
        if (bytesRead === 0) break;
        yield buffer.subarray(0, bytesRead);
      }
    } catch (error) {
      throw readError(path, error);
    } finally {
      await handle?.close();
    }
  };
  return { open, totalBytes: size, fileName: basename(path), path };
}

/**
 * A CSV file on the main side's disk (a dialog, a dropped path or a CLI argument), streamed in
 * chunks: the file is never held whole in memory, only its typed columns.
 */
export async function importCsvFile({
  path,
  datasetsDir,
  ...rest
}: { path: string; datasetsDir: string } & ImportOptions): Promise<DatasetMeta> {
  return importCsv({ ...(await fileSource(path)), ...rest }, datasetsDir);
}

export interface CsvInspection {
  file: string;
  rows: number;
  dialect: CsvDialect;
  columns: ColumnProfile[];
}

/** Read and profile a whole CSV file without storing it (`layerlab inspect`). */
export async function inspectCsvFile({ path, ...rest }: { path: string } & ImportOptions): Promise<CsvInspection> {
  const source = await fileSource(path);
  const { profiles, rows, dialect } = await readCsv({ ...source, ...rest });
  return { file: source.fileName, rows, dialect, columns: profiles };
}

/** meta.json of a stored dataset, validated: a damaged file is named, never half-trusted. */
export async function loadDatasetMeta(datasetDir: string): Promise<DatasetMeta> {
  const file = join(datasetDir, META_FILE);
  const read = await readJsonFile(file, DatasetMeta);
  if (read.ok) return read.value;
  if (read.missing)
    throw new UserError(`No dataset in ${datasetDir} (${META_FILE} is missing). Import the data again.`);
  throw new UserError(`${file} is damaged: ${read.reason}. Import the data again.`);
}
