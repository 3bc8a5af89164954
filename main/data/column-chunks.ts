import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DatasetMeta } from '../../app/dataset/schema';
import { UserError } from '../../app/ipc/errors';
import { readFloat64, readInt32 } from './binary';
import { codesFile, dictFile, numbersFile, type StoredColumn } from './column-store';
import { errorCode, readError } from './fs-errors';
import { forEachLimited } from './pool';

/** Rows of each column read at a time by default: 512 KiB of a numeric column. */
export const CHUNK_ROWS = 1 << 16;
/** Column files open at once (a table of 2,000 columns must not run out of file handles). */
const READS_AT_ONCE = 32;

/** Rows [start, end) of the columns asked for; a text column's chunk shares the column's one dictionary. */
export interface ColumnChunk {
  start: number;
  end: number;
  /** By column index (meta.columns order): numbers, or codes into the column's dictionary, of rows start..end-1. */
  columns: Map<number, StoredColumn>;
}

const Dict = z.array(z.string());

function damaged(datasetDir: string, what: string): UserError {
  return new UserError(`The dataset in ${datasetDir} is damaged: ${what}. Import the data again.`);
}

interface ColumnSource {
  index: number;
  file: string;
  /** null: float64 numbers; else the column's dictionary and int32 codes. */
  dict: string[] | null;
}

async function sourceOf(datasetDir: string, meta: DatasetMeta, index: number): Promise<ColumnSource> {
  const name = meta.columns[index]?.name ?? `#${index + 1}`;
  const numbers = join(datasetDir, numbersFile(index));
  const size = async (file: string) => {
    const handle = await open(file, 'r');
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  };
  const numbersSize = await size(numbers).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return null;
    throw readError(numbers, error);
  });
  if (numbersSize !== null) {
    if (numbersSize !== meta.rows * 8)
      throw damaged(datasetDir, `${numbersFile(index)} (column "${name}") has the wrong size`);
    return { index, file: numbers, dict: null };
  }
  const codes = join(datasetDir, codesFile(index));
  const codesSize = await size(codes).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return null;
    throw readError(codes, error);
  });
  let dictText: string | null;
  try {
    dictText = await readFile(join(datasetDir, dictFile(index)), 'utf8');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw readError(join(datasetDir, dictFile(index)), error);
    dictText = null;
  }
  if (codesSize === null || dictText === null) throw damaged(datasetDir, `the data of column "${name}" is missing`);
  if (codesSize !== meta.rows * 4)
    throw damaged(datasetDir, `${codesFile(index)} (column "${name}") has the wrong size`);
  let dict: string[];
  try {
    dict = Dict.parse(JSON.parse(dictText));
  } catch {
    throw damaged(datasetDir, `${dictFile(index)} (column "${name}") is not a list of texts`);
  }
  return { index, file: codes, dict };
}

async function readRows(datasetDir: string, meta: DatasetMeta, source: ColumnSource, start: number, end: number) {
  const width = source.dict === null ? 8 : 4;
  const bytes = Buffer.allocUnsafe((end - start) * width);
  const handle = await open(source.file, 'r').catch((error: unknown) => {
    throw readError(source.file, error);
  });
  try {
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start * width + done);
      if (bytesRead === 0)
        throw damaged(datasetDir, `column "${meta.columns[source.index]?.name}" is shorter than ${meta.rows} rows`);
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
  if (source.dict === null) return readFloat64(bytes);
  const codes = readInt32(bytes);
  const size = source.dict.length;
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code < -1 || code >= size)
      throw damaged(
        datasetDir,
        `${codesFile(source.index)} (column "${meta.columns[source.index]?.name}") refers past its dictionary at row ${start + i + 1}`,
      );
  }
  return { codes, dict: source.dict };
}

/**
 * The columns `indices` of a stored dataset, `chunkRows` rows at a time in row order: what
 * preparing a table reads instead of loading whole columns, so its memory is a chunk of rows
 * (plus each text column's dictionary), whatever the row count.
 */
export async function* columnChunks(
  datasetDir: string,
  meta: DatasetMeta,
  indices: readonly number[],
  chunkRows: number = CHUNK_ROWS,
): AsyncGenerator<ColumnChunk> {
  const wanted = [...new Set(indices)];
  const sources: ColumnSource[] = new Array<ColumnSource>(wanted.length);
  await forEachLimited(wanted, READS_AT_ONCE, async (index, k) => {
    sources[k] = await sourceOf(datasetDir, meta, index);
  });
  const step = Math.max(1, Math.floor(chunkRows));
  for (let start = 0; start < meta.rows; start += step) {
    const end = Math.min(meta.rows, start + step);
    const columns = new Map<number, StoredColumn>();
    await forEachLimited(sources, READS_AT_ONCE, async (source) => {
      columns.set(source.index, await readRows(datasetDir, meta, source, start, end));
    });
    yield { start, end, columns };
  }
}
