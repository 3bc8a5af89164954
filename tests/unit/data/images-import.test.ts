import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImageImportProgress } from '../../../app/dataset/images';
import {
  decodeBmp,
  decodeImage,
  ImageBatchReader,
  importImages,
  loadImageDataset,
  readThumbnails,
} from '../../../main/data/images';
import { escapesRoot } from '../../../main/data/images/zip-source';
import { rejection, thrown, useTempDir } from './temp-dir';

type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];

const solid = (width: number, height: number, [r, g, b]: Rgb) =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } });

/**
 * A BMP written by hand (sharp cannot write one): 24-bit bottom-up or 32-bit top-down BGRX,
 * pixels given top row first as RGB.
 */
function bmp(width: number, height: number, pixels: Rgb[], bits: 24 | 32 = 24, topDown = false): Buffer {
  const stride = Math.ceil((width * bits) / 32) * 4;
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + stride * height, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(topDown ? -height : height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(bits, 28);
  const body = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y += 1) {
    const row = (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x += 1) {
      const [r, g, b] = pixels[y * width + x] ?? [0, 0, 0];
      const p = row + (x * bits) / 8;
      body[p] = b;
      body[p + 1] = g;
      body[p + 2] = r;
      if (bits === 32) body[p + 3] = 0x7f;
    }
  }
  return Buffer.concat([header, body]);
}

/** A valid PNG header that claims 20000×20000 pixels: refused before anything is decoded. */
function hugePngHeader(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20000, 0);
  ihdr.writeUInt32BE(20000, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * pets/cats: PNG, JPEG, WebP, a two-frame GIF (red then blue: the first frame counts), and a
 * hidden .DS_Store; pets/dogs: TIFF, 24- and 32-bit BMP, a corrupt PNG, a text file and a huge
 * PNG header; pets/birds: empty; pets/readme.md outside any class.
 */
async function writeFixture(root: string): Promise<Record<string, Buffer>> {
  const red = await solid(40, 30, RED).png().toBuffer();
  const blueFrame = await solid(40, 30, BLUE).png().toBuffer();
  const files: Record<string, Buffer> = {
    'cats/a.png': red,
    'cats/b.jpg': await solid(30, 40, RED).jpeg({ quality: 95 }).toBuffer(),
    'cats/c.webp': await solid(32, 32, RED).webp({ lossless: true }).toBuffer(),
    'cats/d.gif': await sharp([red, blueFrame], { join: { animated: true } })
      .gif()
      .toBuffer(),
    'cats/.DS_Store': Buffer.from('junk'),
    'dogs/e.tiff': await solid(20, 20, BLUE).tiff().toBuffer(),
    'dogs/f.bmp': bmp(
      5,
      3,
      Array.from({ length: 15 }, () => BLUE),
    ),
    'dogs/g.bmp': bmp(
      4,
      4,
      Array.from({ length: 16 }, () => BLUE),
      32,
      true,
    ),
    'dogs/broken.png': Buffer.concat([red.subarray(0, 40), Buffer.from('this is not the rest of a PNG')]),
    'dogs/notes.txt': Buffer.from('these are my dogs\n'),
    'dogs/huge.png': hugePngHeader(),
    'readme.md': Buffer.from('# pets\n'),
  };
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), bytes);
  }
  await mkdir(join(root, 'birds'));
  return files;
}

const reasonOf = (meta: { skipped: { path: string; reason: string }[] }, path: string) =>
  meta.skipped.find((s) => s.path === path)?.reason;

