import { join } from 'node:path';
import { z } from 'zod';
import { SplitMethod } from '../../app/dataset/schema';
import { writeFileAtomic } from './atomic-write';
import { readJsonFile } from './read-json';
import { rowListsJson } from './row-lists-json';
import type { SplitRows } from './splits';

/**
 * datasets/<id>/split.json: which dataset rows (0-based) are training, validation and test rows,
 * with the settings that made them. Every run with the same settings reads the same rows from it,
 * and a person or a script can see exactly which rows were held out.
 */
export const SPLIT_FILE = 'split.json';

export const SplitKey = z.object({
  method: SplitMethod,
  validationShare: z.number(),
  testShare: z.number(),
  seed: z.number(),
  /** time: the ordering column. */
  column: z.string().nullable(),
  /** Rows without a target are in no split; stratified splits follow its classes. */
  target: z.string(),
  /** The dataset's row count: a new import under the same id never reuses an old split. */
  rows: z.number().int().nonnegative(),
  importedAt: z.string(),
});
export type SplitKey = z.infer<typeof SplitKey>;

const Rows = z.array(z.number().int().nonnegative());
const SplitFile = z.object({
  format: z.literal('layerlab-split'),
  version: z.literal(1),
  key: SplitKey,
  train: Rows,
  validation: Rows,
  test: Rows,
});

const sameKey = (a: SplitKey, b: SplitKey) => (Object.keys(a) as (keyof SplitKey)[]).every((k) => a[k] === b[k]);

/**
 * The split for `key`: read from split.json when it was made with the same settings, else
 * computed and written atomically (replacing a split made with other settings).
 */
export async function storedSplit(datasetDir: string, key: SplitKey, compute: () => SplitRows): Promise<SplitRows> {
  const file = join(datasetDir, SPLIT_FILE);
  const stored = await readJsonFile(file, SplitFile);
  if (stored.ok && sameKey(stored.value.key, key)) {
    const { train, validation, test } = stored.value;
    if ([train, validation, test].every((rows) => rows.every((r) => r < key.rows)))
      return { train: Int32Array.from(train), validation: Int32Array.from(validation), test: Int32Array.from(test) };
  }
  const split = compute();
  // In pieces, compact: 10M rows indented were 260 MB of string and bytes at once (issue 19).
  await writeFileAtomic(file, rowListsJson({ format: 'layerlab-split', version: 1, key }, { ...split }));
  return split;
}
