import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DatasetMeta } from '../../app/dataset/schema';
import { UserError } from '../../app/ipc/errors';
import { writeFileSynced } from './atomic-write';
import { littleEndianBytes, readFloat64, readInt32 } from './binary';
import { numberText } from './cell';
import { errorCode, readError } from './fs-errors';
import { forEachLimited } from './pool';

/**
 * A stored column: numbers as float64 (NaN = missing), anything else as int32 codes into a
 * dictionary of the distinct texts (-1 = missing). A column is stored as numbers exactly when
 * every present value is a number, whatever kind the profile gave it, so an ignored id column
 * or a mostly-empty one costs 8 bytes a row and never a dictionary of 1e5 strings.
 */
export type StoredColumn = Float64Array | { codes: Int32Array; dict: string[] };

export const numbersFile = (i: number) => `col-${i}.f64`;
export const codesFile = (i: number) => `col-${i}.i32`;
export const dictFile = (i: number) => `dict-${i}.json`;

/** Write one column's files into a dataset folder under construction (raw fs errors). */
export async function writeColumn(dir: string, i: number, column: StoredColumn): Promise<void> {
  if (column instanceof Float64Array) {
    await writeFileSynced(join(dir, numbersFile(i)), littleEndianBytes(column));
    return;
  }
  await writeFileSynced(join(dir, codesFile(i)), littleEndianBytes(column.codes));
  await writeFileSynced(join(dir, dictFile(i)), `${JSON.stringify(column.dict)}\n`);
}

const Dict = z.array(z.string());

function damaged(datasetDir: string, what: string): UserError {
  return new UserError(`The dataset in ${datasetDir} is damaged: ${what}. Import the data again.`);
}

async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw readError(path, error);
  }
}

/** Every column of a stored dataset, in meta.columns order. */
export async function loadColumns(datasetDir: string, meta: DatasetMeta): Promise<StoredColumn[]> {
  const loaded: StoredColumn[] = new Array<StoredColumn>(meta.columns.length);
  // A few at once, not all: each read holds a file open (see READS_AT_ONCE).
  await forEachLimited(meta.columns, READS_AT_ONCE, async (column, i) => {
    loaded[i] = await loadColumn(datasetDir, meta, column.name, i);
  });
  return loaded;
}

/** Column files read at once: a dataset of 2,000 columns read all at once ran out of file handles. */
const READS_AT_ONCE = 32;

/** One column of a stored dataset, whole (a time split orders every row by one column). */
export async function loadColumn(
  datasetDir: string,
  meta: DatasetMeta,
  name: string,
  i: number,
): Promise<StoredColumn> {
  const numbers = await readOptional(join(datasetDir, numbersFile(i)));
  if (numbers) {
    if (numbers.byteLength !== meta.rows * 8)
      throw damaged(datasetDir, `${numbersFile(i)} (column "${name}") has the wrong size`);
    return readFloat64(numbers);
  }
  const codeBytes = await readOptional(join(datasetDir, codesFile(i)));
  const dictText = await readOptional(join(datasetDir, dictFile(i)));
  if (!codeBytes || dictText === null) throw damaged(datasetDir, `the data of column "${name}" is missing`);
  if (codeBytes.byteLength !== meta.rows * 4)
    throw damaged(datasetDir, `${codesFile(i)} (column "${name}") has the wrong size`);
  let dict: string[];
  try {
    dict = Dict.parse(JSON.parse(dictText.toString('utf8')));
  } catch {
    throw damaged(datasetDir, `${dictFile(i)} (column "${name}") is not a list of texts`);
  }
  const codes = readInt32(codeBytes);
  for (const code of codes) {
    if (code < -1 || code >= dict.length)
      throw damaged(datasetDir, `${codesFile(i)} (column "${name}") refers past its dictionary`);
  }
  return { codes, dict };
}

/**
 * The text of one stored cell as the profile spells it (numbers canonically, like the
 * categories of a numeric column), or null when missing.
 */
export function cellText(column: StoredColumn, row: number): string | null {
  if (column instanceof Float64Array) {
    const value = column[row] ?? Number.NaN;
    return Number.isNaN(value) ? null : numberText(value);
  }
  const code = column.codes[row] ?? -1;
  return code < 0 ? null : (column.dict[code] ?? null);
}

/**
 * The cells of a few rows (example rows of an evaluation), read from the column files at their
 * offsets: a 10M-row dataset is 1.7 GB of columns, and an evaluation shows a few hundred rows.
 * Each row's cells in meta.columns order, spelled as cellText spells them.
 */
export async function loadRowCells(
  datasetDir: string,
  meta: DatasetMeta,
  rows: readonly number[],
): Promise<Map<number, (string | null)[]>> {
  const wanted = [...new Set(rows)].filter((r) => r >= 0 && r < meta.rows).sort((a, b) => a - b);
  const cells = new Map(wanted.map((r) => [r, new Array<string | null>(meta.columns.length).fill(null)]));
  await forEachLimited(meta.columns, READS_AT_ONCE, async (column, i) => {
    const numbers = join(datasetDir, numbersFile(i));
    let handle = await open(numbers, 'r').catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return null;
      throw readError(numbers, error);
    });
    let dict: string[] | null = null;
    if (handle === null) {
      const codes = join(datasetDir, codesFile(i));
      const dictText = await readOptional(join(datasetDir, dictFile(i)));
      const parsed = dictText === null ? null : Dict.safeParse(JSON.parse(dictText.toString('utf8')));
      if (!parsed?.success) throw damaged(datasetDir, `the data of column "${column.name}" is missing`);
      dict = parsed.data;
      handle = await open(codes, 'r').catch((error: unknown) => {
        throw errorCode(error) === 'ENOENT'
          ? damaged(datasetDir, `the data of column "${column.name}" is missing`)
          : readError(codes, error);
      });
    }
    try {
      const width = dict === null ? 8 : 4;
      const buffer = Buffer.alloc(width);
      for (const row of wanted) {
        const { bytesRead } = await handle.read(buffer, 0, width, row * width);
        if (bytesRead !== width) throw damaged(datasetDir, `column "${column.name}" is shorter than ${meta.rows} rows`);
        const text =
          dict === null
            ? cellText(new Float64Array([buffer.readDoubleLE(0)]), 0)
            : (dict[buffer.readInt32LE(0)] ?? null);
        cells.get(row)![i] = text;
      }
    } finally {
      await handle.close();
    }
  });
  return cells;
}