describe('importImages from a folder', () => {
  const tmp = useTempDir();

  it('stores every readable image, lists every skipped file with its reason, and reports the empty class', async () => {
    const root = join(tmp(), 'pets');
    await writeFixture(root);
    const datasetsDir = join(tmp(), 'datasets');
    const progress: ImageImportProgress[] = [];
    const meta = await importImages({
      path: root,
      datasetsDir,
      options: { width: 8, height: 8 },
      imagesPerShard: 3,
      onProgress: (p) => progress.push(p),
    });

    expect(meta.classes.map((c) => [c.name, c.count])).toEqual([
      ['cats', 4],
      ['dogs', 3],
    ]);
    expect(meta.count).toBe(7);
    expect(meta.emptyClasses).toEqual(['birds']);
    expect(meta.skippedCount).toBe(4);
    expect(reasonOf(meta, 'dogs/broken.png')).toMatch(/^damaged: /);
    expect(reasonOf(meta, 'dogs/notes.txt')).toBe('not an image (PNG, JPEG, WebP, GIF, BMP or TIFF)');
    expect(reasonOf(meta, 'dogs/huge.png')).toBe(
      'the image is 20000×20000 (400 megapixels); at most 100 megapixels are read, so shrink it first',
    );
    expect(reasonOf(meta, 'readme.md')).toMatch(/not inside a class folder/);
    expect(reasonOf(meta, 'cats/.DS_Store')).toBeUndefined();
    expect(meta.warnings.join('\n')).toContain(
      'The class folder "birds" has no images that can be read; it is left out of the classes.',
    );
    expect(meta.warnings.join('\n')).toContain('4 files were skipped');

    // Three images a shard: 3 + 3 + 1, each file exactly its images' bytes.
    expect(meta.shards).toEqual([
      { file: 'shard-0000.u8', count: 3 },
      { file: 'shard-0001.u8', count: 3 },
      { file: 'shard-0002.u8', count: 1 },
    ]);
    const dir = join(datasetsDir, meta.id);
    expect((await stat(join(dir, 'shard-0002.u8'))).size).toBe(8 * 8 * 3);
    expect(await readdir(datasetsDir)).toEqual([meta.id]);

    // Decoded colours: cats are red (the GIF's first frame too), dogs blue (TIFF and both BMPs).
    const stored = await loadImageDataset(dir);
    expect(stored.index.sources).toEqual([
      'cats/a.png',
      'cats/b.jpg',
      'cats/c.webp',
      'cats/d.gif',
      'dogs/e.tiff',
      'dogs/f.bmp',
      'dogs/g.bmp',
    ]);
    expect(stored.index.labels).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect([stored.index.widths[5], stored.index.heights[5]]).toEqual([5, 3]);
    const reader = await ImageBatchReader.open(stored, { batchSize: 7, seed: 1, shuffle: false });
    try {
      const { x } = await reader.read([0, 1, 2, 3, 4, 5, 6]);
      const centre = (n: number) =>
        Array.from(x.subarray(n * 192 + (4 * 8 + 4) * 3, n * 192 + (4 * 8 + 4) * 3 + 3), (v) => Math.round(v * 255));
      // Resampling and JPEG move a channel by a step or two, never a colour into another.
      const near = (got: number[], want: Rgb, tolerance: number) =>
        got.every((v, c) => Math.abs(v - want[c]!) <= tolerance);
      for (const n of [0, 2, 3]) expect(near(centre(n), RED, 2), `image ${n}: ${centre(n).join(',')}`).toBe(true);
      expect(near(centre(1), RED, 12), `the JPEG: ${centre(1).join(',')}`).toBe(true);
      for (const n of [4, 5, 6]) expect(near(centre(n), BLUE, 2), `image ${n}: ${centre(n).join(',')}`).toBe(true);
    } finally {
      await reader.close();
    }

    const thumbs = await readThumbnails(dir, meta);
    expect(thumbs.map((t) => [t.name, t.images.length])).toEqual([
      ['cats', 4],
      ['dogs', 3],
    ]);
    expect(thumbs[0]?.images[0]).toMatch(/^data:image\/webp;base64,/);
    const thumb = await sharp(await readFile(join(dir, meta.classes[0]?.thumbnails[0] ?? ''))).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 96, 96]);

    const decoding = progress.filter((p) => p.phase === 'decoding');
    expect(decoding.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(decoding.every((p) => p.total === 10)).toBe(true);
    expect(progress.at(-1)?.phase).toBe('finishing');
  });

  it('pads or centre-crops to keep the aspect ratio, stretches when asked, and stores grayscale as one channel', async () => {
    const root = join(tmp(), 'shapes');
    await mkdir(join(root, 'wide'), { recursive: true });
    await mkdir(join(root, 'other'), { recursive: true });
    await solid(40, 20, [255, 255, 255])
      .png()
      .toFile(join(root, 'wide', 'w.png'));
    await solid(10, 10, [0, 255, 0])
      .png()
      .toFile(join(root, 'other', 'o.png'));
    const datasetsDir = join(tmp(), 'datasets');
    const pixelsOf = async (fit: 'pad' | 'crop' | 'stretch', color: 'rgb' | 'grayscale') => {
      const meta = await importImages({ path: root, datasetsDir, options: { width: 8, height: 8, fit, color } });
      expect(meta.channels).toBe(color === 'rgb' ? 3 : 1);
      return readFile(join(datasetsDir, meta.id, 'shard-0000.u8'));
    };
    const padded = await pixelsOf('pad', 'grayscale');
    // Image 1 is other/o.png (classes sort: other, wide); the wide one is image 2, rows 0–1 black padding.
    const wide = padded.subarray(64, 128);
    expect(Array.from(wide.subarray(0, 16))).toEqual(new Array(16).fill(0));
    expect(Array.from(wide.subarray(24, 40))).toEqual(new Array(16).fill(255));
    expect(new Set(padded.subarray(0, 64))).toEqual(new Set([220])); // pure green's luminance
    const cropped = await pixelsOf('crop', 'rgb');
    expect(Array.from(cropped.subarray(192, 384)).every((v) => v === 255)).toBe(true);
    const stretched = await pixelsOf('stretch', 'rgb');
    expect(Array.from(stretched.subarray(192, 384)).every((v) => v === 255)).toBe(true);
  });

  it('rejects bad options and layouts with a message that says what to do, leaving nothing behind', async () => {
    const datasetsDir = join(tmp(), 'datasets');
    const flat = join(tmp(), 'flat');
    await mkdir(flat);
    await solid(8, 8, RED).png().toFile(join(flat, 'a.png'));
    expect((await rejection(importImages({ path: flat, datasetsDir }))).message).toBe(
      "flat has no class folders. Put each class's images in a subfolder named after the class (flat/cats/…, flat/dogs/…).",
    );
    await mkdir(join(flat, 'only'));
    await solid(8, 8, RED)
      .png()
      .toFile(join(flat, 'only', 'b.png'));
    expect((await rejection(importImages({ path: join(tmp(), 'flat'), datasetsDir }))).message).toMatch(
      /^flat has only one class folder \("only"\)/,
    );
    expect((await rejection(importImages({ path: join(tmp(), 'nope'), datasetsDir }))).message).toBe(
      `Cannot import ${join(tmp(), 'nope')}: no such file or folder.`,
    );
    expect((await rejection(importImages({ path: flat, datasetsDir, options: { width: 2 } }))).message).toBe(
      'Image import options: width: width must be at least 4 pixels',
    );

    // Two class folders, but nothing in them is an image.
    const junk = join(tmp(), 'junk');
    await mkdir(join(junk, 'a'), { recursive: true });
    await mkdir(join(junk, 'b'));
    await writeFile(join(junk, 'a', 'x.png'), 'not a png');
    expect((await rejection(importImages({ path: junk, datasetsDir }))).message).toBe(
      'junk has no images that can be read; a classifier needs at least two classes with images. 1 file was skipped, e.g. a/x.png: not an image (PNG, JPEG, WebP, GIF, BMP or TIFF).',
    );
    expect(await readdir(datasetsDir)).toEqual([]);
  });

  it('can be cancelled half-way and then leaves nothing behind', async () => {
    const root = join(tmp(), 'pets');
    await writeFixture(root);
    const datasetsDir = join(tmp(), 'datasets');
    const controller = new AbortController();
    const error = await rejection(
      importImages({
        path: root,
        datasetsDir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'decoding' && p.done === 3) controller.abort();
        },
      }),
    );
    expect(error.name).toBe('AbortError');
    expect(await readdir(datasetsDir)).toEqual([]);
  });

  it('warns about imbalanced classes', async () => {
    const root = join(tmp(), 'skewed');
    await mkdir(join(root, 'many'), { recursive: true });
    await mkdir(join(root, 'few'));
    const png = await solid(6, 6, RED).png().toBuffer();
    for (let i = 0; i < 7; i += 1) await writeFile(join(root, 'many', `${i}.png`), png);
    await writeFile(join(root, 'few', '0.png'), png);
    await writeFile(join(root, 'few', '1.png'), png);
    const meta = await importImages({
      path: root,
      datasetsDir: join(tmp(), 'datasets'),
      options: { width: 4, height: 4 },
    });
    expect(meta.warnings).toEqual([
      'The classes are imbalanced: "many" has 7 images and "few" 2 images (3.5 to 1). A model can score well by mostly answering "many"; add "few" images or judge accuracy with that in mind.',
    ]);
  });
});

