import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { DatasetMeta } from '../../app/dataset/schema';
import { MAX_IMPORT_TEXT } from '../../app/ipc/contract';
import { UserError } from '../../app/ipc/errors';
import { fsyncDir, writeFileSynced } from './atomic-write';
import { encodeColumn, writeColumn } from './column-store';
import { parseCsv } from './csv-parse';
import { decodeText } from './decode-text';
import { ensureDir, errorCode, readError, writeError } from './fs-errors';
import { profileColumns } from './profile';
import { readJsonFile } from './read-json';
import { slugify } from './slug';

export { cellText, loadColumns, type StoredColumn } from './column-store';

/** Rows kept in meta.json for the preview table. */
export const PREVIEW_ROWS = 20;

const META_FILE = 'meta.json';

/** "Iris Data.csv" → "iris-data-k3x9q2": readable, and unique without a lookup. */
function newDatasetId(fileName: string): string {
  const stem = basename(fileName, extname(fileName));
  return `${slugify(stem, 40, 'data')}-${randomBytes(4).readUInt32LE(0).toString(36)}`;
}

export interface ImportCsvTextInput {
  text: string;
  /** Shown in messages and kept as meta.sourceFile; only its base name is used. */
  fileName: string;
  /** The project's datasets/ folder; created when missing. */
  datasetsDir: string;
}

/**
 * Parse, profile and store a CSV as <datasetsDir>/<id>/. Everything is written into
 * <datasetsDir>/.tmp-<id>/ and renamed into place only when complete, so a failed import
 * (a bad file, a full disk) leaves nothing behind and a reader never sees half a dataset.
 */
export async function importCsvText({ text, fileName, datasetsDir }: ImportCsvTextInput): Promise<DatasetMeta> {
  const sourceFile = basename(fileName);
  const { headers, rows, lines } = parseCsv(text, sourceFile);
  const id = newDatasetId(sourceFile);
  const meta = DatasetMeta.parse({
    id,
    name: basename(sourceFile, extname(sourceFile)) || sourceFile,
    sourceFile,
    rows: rows.length,
    columns: profileColumns(headers, rows, lines),
    preview: rows.slice(0, PREVIEW_ROWS),
    importedAt: new Date().toISOString(),
  });

  await ensureDir(datasetsDir);
  const temp = join(datasetsDir, `.tmp-${id}`);
  try {
    await mkdir(temp);
    for (let j = 0; j < headers.length; j += 1) await writeColumn(temp, j, encodeColumn(rows, j));
    await writeFileSynced(join(temp, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    await fsyncDir(temp);
    await rename(temp, join(datasetsDir, id));
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw writeError(datasetsDir, error);
  }
  await fsyncDir(datasetsDir);
  return meta;
}

/** importCsvText for a file on the main side's disk (a dialog or a CLI argument). */
export async function importCsvFile({ path, datasetsDir }: { path: string; datasetsDir: string }): Promise<DatasetMeta> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new UserError(`${path} is a folder, not a CSV file.`);
    // The same cap as a dropped file: parsing holds every cell in memory several times over.
    if (info.size > MAX_IMPORT_TEXT) {
      throw new UserError(`${path} is ${(info.size / 1024 / 1024).toFixed(0)} MiB; files up to ${MAX_IMPORT_TEXT / 1024 / 1024} MiB can be imported for now.`);
    }
    bytes = await readFile(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') throw new UserError(`Cannot import ${path}: no such file.`);
    throw readError(path, error);
  }
  return importCsvText({ text: decodeText(bytes), fileName: basename(path), datasetsDir });
}

/** meta.json of a stored dataset, validated: a damaged file is named, never half-trusted. */
export async function loadDatasetMeta(datasetDir: string): Promise<DatasetMeta> {
  const file = join(datasetDir, META_FILE);
  const read = await readJsonFile(file, DatasetMeta);
  if (read.ok) return read.value;
  if (read.missing) throw new UserError(`No dataset in ${datasetDir} (${META_FILE} is missing). Import the data again.`);
  throw new UserError(`${file} is damaged: ${read.reason}. Import the data again.`);
}
