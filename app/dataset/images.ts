import { z } from 'zod';
import { WorkCounts } from '../progress/work-progress';

/**
 * An image-folder dataset (the Keras image_dataset_from_directory convention: one subfolder per
 * class). The pixels live on disk in the project as uint8 shards (main/data/images); this is the
 * schema the renderer shows and the engine's batch reader trusts.
 *
 * On disk, <project>/datasets/<id>/ holds:
 *   meta.json      ImageDatasetMeta (kind "images")
 *   index.json     ImageIndex: label, original size and source path of every image, in shard order
 *   shard-NNNN.u8  images back to back, each height × width × channels bytes (row-major, HWC)
 *   thumbs/        a few small WebP thumbnails per class, named in meta.classes[].thumbnails
 */

/** Sides outside this range are either useless (a 2×2 image) or would not fit a batch in memory. */
export const MIN_IMAGE_SIDE = 4;
export const MAX_IMAGE_SIDE = 1024;

/** Decoding a bigger image takes gigabytes (a 100-megapixel RGBA image is 400 MB raw): refused by name. */
export const MAX_IMAGE_PIXELS = 100_000_000;

/** How the stored meta lists skipped files at most; skippedCount is the true total. */
export const MAX_LISTED_SKIPPED = 1000;

/** The largest class over the smallest above this ratio earns a warning. */
export const IMBALANCE_RATIO = 3;

/**
 * How an image reaches the chosen size: "pad" keeps the aspect ratio and fills the borders with
 * black (Keras pad_to_aspect_ratio), "crop" keeps the aspect ratio and cuts the centre (Keras
 * crop_to_aspect_ratio), "stretch" distorts it (Keras' default).
 */
export const ImageFit = z.enum(['pad', 'crop', 'stretch']);
export type ImageFit = z.infer<typeof ImageFit>;

export const ImageColor = z.enum(['grayscale', 'rgb']);
export type ImageColor = z.infer<typeof ImageColor>;

export function channelsOf(color: ImageColor): 1 | 3 {
  return color === 'grayscale' ? 1 : 3;
}

const side = (name: string) =>
  z
    .number()
    .int(`${name} must be a whole number of pixels`)
    .min(MIN_IMAGE_SIDE, `${name} must be at least ${MIN_IMAGE_SIDE} pixels`)
    .max(MAX_IMAGE_SIDE, `${name} must be at most ${MAX_IMAGE_SIDE} pixels`);

/** Where nothing could be learnt from the images themselves (probe-images.ts chooses otherwise). */
export const FALLBACK_IMAGE_SIDE = 64;

/** Size, colour and fit of a stored image dataset. Size and colour have no default here: left out, the import chooses them from the images. */
export const ImageImportOptions = z.object({
  width: side('width'),
  height: side('height'),
  color: ImageColor,
  fit: ImageFit.default('pad'),
});
export type ImageImportOptions = z.infer<typeof ImageImportOptions>;

export const SkippedImage = z.object({
  /** Relative to the imported folder or zip, with "/" separators: "cats/IMG_0012.jpg". */
  path: z.string(),
  /** In words: "not an image (the file starts like text)", "damaged: premature end of JPEG image". */
  reason: z.string(),
});
export type SkippedImage = z.infer<typeof SkippedImage>;

export const ImageClass = z.object({
  name: z.string().min(1),
  count: z.number().int().positive(),
  /** Thumbnail files relative to the dataset folder ("thumbs/0-1.webp"), first images first. */
  thumbnails: z.array(z.string().regex(/^thumbs\/[\w-]+\.webp$/, 'a thumbnail is a file thumbs/NAME.webp')),
});
export type ImageClass = z.infer<typeof ImageClass>;

export const ImageShard = z.object({
  file: z.string().regex(/^shard-\d{4,}\.u8$/, 'a shard file is named shard-NNNN.u8'),
  count: z.number().int().positive(),
});
export type ImageShard = z.infer<typeof ImageShard>;

export const ImageDatasetMeta = z.object({
  kind: z.literal('images'),
  version: z.literal(1),
  id: z.string(),
  name: z.string(),
  /** The folder or zip as the user chose it (base name only). */
  sourceFile: z.string(),
  width: side('width'),
  height: side('height'),
  color: ImageColor,
  channels: z.union([z.literal(1), z.literal(3)]),
  fit: ImageFit,
  /** How the size and colour were chosen when the user left them to Layerlab, in words. */
  chosen: z.string().optional(),
  /** Images stored, over all classes. */
  count: z.number().int().positive(),
  /** In label order: label k is classes[k]. Sorted by name, as Keras does. */
  classes: z.array(ImageClass).min(2),
  /** Class folders in which no image could be read: left out of the labels. */
  emptyClasses: z.array(z.string()),
  skipped: z.array(SkippedImage).max(MAX_LISTED_SKIPPED),
  skippedCount: z.number().int().nonnegative(),
  /** Things the user should know before training: class imbalance, empty classes, skipped files. */
  warnings: z.array(z.string()),
  /** Every shard holds imagesPerShard images except possibly the last. */
  imagesPerShard: z.number().int().positive(),
  shards: z.array(ImageShard).min(1),
  importedAt: z.string(),
});
export type ImageDatasetMeta = z.infer<typeof ImageDatasetMeta>;

/** Per-image facts, column-wise (50,000 objects would triple the file), in shard order. */
export const ImageIndex = z.object({
  labels: z.array(z.number().int().nonnegative()),
  /** Original width and height before resizing. */
  widths: z.array(z.number().int().positive()),
  heights: z.array(z.number().int().positive()),
  sources: z.array(z.string()),
});
export type ImageIndex = z.infer<typeof ImageIndex>;

export function imageBytes(meta: Pick<ImageDatasetMeta, 'width' | 'height' | 'channels'>): number {
  return meta.width * meta.height * meta.channels;
}

const strength = (max: number, what: string) =>
  z.number().min(0, `${what} cannot be negative`).max(max, `${what} is at most ${max}`).default(0);

/**
 * On-the-fly augmentation, each a strength where 0 turns it off (Keras' preprocessing layers):
 * flip: probability of a horizontal flip; rotation: the largest turn as a fraction of a full
 * circle (0.1 = ±36°); zoom: the largest zoom in or out (0.2 = 80% to 120%) with a random
 * offset, so it also crops; brightness: the largest shift on the 0..1 scale; contrast: the
 * largest change of the spread around each channel's mean (0.3 = ×0.7 to ×1.3).
 */
export const Augmentation = z.object({
  flip: strength(1, 'flip'),
  rotation: strength(0.5, 'rotation'),
  zoom: strength(0.9, 'zoom'),
  brightness: strength(1, 'brightness'),
  contrast: strength(1, 'contrast'),
});
export type Augmentation = z.infer<typeof Augmentation>;

export function isAugmenting(a: Augmentation): boolean {
  return a.flip > 0 || a.rotation > 0 || a.zoom > 0 || a.brightness > 0 || a.contrast > 0;
}

/**
 * Progress of building the image cache (decoding every file into the dataset's shards): files
 * decoded out of files found, with the rate and time left computed by the importer.
 */
export const ImageImportProgress = WorkCounts.extend({
  phase: z.enum(['scanning', 'decoding', 'finishing']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  unit: z.literal('files'),
  /** The file being decoded, relative to the source. */
  current: z.string().optional(),
});
export type ImageImportProgress = z.infer<typeof ImageImportProgress>;
