import type { Sharp } from 'sharp';
import { loadSharp } from './load-sharp';
import { channelsOf, MAX_IMAGE_PIXELS, type ImageImportOptions } from '../../../app/dataset/images';
import { BmpError, decodeBmp } from './bmp';
import { decodePlainPng } from './png-fast-path';
import { notAnImageReason, sniffImage } from './sniff';

/** The longer side of a thumbnail, in pixels: enough for a grid cell on a high-DPI screen. */
export const THUMBNAIL_SIDE = 96;

export type DecodedImage =
  | {
      ok: true;
      /** height × width × channels bytes at the chosen size. */
      pixels: Uint8Array;
      /** The original size, before resizing. */
      sourceWidth: number;
      sourceHeight: number;
      /** A small WebP of the same crop, pad and colour, when asked for. */
      thumbnail?: Uint8Array;
    }
  | { ok: false; reason: string };

const BLACK = { r: 0, g: 0, b: 0, alpha: 1 };

/** sharp's messages without the library prefix: "vipspng: libpng read error" → "libpng read error". */
function decodeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message)) return 'damaged: the file looks like an image but cannot be decoded';
  if (/pixel limit/i.test(message)) return `the image is larger than ${MAX_IMAGE_PIXELS / 1e6} megapixels`;
  // libvips sometimes ends a message with a bare colon ("Input buffer has corrupt header:").
  return `damaged: ${message.replace(/^\w+:\s*/, '').replace(/[:\s]+$/, '') || 'cannot be decoded'}`;
}

function resizeTo(pipeline: Sharp, width: number, height: number, fit: ImageImportOptions['fit']): Sharp {
  const sharpFit = fit === 'pad' ? 'contain' : fit === 'crop' ? 'cover' : 'fill';
  return pipeline.resize(width, height, { fit: sharpFit, position: 'centre', background: BLACK });
}

/** A WebP of at most THUMBNAIL_SIDE pixels a side, with the stored image's crop, pad and colour. */
async function thumbnailOf(source: Sharp, options: ImageImportOptions): Promise<Uint8Array> {
  const scale = THUMBNAIL_SIDE / Math.max(options.width, options.height);
  const tw = Math.max(1, Math.round(options.width * scale));
  const th = Math.max(1, Math.round(options.height * scale));
  return resizeTo(source, tw, th, options.fit).webp({ quality: 75 }).toBuffer();
}

/**
 * Decode one file's bytes into stored pixels. Never throws for bad input: a damaged, too large
 * or unsupported file comes back as a reason, so one bad file cannot stop an import.
 */
export async function decodeImage(
  bytes: Uint8Array,
  extension: string,
  options: ImageImportOptions,
  withThumbnail = false,
): Promise<DecodedImage> {
  const format = sniffImage(bytes);
  if (!format) return { ok: false, reason: notAnImageReason(bytes, extension) };
  if (format === 'png') {
    const channels = channelsOf(options.color) === 1 ? 1 : 3;
    const pixels = decodePlainPng(bytes, options.width, options.height, channels);
    if (pixels) {
      const decoded = { ok: true as const, pixels, sourceWidth: options.width, sourceHeight: options.height };
      if (!withThumbnail) return decoded;
      // The source is the stored pixels (same size, no orientation, alpha or profile): the
      // thumbnail is made from them, skipping a second decode and the header read.
      try {
        const sharp = await loadSharp();
        const raw = sharp(pixels, { raw: { width: options.width, height: options.height, channels } });
        return { ...decoded, thumbnail: await thumbnailOf(raw, options) };
      } catch (error) {
        return { ok: false, reason: decodeFailure(error) };
      }
    }
  }
  try {
    const sharp = await loadSharp();
    let input: Sharp;
    let sourceWidth: number;
    let sourceHeight: number;
    if (format === 'bmp') {
      const bmp = decodeBmp(bytes);
      sourceWidth = bmp.width;
      sourceHeight = bmp.height;
      input = sharp(bmp.rgb, { raw: { width: bmp.width, height: bmp.height, channels: 3 } });
    } else {
      // The header alone tells the size, so an oversized image is refused before it is decoded.
      // GIF and TIFF: the first frame or page only (sharp's default).
      const info = await sharp(bytes, { limitInputPixels: false }).metadata();
      sourceWidth = info.autoOrient.width;
      sourceHeight = info.autoOrient.height;
      if (sourceWidth * sourceHeight > MAX_IMAGE_PIXELS) {
        return {
          ok: false,
          reason: `the image is ${sourceWidth}×${sourceHeight} (${Math.round((sourceWidth * sourceHeight) / 1e6)} megapixels); at most ${MAX_IMAGE_PIXELS / 1e6} megapixels are read, so shrink it first`,
        };
      }
      input = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS });
    }
    // Camera photos are stored sideways with an EXIF orientation: turn them upright first.
    // Transparent pixels become black, like the padding.
    let base = input.rotate().flatten({ background: BLACK });
    base = options.color === 'grayscale' ? base.toColourspace('b-w') : base.toColourspace('srgb');
    const channels = channelsOf(options.color);

    const { data, info } = await resizeTo(base.clone(), options.width, options.height, options.fit)
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (
      info.width !== options.width ||
      info.height !== options.height ||
      info.channels !== channels ||
      data.length !== options.width * options.height * channels
    ) {
      return {
        ok: false,
        reason: `decoded to ${info.width}×${info.height}×${info.channels} instead of ${options.width}×${options.height}×${channels}`,
      };
    }
    const thumbnail = withThumbnail ? await thumbnailOf(base.clone(), options) : undefined;
    return { ok: true, pixels: data, sourceWidth, sourceHeight, ...(thumbnail ? { thumbnail } : {}) };
  } catch (error) {
    if (error instanceof BmpError) return { ok: false, reason: error.message };
    return { ok: false, reason: decodeFailure(error) };
  }
}