describe('importImages from a zip', () => {
  const tmp = useTempDir();

  it('imports a zip of the folder (stepping into its single top folder) like the folder itself', async () => {
    const root = join(tmp(), 'pets');
    const files = await writeFixture(root);
    // Entries in reverse order: the zip's own order must not matter.
    const entries = Object.fromEntries(
      Object.entries(files)
        .reverse()
        .map(([path, bytes]) => [`pets/${path}`, new Uint8Array(bytes)]),
    );
    const zip = join(tmp(), 'pets.zip');
    await writeFile(
      zip,
      zipSync({ ...entries, 'pets/birds/': new Uint8Array(0), '__MACOSX/pets/._a.png': new Uint8Array([1, 2]) }),
    );
    const datasetsDir = join(tmp(), 'datasets');
    const meta = await importImages({
      path: zip,
      datasetsDir,
      options: { width: 8, height: 8 },
      thumbnailsPerClass: 1,
    });
    expect(meta.sourceFile).toBe('pets.zip');
    expect(meta.name).toBe('pets');
    expect(meta.classes.map((c) => [c.name, c.count])).toEqual([
      ['cats', 4],
      ['dogs', 3],
    ]);
    expect(meta.emptyClasses).toEqual(['birds']);
    // Paths as they are inside the zip, so the user can find them.
    expect(meta.skipped.map((s) => s.path).sort()).toEqual([
      'pets/dogs/broken.png',
      'pets/dogs/huge.png',
      'pets/dogs/notes.txt',
      'pets/readme.md',
    ]);
    // dogs/broken.png comes first and fails: the thumbnail goes to the next readable one.
    expect(meta.classes.map((c) => c.thumbnails.length)).toEqual([1, 1]);
    const stored = await loadImageDataset(join(datasetsDir, meta.id));
    expect(stored.index.sources.slice(4)).toEqual(['pets/dogs/e.tiff', 'pets/dogs/f.bmp', 'pets/dogs/g.bmp']);
  });

  it('refuses a zip with a path-traversal entry, naming it, and leaves nothing behind', async () => {
    const png = new Uint8Array(await solid(6, 6, RED).png().toBuffer());
    const zip = join(tmp(), 'evil.zip');
    await writeFile(zip, zipSync({ 'a/1.png': png, 'b/2.png': png, '../evil.png': png }));
    const datasetsDir = join(tmp(), 'datasets');
    expect((await rejection(importImages({ path: zip, datasetsDir }))).message).toBe(
      'evil.zip is refused: its entry "../evil.png" points outside the archive (path traversal). Make the zip again from the dataset folder itself.',
    );
    expect(await readdir(datasetsDir).catch(() => 'absent')).toBe('absent');
    expect(['a/../../x', '/etc/passwd', 'C:\\x', '..\\x'].map(escapesRoot)).toEqual([true, true, true, true]);
    expect(['a/../b', './a/b', 'a..b/c'].map(escapesRoot)).toEqual([false, false, false]);
  });

  it('refuses a file that is not a zip and names it', async () => {
    const zip = join(tmp(), 'fake.zip');
    await writeFile(zip, 'hello');
    expect((await rejection(importImages({ path: zip, datasetsDir: join(tmp(), 'datasets') }))).message).toMatch(
      /^fake\.zip is not a readable zip file/,
    );
  });
});

