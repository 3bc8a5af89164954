import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSharp } from './load-sharp';
import { imageBytes } from '../../../app/dataset/images';
import { UserError } from '../../../app/ipc/errors';
import { readError } from '../fs-errors';
import { locateImage, type StoredImageDataset } from './image-store';

/** The longest side of an image shown in a grid cell: larger stored sizes are shrunk. */
export const STORED_THUMBNAIL_SIDE = 96;

export interface StoredImage {
  index: number;
  /** data:image/png;base64,… of the stored pixels (what the model sees, before augmentation). */
  src: string;
  /** Its source file, relative to the imported folder or zip. */
  source: string;
}

/**
 * Images by dataset index, read back from the uint8 shard cache and encoded as small PNGs: the
 * confusion matrix and the galleries show what the model was given, without decoding the
 * source files again (they may be gone; the project keeps only the cache).
 */
export async function readStoredImages(
  dataset: StoredImageDataset,
  indices: readonly number[],
): Promise<StoredImage[]> {
  const { dir, meta, index } = dataset;
  const size = imageBytes(meta);
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= meta.count)
      throw new UserError(
        `Image ${i} is not in the dataset ${meta.name} (it holds ${meta.count} images, 0 to ${meta.count - 1}).`,
      );
  }
  const byShard = new Map<string, number[]>();
  for (const i of indices) {
    const { file } = locateImage(meta, i);
    byShard.set(file, [...(byShard.get(file) ?? []), i]);
  }
  const pixels = new Map<number, Buffer>();
  for (const [file, members] of byShard) {
    const path = join(dir, file);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw readError(path, error);
    }
    try {
      for (const i of members) {
        const buffer = Buffer.alloc(size);
        const { bytesRead } = await handle.read(buffer, 0, size, locateImage(meta, i).offset);
        if (bytesRead !== size)
          throw new UserError(
            `The image dataset in ${dir} is damaged: ${file} ends before image ${i}. Import the images again.`,
          );
        pixels.set(i, buffer);
      }
    } finally {
      await handle.close();
    }
  }
  const sharp = await loadSharp();
  const scale = Math.min(1, STORED_THUMBNAIL_SIDE / Math.max(meta.width, meta.height));
  return Promise.all(
    indices.map(async (i) => {
      let image = sharp(pixels.get(i) as Buffer, {
        raw: { width: meta.width, height: meta.height, channels: meta.channels },
      });
      if (scale < 1)
        image = image.resize(Math.max(1, Math.round(meta.width * scale)), Math.max(1, Math.round(meta.height * scale)));
      // Without this a one-channel image would be written as RGB.
      if (meta.channels === 1) image = image.toColourspace('b-w');
      const png = await image.png().toBuffer();
      return { index: i, src: `data:image/png;base64,${png.toString('base64')}`, source: index.sources[i] ?? '' };
    }),
  );
}
