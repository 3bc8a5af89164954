import { loadSharp } from './load-sharp';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MIN_IMAGE_SIDE, type ImageColor } from '../../../app/dataset/images';
import { decodeBmp } from './bmp';
import type { ImageSource, SourceFile } from './image-source';
import { probePng } from './png-fast-path';
import { sniffImage } from './sniff';

/** Images looked at to choose the size and colour: spread over the whole list, so every class is seen. */
export const PROBE_SAMPLE = 256;
/**
 * The longest side an image dataset is stored at unless the user asks for more. A CNN trained
 * from scratch on a CPU gains little from more pixels on a few thousand images, and the cost of
 * every epoch grows with their square (the old fixed default, 64, is kept as the cap).
 */
export const AUTO_SIDE_CAP = 64;
/** A channel differing from the others by at most this (of 255) still counts as gray (JPEG noise). */
const GRAY_TOLERANCE = 3;
/** The side grayness is checked at: enough pixels to see colour, cheap to decode. */
const GRAY_CHECK_SIDE = 24;

export interface ImageChoice {
  width: number;
  height: number;
  color: ImageColor;
  /** In words, for the import line and the dataset: why this size and colour. */
  reason: string;
}

interface Seen {
  width: number;
  height: number;
  gray: boolean;
}

/** Every k-th file so the sample covers all classes (the list is class by class). */
export function spreadSample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const out: T[] = [];
  for (let i = 0; i < count; i += 1) out.push(items[Math.floor((i * items.length) / count)] as T);
  return out;
}

async function look(bytes: Uint8Array): Promise<Seen | null> {
  const format = sniffImage(bytes);
  if (!format) return null;
  try {
    if (format === 'bmp') {
      const bmp = decodeBmp(bytes);
      return { width: bmp.width, height: bmp.height, gray: rgbIsGray(bmp.rgb, 3) };
    }
    if (format === 'png') {
      const seen = probePng(bytes, (rgb) => rgbIsGray(rgb, 3));
      if (seen) return seen.width * seen.height > MAX_IMAGE_PIXELS ? null : seen;
    }
    const sharp = await loadSharp();
    const info = await sharp(bytes, { limitInputPixels: false }).metadata();
    const width = info.autoOrient.width;
    const height = info.autoOrient.height;
    if (!width || !height || width * height > MAX_IMAGE_PIXELS) return null;
    // One channel (plus alpha) is gray by its format; a colour format may still hold gray pixels
    // (a scanned page saved as RGB JPEG): look at the pixels.
    if (info.space === 'b-w' || (info.channels ?? 3) <= 2) return { width, height, gray: true };
    const { data } = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS })
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .toColourspace('srgb')
      .resize(GRAY_CHECK_SIDE, GRAY_CHECK_SIDE, { fit: 'fill' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { width, height, gray: rgbIsGray(data, 3) };
  } catch {
    // A damaged file says nothing about the others; the import itself names it.
    return null;
  }
}

function rgbIsGray(data: Uint8Array, channels: number): boolean {
  for (let i = 0; i + 2 < data.length; i += channels) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    if (Math.abs(r - g) > GRAY_TOLERANCE || Math.abs(g - b) > GRAY_TOLERANCE || Math.abs(r - b) > GRAY_TOLERANCE)
      return false;
  }
  return true;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const clampSide = (n: number) => Math.max(MIN_IMAGE_SIDE, Math.min(MAX_IMAGE_SIDE, Math.round(n)));

/**
 * The size and colour an image folder is stored at when the user leaves them to Layerlab, from
 * a sample of its files:
 * - size: the images' own size when they all share one (scaled down, keeping the aspect, so the
 *   longer side is at most AUTO_SIDE_CAP); else a square of the median image's side
 *   (√(width·height)), capped the same way;
 * - colour: grayscale when every image looked at is gray (a gray format, or colour pixels with
 *   equal channels), RGB otherwise.
 * Pure in what it returns for a given sample; undefined when no sampled file could be read.
 */
export function chooseImageOptions(seen: readonly Seen[]): ImageChoice | undefined {
  if (seen.length === 0) return undefined;
  const first = seen[0]!;
  const same = seen.every((s) => s.width === first.width && s.height === first.height);
  let width: number;
  let height: number;
  let sizeReason: string;
  if (same) {
    const scale = Math.min(1, AUTO_SIDE_CAP / Math.max(first.width, first.height));
    width = clampSide(first.width * scale);
    height = clampSide(first.height * scale);
    sizeReason =
      scale < 1
        ? `all ${first.width}×${first.height}, scaled down to ${width}×${height}`
        : `all ${first.width}×${first.height}, kept`;
  } else {
    const side = clampSide(Math.min(AUTO_SIDE_CAP, median(seen.map((s) => Math.sqrt(s.width * s.height)))));
    width = side;
    height = side;
    sizeReason = `sizes vary (median about ${Math.round(median(seen.map((s) => Math.sqrt(s.width * s.height))))} px a side), stored at ${side}×${side}`;
  }
  const gray = seen.every((s) => s.gray);
  const color: ImageColor = gray ? 'grayscale' : 'rgb';
  const colorReason = gray ? 'all grayscale' : 'in colour';
  return {
    width,
    height,
    color,
    reason: `size and colour chosen from ${seen.length} of the images: ${sizeReason}; ${colorReason}`,
  };
}

/** Reads a spread-out sample of the files (planned on the source first, as a zip needs). */
export async function probeImages(source: ImageSource, files: readonly SourceFile[]): Promise<ImageChoice | undefined> {
  const sample = spreadSample(files, PROBE_SAMPLE);
  source.plan(sample);
  const seen: Seen[] = [];
  // A few at a time: sharp decodes on libuv's threads.
  const WINDOW = 8;
  for (let i = 0; i < sample.length; i += WINDOW) {
    const batch = await Promise.all(
      sample.slice(i, i + WINDOW).map(async (file) => {
        const bytes = await source.read(file);
        return 'reason' in bytes ? null : look(bytes);
      }),
    );
    for (const s of batch) if (s) seen.push(s);
  }
  return chooseImageOptions(seen);
}
