import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageDatasetMeta } from '../../../app/dataset/images';

export interface ClassThumbnails {
  name: string;
  count: number;
  /** data:image/webp;base64,… ready for an <img>; a missing file is left out, not fatal. */
  images: string[];
}

/** The thumbnail grid of a stored dataset, as data URLs (they cross IPC as text). */
export async function readThumbnails(datasetDir: string, meta: ImageDatasetMeta): Promise<ClassThumbnails[]> {
  return Promise.all(
    meta.classes.map(async (c) => {
      const images = await Promise.all(
        c.thumbnails.map((file) =>
          readFile(join(datasetDir, file)).then(
            (bytes) => `data:image/webp;base64,${bytes.toString('base64')}`,
            () => null,
          ),
        ),
      );
      return { name: c.name, count: c.count, images: images.filter((x): x is string => x !== null) };
    }),
  );
}
