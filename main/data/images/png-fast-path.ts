import { inflateSync } from 'node:zlib';

/**
 * Small PNGs that are already the stored size and colour, decoded without libvips.
 *
 * sharp sets up a libvips pipeline per image (~1 ms of CPU, plus a second call for the header),
 * which for a folder of thousands of 32×32 PNGs costs more than the decoding itself: 1,797
 * digits took ~4 s of CPU to import. When nothing but decoding is needed — the image has the
 * stored width and height, 8-bit samples, no orientation, colour profile or gamma to honour, and
 * no transparency — Node's own zlib and PNG's five row filters give the same bytes in a fraction
 * of the time (unfilter() below; fast-png, used before, spent most of its time growing fflate's
 * output buffer: 1,797 digits decoded in ~400 ms against ~90 ms here). Anything else returns null and goes through sharp, so this path changes
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
  if (header.interlaced) return null; // Adam7: rare in small images; libvips de-interlaces
  const sourceChannels = colorType === 2 ? 3 : 1; // gray and palette indices are one byte a pixel
  const raw = inflateIdat(bytes, height * (width * sourceChannels + 1));
  if (!raw) return null; // damaged: sharp gives the reason
  const data = unfilter(raw, width * sourceChannels, height, sourceChannels);
  if (!data) return null;
  const pixels = width * height;
  if (colorType === 3) {
    const palette = paletteOf(bytes);
    if (!palette) return null;
    const entries = palette.length / 3;
    const out = new Uint8Array(pixels * 3);
    for (let i = 0; i < pixels; i++) {
      const entry = data[i]!;
      if (entry >= entries) return null;
      out[i * 3] = palette[entry * 3]!;
      out[i * 3 + 1] = palette[entry * 3 + 1]!;
      out[i * 3 + 2] = palette[entry * 3 + 2]!;
    }
    return out;
  }
  if (sourceChannels === channels) return data;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[i]!;
  return out;
}

/** The chunks' data of one type, in order (IDAT may be split across several chunks). */
function chunksOf(bytes: Uint8Array, type: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let at = 8;
  while (at + 8 <= bytes.length) {
    const length = u32(bytes, at);
    const kind = u32(bytes, at + 4);
    if (kind === 0x49454e44 /* IEND */) break;
    if (kind === type) {
      if (at + 8 + length > bytes.length) return [];
      parts.push(bytes.subarray(at + 8, at + 8 + length));
    }
    at += 12 + length;
  }
  return parts;
}

/** The image's filtered rows, or null when they do not inflate to exactly `expected` bytes. */
function inflateIdat(bytes: Uint8Array, expected: number): Uint8Array | null {
  const parts = chunksOf(bytes, 0x49444154 /* IDAT */);
  if (parts.length === 0) return null;
  try {
    const raw = inflateSync(parts.length === 1 ? parts[0]! : Buffer.concat(parts), { maxOutputLength: expected + 1 });
    return raw.length === expected ? raw : null;
  } catch {
    return null;
  }
}

/** A palette image's PLTE entries as RGB triples; null when missing or malformed. */
function paletteOf(bytes: Uint8Array): Uint8Array | null {
  const [plte] = chunksOf(bytes, 0x504c5445 /* PLTE */);
  return plte && plte.length > 0 && plte.length % 3 === 0 && plte.length <= 768 ? plte : null;
}

/**
 * PNG's per-row filters undone (the PNG specification, section 9): each row starts with its filter
 * type — 0 none, 1 sub, 2 up, 3 average, 4 Paeth — and predicts each byte from the byte `bpp` to
 * its left (a), the byte above (b) and the one above-left (c). Null for an unknown filter type.
 */
export function unfilter(raw: Uint8Array, stride: number, height: number, bpp: number): Uint8Array | null {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const up = row - stride; // negative on the first row, where b and c are 0
    switch (filter) {
      case 0:
        out.set(raw.subarray(src, src + stride), row);
        break;
      case 1:
        for (let x = 0; x < stride; x++) out[row + x] = raw[src + x]! + (x >= bpp ? out[row + x - bpp]! : 0);
        break;
      case 2:
        if (y === 0) out.set(raw.subarray(src, src + stride), row);
        else for (let x = 0; x < stride; x++) out[row + x] = raw[src + x]! + out[up + x]!;
        break;
      case 3:
        for (let x = 0; x < stride; x++) {
          const a = x >= bpp ? out[row + x - bpp]! : 0;
          const b = y > 0 ? out[up + x]! : 0;
          out[row + x] = raw[src + x]! + ((a + b) >> 1);
        }
        break;
      case 4:
        for (let x = 0; x < stride; x++) {
          const a = x >= bpp ? out[row + x - bpp]! : 0;
          const b = y > 0 ? out[up + x]! : 0;
          const c = x >= bpp && y > 0 ? out[up + x - bpp]! : 0;
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          out[row + x] = raw[src + x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        return null;
    }
  }
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
