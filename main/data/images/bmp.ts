import { MAX_IMAGE_PIXELS } from '../../../app/dataset/images';

/**
 * A small BMP reader, because libvips (and so sharp) has no BMP decoder. It reads the
 * uncompressed Windows bitmaps that cameras, Paint and Python's PIL write:
 *   - 24-bit BGR and 32-bit BGRX (BI_RGB; the fourth byte is ignored),
 *   - 32-bit BI_BITFIELDS / BI_ALPHABITFIELDS whose red, green and blue masks are whole bytes,
 *   - 1-, 4- and 8-bit palette images (BI_RGB),
 * bottom-up or top-down, with the 40-byte header or its V2–V5 extensions.
 * Refused, with the reason as the skip message: RLE4/RLE8 compression, 16-bit, JPEG or PNG
 * inside a BMP, the old 12-byte OS/2 header, and masks that are not whole bytes. Alpha is
 * dropped: images are stored as RGB or grayscale anyway.
 */
export interface DecodedBmp {
  width: number;
  height: number;
  /** width × height × 3 bytes, RGB, top row first. */
  rgb: Uint8Array;
}

export class BmpError extends Error {
  override name = 'BmpError';
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** The byte (0..3) a mask selects within a little-endian 32-bit pixel, or -1 when not a whole byte. */
function maskByte(mask: number): number {
  for (let k = 0; k < 4; k += 1) if (mask >>> 0 === (0xff << (8 * k)) >>> 0) return k;
  return -1;
}

export function decodeBmp(bytes: Uint8Array): DecodedBmp {
  if (!isBmp(bytes) || bytes.length < 26) throw new BmpError('not a BMP file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixelOffset = view.getUint32(10, true);
  const dibSize = view.getUint32(14, true);
  if (dibSize === 12) throw new BmpError('BMP with the old OS/2 header is not supported; save it as PNG');
  if (dibSize < 40 || 14 + dibSize > bytes.length) throw new BmpError('damaged BMP header');
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const colorsUsed = view.getUint32(46, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new BmpError(`damaged BMP header (size ${width}×${rawHeight})`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new BmpError(
      `the image is ${width}×${height} (${((width * height) / 1e6).toFixed(0)} megapixels); at most ${MAX_IMAGE_PIXELS / 1e6} megapixels are read`,
    );
  }
  if (compression === BI_RLE8 || compression === BI_RLE4)
    throw new BmpError('run-length compressed BMP is not supported; save it as PNG or uncompressed BMP');
  if (compression === BI_JPEG || compression === BI_PNG)
    throw new BmpError('BMP holding a JPEG or PNG is not supported; save it as PNG');

  // Where red, green and blue sit in a 32-bit pixel (bytes from the low end: B=0, G=1, R=2).
  let channelBytes = [2, 1, 0];
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    if (bitsPerPixel !== 32)
      throw new BmpError(`${bitsPerPixel}-bit BMP with bit-field masks is not supported; save it as PNG`);
    // The masks follow a 40-byte header, or sit inside a V2+ header at the same place.
    if (14 + 40 + 12 > bytes.length) throw new BmpError('damaged BMP header (masks missing)');
    channelBytes = [0, 4, 8].map((at) => maskByte(view.getUint32(14 + 40 + at, true)));
    if (channelBytes.some((k) => k < 0))
      throw new BmpError('BMP with masks that are not whole bytes is not supported; save it as PNG');
  } else if (compression !== BI_RGB) {
    throw new BmpError(`BMP compression type ${compression} is not supported; save it as PNG`);
  }

  let palette: Uint8Array | null = null;
  if (bitsPerPixel === 1 || bitsPerPixel === 4 || bitsPerPixel === 8) {
    const entries = colorsUsed > 0 ? colorsUsed : 1 << bitsPerPixel;
    const start = 14 + dibSize;
    if (entries > 1 << bitsPerPixel || start + entries * 4 > bytes.length) throw new BmpError('damaged BMP palette');
    palette = bytes.subarray(start, start + entries * 4);
  } else if (bitsPerPixel !== 24 && bitsPerPixel !== 32) {
    throw new BmpError(`${bitsPerPixel}-bit BMP is not supported (1, 4, 8, 24 and 32-bit are); save it as PNG`);
  }

  // Rows are padded to a multiple of 4 bytes.
  const stride = Math.ceil((width * bitsPerPixel) / 32) * 4;
  if (pixelOffset + stride * height > bytes.length) throw new BmpError('the BMP file is truncated');

  const rgb = new Uint8Array(width * height * 3);
  const [rByte, gByte, bByte] = channelBytes as [number, number, number];
  for (let y = 0; y < height; y += 1) {
    const row = pixelOffset + stride * (topDown ? y : height - 1 - y);
    let out = y * width * 3;
    for (let x = 0; x < width; x += 1, out += 3) {
      if (palette) {
        const bit = x * bitsPerPixel;
        const byte = bytes[row + (bit >> 3)] ?? 0;
        const index = (byte >> (8 - bitsPerPixel - (bit & 7))) & ((1 << bitsPerPixel) - 1);
        // An index past a short palette is damage; black is the honest guess for one pixel.
        const p = index * 4;
        rgb[out] = palette[p + 2] ?? 0;
        rgb[out + 1] = palette[p + 1] ?? 0;
        rgb[out + 2] = palette[p] ?? 0;
      } else {
        const p = row + x * (bitsPerPixel >> 3);
        rgb[out] = bytes[p + rByte] ?? 0;
        rgb[out + 1] = bytes[p + gByte] ?? 0;
        rgb[out + 2] = bytes[p + bByte] ?? 0;
      }
    }
  }
  return { width, height, rgb };
}
