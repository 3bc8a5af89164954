import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { imageBytes, ImageDatasetMeta, ImageIndex } from '../../../app/dataset/images';
import { UserError } from '../../../app/ipc/errors';
import { readJsonFile } from '../read-json';

export const IMAGE_META_FILE = 'meta.json';
export const IMAGE_INDEX_FILE = 'index.json';
export const THUMBS_DIR = 'thumbs';

export interface StoredImageDataset {
  dir: string;
  meta: ImageDatasetMeta;
  index: ImageIndex;
}

function damaged(dir: string, what: string): UserError {
  return new UserError(`The image dataset in ${dir} is damaged: ${what}. Import the images again.`);
}

/**
 * Whether datasets/<id>/ holds an image dataset (meta.json says kind "images") rather than a
 * table; a missing or unreadable meta.json is left for the table loader to report.
 */
export async function isImageDatasetDir(dir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(join(dir, IMAGE_META_FILE), 'utf8')) as unknown;
    return typeof json === 'object' && json !== null && (json as { kind?: unknown }).kind === 'images';
  } catch {
    return false;
  }
}

/** meta.json of a stored image dataset, validated. */
export async function loadImageMeta(dir: string): Promise<ImageDatasetMeta> {
  const file = join(dir, IMAGE_META_FILE);
  const read = await readJsonFile(file, ImageDatasetMeta);
  if (read.ok) return read.value;
  if (read.missing)
    throw new UserError(`No dataset in ${dir} (${IMAGE_META_FILE} is missing). Import the images again.`);
  throw new UserError(`${file} is damaged: ${read.reason}. Import the images again.`);
}

/**
 * Meta, index and shard sizes checked against each other, so the batch reader can trust every
 * offset it computes: a truncated shard or a label past the classes is named here, not met as
 * garbage pixels in the middle of training.
 */
export async function loadImageDataset(dir: string): Promise<StoredImageDataset> {
  const meta = await loadImageMeta(dir);
  const read = await readJsonFile(join(dir, IMAGE_INDEX_FILE), ImageIndex);
  if (!read.ok) throw damaged(dir, `${IMAGE_INDEX_FILE}: ${read.reason}`);
  const index = read.value;
  const n = meta.count;
  if (
    index.labels.length !== n ||
    index.widths.length !== n ||
    index.heights.length !== n ||
    index.sources.length !== n
  ) {
    throw damaged(dir, `${IMAGE_INDEX_FILE} lists a different number of images than ${IMAGE_META_FILE} (${n})`);
  }
  const counts = new Array<number>(meta.classes.length).fill(0);
  index.labels.forEach((label, i) => {
    if (label >= meta.classes.length)
      throw damaged(
        dir,
        `image ${i + 1} (${index.sources[i] ?? '?'}) has label ${label}, past the ${meta.classes.length} classes`,
      );
    counts[label] = (counts[label] ?? 0) + 1;
  });
  meta.classes.forEach((c, k) => {
    if (counts[k] !== c.count)
      throw damaged(dir, `class "${c.name}" should have ${c.count} images, the index has ${counts[k] ?? 0}`);
  });
  const bytes = imageBytes(meta);
  let total = 0;
  for (const [i, shard] of meta.shards.entries()) {
    const last = i === meta.shards.length - 1;
    if (shard.count > meta.imagesPerShard || (!last && shard.count !== meta.imagesPerShard))
      throw damaged(dir, `${shard.file} holds ${shard.count} images, not ${meta.imagesPerShard}`);
    total += shard.count;
    const size = await stat(join(dir, shard.file)).then(
      (s) => s.size,
      () => null,
    );
    if (size === null) throw damaged(dir, `${shard.file} is missing`);
    if (size !== shard.count * bytes)
      throw damaged(dir, `${shard.file} is ${size} bytes, expected ${shard.count * bytes}`);
  }
  if (total !== n) throw damaged(dir, `the shards hold ${total} images, not ${n}`);
  return { dir, meta, index };
}

/** Where image i lives: its shard file and byte offset. */
export function locateImage(meta: ImageDatasetMeta, i: number): { file: string; shard: number; offset: number } {
  const shard = Math.floor(i / meta.imagesPerShard);
  const file = meta.shards[shard]?.file;
  if (file === undefined || i < 0 || i >= meta.count)
    throw new RangeError(`image ${i} is not in a dataset of ${meta.count}`);
  return { file, shard, offset: (i % meta.imagesPerShard) * imageBytes(meta) };
}
