import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { importImages } from '../../../main/data/images';
import { AUTO_SIDE_CAP, chooseImageOptions, spreadSample } from '../../../main/data/images/probe-images';
import { useTempDir } from './temp-dir';

/** A PNG of random-ish pixels: gray (one channel), gray written as RGB, or colour. */
async function png(
  width: number,
  height: number,
  kind: 'gray' | 'gray-as-rgb' | 'colour',
  seed: number,
): Promise<Buffer> {
  const channels = kind === 'gray' ? 1 : 3;
  const data = Buffer.alloc(width * height * channels);
  for (let p = 0; p < width * height; p += 1) {
    const v = (p * 37 + seed * 101) % 256;
    if (channels === 1) data[p] = v;
    else if (kind === 'gray-as-rgb') data.fill(v, p * 3, p * 3 + 3);
    else {
      data[p * 3] = v;
      data[p * 3 + 1] = (v * 7) % 256;
      data[p * 3 + 2] = 255 - v;
    }
  }
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

async function folder(root: string, files: Record<string, Buffer>): Promise<void> {
  for (const [name, bytes] of Object.entries(files)) {
    await mkdir(join(root, name.split('/')[0]!), { recursive: true });
    await writeFile(join(root, name), bytes);
  }
}

describe('image size and colour chosen from the images', () => {
  const tmp = useTempDir();

  it('keeps a size all the images share and stores gray images as grayscale, even when saved as RGB', async () => {
    const root = join(tmp(), 'digits');
    await folder(root, {
      'a/1.png': await png(20, 12, 'gray', 1),
      'a/2.png': await png(20, 12, 'gray-as-rgb', 2),
      'b/1.png': await png(20, 12, 'gray', 3),
      'b/2.png': await png(20, 12, 'gray-as-rgb', 4),
    });
    const meta = await importImages({ path: root, datasetsDir: join(tmp(), 'datasets') });
    expect([meta.width, meta.height, meta.color, meta.channels]).toEqual([20, 12, 'grayscale', 1]);
    expect(meta.chosen).toMatch(/all 20×12, kept; all grayscale/);
  });

  it('stores colour images as RGB, and one colour image among gray ones makes the set RGB', async () => {
    const root = join(tmp(), 'mixed');
    await folder(root, {
      'a/1.png': await png(16, 16, 'gray', 1),
      'a/2.png': await png(16, 16, 'gray', 2),
      'b/1.png': await png(16, 16, 'colour', 3),
      'b/2.png': await png(16, 16, 'gray', 4),
    });
    const meta = await importImages({ path: root, datasetsDir: join(tmp(), 'datasets') });
    expect([meta.width, meta.height, meta.color]).toEqual([16, 16, 'rgb']);
  });

  it('scales a shared large size down to the cap keeping its aspect, and gives varied sizes a square of the median side', () => {
    const big = chooseImageOptions([
      { width: 640, height: 480, gray: false },
      { width: 640, height: 480, gray: false },
    ])!;
    expect([big.width, big.height, big.color]).toEqual([AUTO_SIDE_CAP, 48, 'rgb']);
    const varied = chooseImageOptions([
      { width: 30, height: 30, gray: true },
      { width: 40, height: 40, gray: true },
      { width: 400, height: 100, gray: true },
    ])!;
    expect([varied.width, varied.height, varied.color]).toEqual([40, 40, 'grayscale']);
    expect(chooseImageOptions([])).toBeUndefined();
  });

  it("the user's size or colour wins over the images', and a zip is probed too", async () => {
    const zip = join(tmp(), 'set.zip');
    await writeFile(
      zip,
      zipSync({
        'a/1.png': await png(10, 10, 'colour', 1),
        'a/2.png': await png(10, 10, 'colour', 2),
        'b/1.png': await png(10, 10, 'colour', 3),
      }),
    );
    const auto = await importImages({ path: zip, datasetsDir: join(tmp(), 'd1') });
    expect([auto.width, auto.height, auto.color, auto.count]).toEqual([10, 10, 'rgb', 3]);
    const sized = await importImages({ path: zip, datasetsDir: join(tmp(), 'd2'), options: { width: 8, height: 8 } });
    expect([sized.width, sized.height, sized.color]).toEqual([8, 8, 'rgb']);
    expect(sized.chosen).toMatch(/colour chosen from the images/);
    const given = await importImages({
      path: zip,
      datasetsDir: join(tmp(), 'd3'),
      options: { width: 8, height: 8, color: 'grayscale' },
    });
    expect([given.color, given.chosen]).toEqual(['grayscale', undefined]);
  });

  it('samples evenly across the whole list, so every class is looked at', () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const sample = spreadSample(items, 10);
    expect(sample).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(spreadSample([1, 2], 10)).toEqual([1, 2]);
  });
});
