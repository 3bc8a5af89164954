import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShardWriter } from '../../../main/data/images/shard-writer';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the image shard writer', () => {
  it('stores every image in order, across its write buffer filling and shards closing at any point', async () => {
    // 300,000-byte images: the ~1 MiB write buffer holds 3, a shard 7, so buffer flushes and
    // shard ends fall at different images; 17 images end mid-shard and mid-buffer.
    const imageBytes = 300_000;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-shards-'));
    dirs.push(dir);
    const writer = new ShardWriter(dir, imageBytes, 7);
    const images = Array.from({ length: 17 }, (_, i) => new Uint8Array(imageBytes).map((_, j) => (i * 31 + j) & 0xff));
    for (const image of images) await writer.append(image);
    const shards = await writer.finish();
    expect(shards.map((s) => s.count)).toEqual([7, 7, 3]);
    expect((await readdir(dir)).sort()).toEqual(shards.map((s) => s.file));
    const stored = Buffer.concat(await Promise.all(shards.map((s) => readFile(path.join(dir, s.file)))));
    expect(stored.equals(Buffer.concat(images))).toBe(true);
  });
});
