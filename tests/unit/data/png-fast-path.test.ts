import sharp, { type PngOptions } from 'sharp';
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

/** sharp's answer: decodeImage with a thumbnail always takes the libvips path. */
async function viaSharp(bytes: Buffer, width: number, height: number, color: 'grayscale' | 'rgb') {
  const result = await decodeImage(bytes, '.png', { width, height, color, fit: 'pad' }, true);
  if (!result.ok) throw new Error(result.reason);
  return Buffer.from(result.pixels);
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
    }
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

/** A PNG chunk with a dummy CRC (readPngHeader does not check CRCs; fast-png is never reached). */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, data, Buffer.alloc(4)]);
}
