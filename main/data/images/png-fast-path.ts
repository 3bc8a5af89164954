import { decode } from 'fast-png';

/**
 * Small PNGs that are already the stored size and colour, decoded without libvips.
 *
 * sharp sets up a libvips pipeline per image (~1 ms of CPU, plus a second call for the header),
 * which for a folder of thousands of 32×32 PNGs costs more than the decoding itself: 1,797
 * digits took ~4 s of CPU to import. When nothing but decoding is needed — the image has the
 * stored width and height, 8-bit samples, no orientation, colour profile or gamma to honour, and
 * no transparency — fast-png (fflate's inflate and PNG's unfiltering) gives the same bytes in a
 * fraction of the time. Anything else returns null and goes through sharp, so this path changes
 * speed, never pixels: tests/unit/data/png-fast-path.test.ts compares both byte for byte.
 */

/** Larger images gain little (decoding dominates) and are better decoded off the main thread by libvips. */
const MAX_FAST_PIXELS = 256 * 256;

/** Chunks that change nothing about the decoded pixels of an opaque 8-bit image. */
const HARMLESS = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tEXt', 'zTXt', 'iTXt', 'pHYs', 'tIME', 'sRGB', 'bKGD']);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGB + alpha. */
  colorType: number;
  interlaced: boolean;
  /** Every chunk is one that leaves the pixels as decoded (no gAMA, cHRM, iCCP, eXIf, tRNS…). */
  plain: boolean;
}

const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** The header and chunk list of a PNG, without inflating anything; null when the structure is broken. */
export function readPngHeader(bytes: Uint8Array): PngHeader | null {
  if (bytes.length < 33 || u32(bytes, 12) !== 0x49484452 /* IHDR */) return null;
  const header = {
    width: u32(bytes, 16),
    height: u32(bytes, 20),
    bitDepth: bytes[24]!,
    colorType: bytes[25]!,
    interlaced: bytes[28] !== 0,
    plain: true,
  };
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = u32(bytes, at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    if (!HARMLESS.has(type)) header.plain = false;
    if (type === 'IEND') return header;
    at += 12 + length;
  }
  return null;
}

/**
 * The pixels (height × width × `channels` bytes) when this PNG can skip libvips, else null.
 * `channels` is 1 (grayscale) or 3 (RGB); gray sources become RGB by repeating the value, as
 * libvips does. RGB sources stored as grayscale go through sharp (its luminance formula).
 */
export function decodePlainPng(bytes: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array | null {
  const header = readPngHeader(bytes);
  if (!header || !header.plain || header.width !== width || header.height !== height) return null;
  if (width * height > MAX_FAST_PIXELS || header.bitDepth !== 8) return null;
  const { colorType } = header;
  if (colorType !== 0 && colorType !== 2 && colorType !== 3) return null; // alpha: sharp flattens it
  if (channels === 1 && colorType !== 0) return null;
  let png;
  try {
    png = decode(bytes);
  } catch {
    return null; // damaged: sharp gives the reason
  }
  const pixels = width * height;
  const data = png.data;
  if (png.width !== width || png.height !== height || !(data instanceof Uint8Array)) return null;
  if (colorType === 3) {
    const palette = png.palette;
    if (!palette || png.transparency || data.length !== pixels) return null;
    const out = new Uint8Array(pixels * 3);
    for (let i = 0; i < pixels; i++) {
      const entry = palette[data[i]!];
      if (!entry) return null;
      out[i * 3] = entry[0]!;
      out[i * 3 + 1] = entry[1]!;
      out[i * 3 + 2] = entry[2]!;
    }
    return out;
  }
  const sourceChannels = colorType === 0 ? 1 : 3;
  if (png.channels !== sourceChannels || data.length !== pixels * sourceChannels) return null;
  if (sourceChannels === channels) return data;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[i]!;
  return out;
}

/**
 * Size and grayness of a PNG for the import's probe (probe-images.ts), when the header settles them
 * or the image is small and plain enough to decode here; null sends it through sharp instead.
 */
export function probePng(
  bytes: Uint8Array,
  isGray: (rgb: Uint8Array) => boolean,
): { width: number; height: number; gray: boolean } | null {
  const header = readPngHeader(bytes);
  if (!header || !header.plain || header.width === 0 || header.height === 0) return null;
  const { width, height, colorType } = header;
  if (colorType === 0 || colorType === 4) return { width, height, gray: true };
  const rgb = decodePlainPng(bytes, width, height, 3);
  return rgb ? { width, height, gray: isGray(rgb) } : null;
}
