import sharp, { type PngOptions } from 'sharp';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../main/data/images/decode-image';
import { decodePlainPng, readPngHeader } from '../../../main/data/images/png-fast-path';

/** Deterministic noise so every pixel differs and a wrong channel order or row stride shows. */
function noise(width: number, height: number, channels: number, seed = 7): Buffer {
  const out = Buffer.alloc(width * height * channels);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

async function png(raw: Buffer, width: number, height: number, channels: 1 | 3 | 4, options: PngOptions = {}) {
  const image = sharp(raw, { raw: { width, height, channels } });
  // A one-band raw image is written as RGB unless told it is gray.
  const bytes = await (channels === 1 ? image.toColourspace('b-w') : image).png(options).toBuffer();
  const header = readPngHeader(bytes);
  expect(header?.colorType).toBe(options.palette ? 3 : { 1: 0, 3: 2, 4: 6 }[channels]);
  return bytes;
}

/** libvips' answer: decode-image.ts's sharp pipeline (upright, flattened, in the stored colour, padded to size). */
async function viaSharp(bytes: Buffer, width: number, height: number, color: 'grayscale' | 'rgb') {
  const black = { r: 0, g: 0, b: 0, alpha: 1 };
  return sharp(bytes)
    .rotate()
    .flatten({ background: black })
    .toColourspace(color === 'grayscale' ? 'b-w' : 'srgb')
    .resize(width, height, { fit: 'contain', position: 'centre', background: black })
    .raw({ depth: 'uchar' })
    .toBuffer();
}

describe('the PNG fast path of image import', () => {
  it('gives exactly the pixels libvips gives, for every source and stored colour it accepts', async () => {
    const cases: Array<{ name: string; bytes: Buffer; color: 'grayscale' | 'rgb' }> = [
      { name: 'gray → gray', bytes: await png(noise(32, 24, 1), 32, 24, 1), color: 'grayscale' },
      { name: 'gray → rgb', bytes: await png(noise(32, 24, 1), 32, 24, 1), color: 'rgb' },
      { name: 'rgb → rgb', bytes: await png(noise(32, 24, 3), 32, 24, 3), color: 'rgb' },
      {
        name: 'palette → rgb',
        bytes: await png(noise(32, 24, 3), 32, 24, 3, { palette: true, colours: 256, dither: 0 }),
        color: 'rgb',
      },
      {
        name: 'adaptive filters, best compression',
        bytes: await png(noise(32, 24, 3), 32, 24, 3, { adaptiveFiltering: true, compressionLevel: 9 }),
        color: 'rgb',
      },
    ];
    for (const c of cases) {
      const fast = decodePlainPng(c.bytes, 32, 24, c.color === 'grayscale' ? 1 : 3);
      expect(fast, c.name).not.toBeNull();
      expect(Buffer.from(fast!).equals(await viaSharp(c.bytes, 32, 24, c.color)), c.name).toBe(true);
      // And decodeImage itself takes it (no thumbnail asked for) with the same result.
      const plain = await decodeImage(c.bytes, '.png', { width: 32, height: 24, color: c.color, fit: 'pad' });
      expect(plain.ok && Buffer.from(plain.pixels).equals(Buffer.from(fast!)), c.name).toBe(true);
      // With a thumbnail asked for: the same pixels, and a 96-pixel WebP of them.
      const shown = await decodeImage(c.bytes, '.png', { width: 32, height: 24, color: c.color, fit: 'pad' }, true);
      expect(shown.ok && Buffer.from(shown.pixels).equals(Buffer.from(fast!)), c.name).toBe(true);
      const thumbnail = shown.ok ? shown.thumbnail : undefined;
      expect(thumbnail, c.name).toBeDefined();
      const info = await sharp(thumbnail!).metadata();
      expect([info.format, info.width, info.height], c.name).toEqual(['webp', 96, 72]);
    }
  });

  it("undoes each of PNG's five row filters as libvips does, rows of every filter side by side", async () => {
    // Encoders pick filters per row by heuristics, so sharp's own files may never use some of them:
    // these PNGs are written here with a chosen filter for each row (none, sub, up, average, Paeth,
    // then again), with real CRCs so that libpng accepts them too.
    for (const [channels, colorType] of [
      [1, 0],
      [3, 2],
    ] as const) {
      const width = 13;
      const height = 10;
      const pixels = noise(width, height, channels, 11);
      const bytes = filteredPng(pixels, width, height, channels, colorType);
      const fast = decodePlainPng(bytes, width, height, channels);
      expect(fast, `${channels} channels`).not.toBeNull();
      expect(Buffer.from(fast!).equals(pixels), `${channels} channels: the pixels written`).toBe(true);
      const color = channels === 1 ? 'grayscale' : 'rgb';
      expect(Buffer.from(fast!).equals(await viaSharp(bytes, width, height, color)), `${channels} channels`).toBe(true);
    }
    // An unknown filter type is damage: left to libvips, which names it.
    const bad = filteredPng(noise(13, 10, 1), 13, 10, 1, 0, 5);
    expect(decodePlainPng(bad, 13, 10, 1)).toBeNull();
    expect((await decodeImage(bad, '.png', { width: 13, height: 10, color: 'grayscale', fit: 'pad' })).ok).toBe(false);
  });

  it('leaves to libvips what needs more than decoding: another size, alpha, colour to gray, 16-bit, gamma', async () => {
    const rgb = await png(noise(32, 24, 3), 32, 24, 3);
    expect(decodePlainPng(rgb, 16, 12, 3), 'a resize').toBeNull();
    expect(decodePlainPng(rgb, 32, 24, 1), 'RGB stored as gray: sharp’s luminance').toBeNull();
    const rgba = await png(noise(32, 24, 4), 32, 24, 4);
    expect(decodePlainPng(rgba, 32, 24, 3), 'alpha is flattened by sharp').toBeNull();
    const deep = await sharp(noise(32, 24, 3), { raw: { width: 32, height: 24, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect(readPngHeader(deep)?.bitDepth).toBe(16);
    expect(decodePlainPng(deep, 32, 24, 3), '16-bit').toBeNull();
    // A gAMA chunk inserted after IHDR: the header reader sees it and declines.
    const gama = Buffer.concat([rgb.subarray(0, 33), chunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])), rgb.subarray(33)]);
    expect(readPngHeader(gama)?.plain).toBe(false);
    expect(decodePlainPng(gama, 32, 24, 3)).toBeNull();
  });

  it('never throws on a damaged PNG: libvips then gives the reason', async () => {
    const rgb = await png(noise(32, 24, 3), 32, 24, 3);
    const cut = rgb.subarray(0, rgb.length - 40);
    expect(decodePlainPng(cut, 32, 24, 3)).toBeNull();
    const result = await decodeImage(cut, '.png', { width: 32, height: 24, color: 'rgb', fit: 'pad' });
    expect(result.ok).toBe(false);
  });
});

/** A PNG chunk with a dummy CRC (readPngHeader does not check CRCs; the decoder is never reached). */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, data, Buffer.alloc(4)]);
}

/** A PNG chunk with its real CRC. */
function crcChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * An 8-bit gray (colour type 0) or RGB (2) PNG whose row y uses filter `y % 5` (or `only` for
 * every row), filtered here by the PNG specification's predictors.
 */
function filteredPng(pixels: Buffer, width: number, height: number, bpp: number, colorType: number, only?: number) {
  const stride = width * bpp;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const filter = only ?? y % 5;
    raw[y * (stride + 1)] = filter;
    for (let x = 0; x < stride; x++) {
      const at = (yy: number, xx: number) => (yy >= 0 && xx >= 0 ? pixels[yy * stride + xx]! : 0);
      const a = at(y, x - bpp);
      const b = at(y - 1, x);
      const c = at(y - 1, x - bpp);
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][filter] ?? 0;
      raw[y * (stride + 1) + 1 + x] = (pixels[y * stride + x]! - predicted) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    crcChunk('IHDR', ihdr),
    crcChunk('IDAT', deflateSync(raw)),
    crcChunk('IEND', Buffer.alloc(0)),
  ]);
}