describe('the BMP reader', () => {
  it('reads 24-bit bottom-up and 32-bit top-down pixels in place', () => {
    const pixels: Rgb[] = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [10, 11, 12],
      [13, 14, 15],
      [16, 17, 18],
    ];
    for (const [bits, topDown] of [
      [24, false],
      [32, true],
    ] as const) {
      const decoded = decodeBmp(bmp(3, 2, pixels, bits, topDown));
      expect([decoded.width, decoded.height]).toEqual([3, 2]);
      expect(Array.from(decoded.rgb)).toEqual(pixels.flat());
    }
  });

  it('reads an 8-bit palette image and refuses compressed and truncated ones with the reason', async () => {
    // 2×1, palette [black, green], indices [1, 0], rows padded to 4 bytes.
    const header = bmp(2, 1, [], 24).subarray(0, 54);
    header.writeUInt16LE(8, 28);
    header.writeUInt32LE(2, 46);
    header.writeUInt32LE(54 + 8, 10);
    const palette = Buffer.from([0, 0, 0, 0, 0, 255, 0, 0]);
    const image = Buffer.concat([header, palette, Buffer.from([1, 0, 0, 0])]);
    expect(Array.from(decodeBmp(image).rgb)).toEqual([0, 255, 0, 0, 0, 0]);

    const rle = Buffer.from(image);
    rle.writeUInt32LE(1, 30);
    expect(thrown(() => decodeBmp(rle)).message).toBe(
      'run-length compressed BMP is not supported; save it as PNG or uncompressed BMP',
    );
    const truncated = bmp(4, 4, []).subarray(0, 60);
    expect(thrown(() => decodeBmp(truncated)).message).toBe('the BMP file is truncated');
    const sixteen = bmp(2, 2, []);
    sixteen.writeUInt16LE(16, 28);
    expect((await decodeImage(sixteen, '.bmp', { width: 4, height: 4, color: 'rgb', fit: 'pad' })).ok).toBe(false);
  });
});
