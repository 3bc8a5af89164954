import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../../app/engine/protocol';
import { littleEndianBytes } from '../../../main/data/binary';
import { subsetOrder, writeOrderedTrain } from '../../../main/services/learning-curve';
import { readF32 } from '../data/temp-dir';

/**
 * The learning curve's training split in its seeded order, written without reading x_train whole
 * (issue 19): read a block at a time and put in place through bucket files. Whatever the block
 * and bucket sizes, row i of the result is row order[i] of x_train (and of y_train), so each
 * subset (a prefix) holds the same rows as before.
 */

const ROWS = 103;
const IN = 3;
const OUT = 2;
/** Row r, column c of x is r * 10 + c: every row tells which row it came from. */
const xValue = (r: number, c: number) => r * 10 + c;
const yValue = (r: number, c: number) => -(r * 10 + c);

function matrix(rows: number, width: number, value: (r: number, c: number) => number): Float32Array {
  return Float32Array.from({ length: rows * width }, (_, i) => value(Math.floor(i / width), i % width));
}

describe('writeOrderedTrain', () => {
  let dir: string;
  let data: PreparedData;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-curve-order-'));
    await writeFile(path.join(dir, 'x_train.f32'), littleEndianBytes(matrix(ROWS, IN, xValue)));
    await writeFile(path.join(dir, 'y_train.f32'), littleEndianBytes(matrix(ROWS, OUT, yValue)));
    data = {
      dir,
      inputWidth: IN,
      outputWidth: OUT,
      trainRows: ROWS,
      valRows: 1,
      preprocessing: {
        format: 'layerlab-preprocessing',
        version: 1,
        task: 'regression',
        target: 't',
        features: [],
        inputOrder: [],
      },
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['in memory (one bucket)', {}],
    ['in blocks of 5 rows through buckets of 4', { blockRows: 5, bucketRows: 4 }],
    ['a row at a time through buckets of 1', { blockRows: 1, bucketRows: 1 }],
  ])('puts row order[i] at row i of x and y: %s', async (_, sizes) => {
    const order = subsetOrder(ROWS, 7);
    const out = path.join(dir, 'ordered');
    const ordered = await writeOrderedTrain(data, order, out, sizes);
    const x = await readF32(ordered.x!);
    const y = await readF32(ordered.y);
    expect(x).toEqual([...matrix(ROWS, IN, (i, c) => xValue(order[i]!, c))]);
    expect(y).toEqual([...matrix(ROWS, OUT, (i, c) => yValue(order[i]!, c))]);
    // Only the two ordered files are left: the bucket files are scratch.
    expect((await readdir(out)).sort()).toEqual(['x_train.f32', 'y_train.f32']);
  });

  it('orders only y for images, whose x stays in the shards', async () => {
    const order = subsetOrder(ROWS, 3);
    const images = { ...data, images: { train: [] } } as unknown as PreparedData;
    const ordered = await writeOrderedTrain(images, order, path.join(dir, 'ordered'), { blockRows: 8, bucketRows: 8 });
    expect(ordered.x).toBeNull();
    expect(existsSync(path.join(dir, 'ordered', 'x_train.f32'))).toBe(false);
    expect(await readF32(ordered.y)).toEqual([...matrix(ROWS, OUT, (i, c) => yValue(order[i]!, c))]);
  });

  it('names the prepared file that does not match its rows', async () => {
    await writeFile(path.join(dir, 'x_train.f32'), littleEndianBytes(matrix(ROWS - 1, IN, xValue)));
    await expect(writeOrderedTrain(data, subsetOrder(ROWS, 1), path.join(dir, 'ordered'))).rejects.toThrow(
      /x_train\.f32 has \d+ bytes, but 103 rows × 3 values/,
    );
  });
});
