import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importModelFile, MAX_MODEL_WEIGHT_BYTES } from '../../../main/engine/shared/import/import-model';
import { deflatedZeros, zipOf } from '../data/zip-bombs';

/**
 * Memory bombs in model files (issue 13): each is a real file built here, refused with a message
 * naming the file and the limit before the memory it asks for is allocated.
 */

const MiB = 1024 * 1024;
let tmp: string;
let topology: unknown;

beforeAll(async () => {
  await h5wasm.ready;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-model-bombs-'));
  const model = tf.sequential({ layers: [tf.layers.dense({ name: 'd', units: 2, inputShape: [3] })] });
  topology = model.toJSON(null, false);
  model.dispose();
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function refusal(file: string): Promise<{ message: string; grownMiB: number }> {
  const before = process.memoryUsage().rss;
  const message = await importModelFile(file).then(
    () => 'imported',
    (e: Error) => e.message,
  );
  return { message, grownMiB: (process.memoryUsage().rss - before) / MiB };
}

describe('model files built to exhaust memory', () => {
  it('refuses a model.json that names one 8 MiB shard 100 times, before reading it', async () => {
    const dir = path.join(tmp, 'repeat');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    await writeFile(path.join(dir, 'shard.bin'), Buffer.alloc(8 * MiB));
    await writeFile(
      path.join(dir, 'model.json'),
      JSON.stringify({
        modelTopology: topology,
        weightsManifest: [
          {
            paths: Array.from({ length: 100 }, () => 'shard.bin'),
            weights: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }],
          },
        ],
      }),
    );
    const { message, grownMiB } = await refusal(path.join(dir, 'model.json'));
    expect(message).toBe(
      `${path.join(dir, 'model.json')} is refused: it names the weights file shard.bin more than once.`,
    );
    expect(grownMiB).toBeLessThan(200);
  });

  it('refuses a manifest whose weights come to more than the limit, before allocating them', async () => {
    const dir = path.join(tmp, 'huge');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    await writeFile(path.join(dir, 'w.bin'), Buffer.alloc(24));
    await writeFile(
      path.join(dir, 'model.json'),
      JSON.stringify({
        modelTopology: topology,
        weightsManifest: [
          { paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [300_000_000, 2], dtype: 'float32' }] },
        ],
      }),
    );
    const { message, grownMiB } = await refusal(path.join(dir, 'model.json'));
    expect(message).toMatch(/model\.json is refused: its weights come to more than 512 MiB \(at weight d\/kernel\)/);
    expect(grownMiB).toBeLessThan(200);
    expect(MAX_MODEL_WEIGHT_BYTES).toBe(512 * MiB);
  });

  it('refuses a 2 MiB .keras whose weights file unpacks to 2 GiB, stopping early', async () => {
    const file = path.join(tmp, 'bomb.keras');
    await writeFile(
      file,
      zipOf([
        {
          name: 'config.json',
          data: Buffer.from(JSON.stringify(topology)),
          method: 0,
          declaredSize: JSON.stringify(topology).length,
        },
        { name: 'model.weights.h5', data: deflatedZeros(2048 * MiB), method: 8, declaredSize: 2048 * MiB - 1 },
      ]),
    );
    const { message, grownMiB } = await refusal(file);
    expect(message).toMatch(
      /^bomb\.keras is refused: it unpacks more than 20 times larger than its 2 MiB .*"model\.weights\.h5"/,
    );
    // Before: the whole 2 GiB was inflated into memory. Now it stops after ~40 MiB.
    expect(grownMiB).toBeLessThan(300);
  });

  it('refuses a 3 KiB .h5 whose compressed kernel declares 1.2 GB, before HDF5 inflates it', async () => {
    const file = path.join(tmp, 'bomb.h5');
    const h5 = new h5wasm.File(file, 'w');
    h5.create_attribute('model_config', JSON.stringify(topology));
    const layer = h5.create_group('model_weights').create_group('d');
    layer.create_attribute('weight_names', ['d/kernel:0', 'd/bias:0']);
    const inner = layer.create_group('d');
    const kernel = inner.create_dataset({
      name: 'kernel:0',
      data: new Float32Array(1024),
      shape: [512, 2],
      dtype: '<f',
      maxshape: [null, 2],
      chunks: [512, 2],
      compression: 'gzip',
    } as Parameters<typeof inner.create_dataset>[0]);
    kernel.resize([150_000_000, 2]);
    inner.create_dataset({ name: 'bias:0', data: new Float32Array(2), shape: [2], dtype: '<f' });
    h5.close();
    const { message, grownMiB } = await refusal(file);
    expect(message).toMatch(/bomb\.h5 is refused: its weights come to more than 512 MiB \(at weight d\/kernel:0\)/);
    expect(grownMiB).toBeLessThan(200);
  });
});
