import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../main/engine/process/backend';
import { buildModel } from '../../../main/engine/process/build-model';
import { dirHandler, loadModel, saveModel } from '../../../main/engine/process/model-io';
import { chainGraph, tempDir } from './fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('model-io');
});
afterAll(async () => {
  await tmp.cleanup();
});

const graph = chainGraph(
  [3],
  [
    { type: 'Dense', units: 5 },
    { type: 'Dropout', rate: 0.2 },
  ],
  { units: 2, activation: 'softmax' },
);
const x = () => tf.tensor2d([0.1, -2, 3, 1, 1, 1, -0.5, 0.25, 8], [3, 3]);

async function predict(model: tf.LayersModel): Promise<number[]> {
  const input = x();
  const y = model.predict(input) as tf.Tensor;
  const values = Array.from(await y.data());
  tf.dispose([input, y]);
  return values;
}

/** A static file server: the way a browser would fetch an exported model. */
async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, path.basename(new URL(req.url ?? '/', 'http://x').pathname));
    createReadStream(file)
      .on('error', () => res.writeHead(404).end())
      .pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('dirHandler: the TF.js Layers format on disk', () => {
  it('writes model.json + weights.bin as tfjs does, and loads them back exactly', async () => {
    const dir = path.join(tmp.dir, 'roundtrip');
    const { model } = buildModel(graph, 3);
    await saveModel(model, dir);
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toBe(`TensorFlow.js tfjs-layers v${tf.version.tfjs}`);
    expect(json.convertedBy).toBeNull();
    expect(json.modelTopology.class_name).toBe('Model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual([
      'l1/kernel',
      'l1/bias',
      'output/kernel',
      'output/bias',
    ]);
    expect((await stat(path.join(dir, 'weights.bin'))).size).toBe(model.countParams() * 4);

    const loaded = await loadModel(dir);
    expect(await predict(loaded)).toEqual(await predict(model));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    loaded.dispose();
    model.dispose();
  });

  it('is loadable by stock tf.loadLayersModel over HTTP, as in a browser', async () => {
    const dir = path.join(tmp.dir, 'served');
    const { model } = buildModel(graph, 4);
    await saveModel(model, dir);
    const server = await serve(dir);
    try {
      const loaded = await tf.loadLayersModel(`${server.url}/model.json`);
      expect(await predict(loaded)).toEqual(await predict(model));
      loaded.dispose();
    } finally {
      await server.close();
      model.dispose();
    }
  });

  it('says which folder holds no model', async () => {
    const dir = path.join(tmp.dir, 'empty');
    await mkdir(dir, { recursive: true });
    await expect(loadModel(dir)).rejects.toThrow(`There is no model in ${dir}: model.json is missing.`);
  });

  it('refuses weight paths that leave the model folder', async () => {
    const dir = path.join(tmp.dir, 'escape');
    const { model } = buildModel(graph, 5);
    await saveModel(model, dir);
    model.dispose();
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.weightsManifest[0].paths = ['../../../etc/passwd'];
    await writeFile(file, JSON.stringify(json));
    await expect(tf.loadLayersModel(dirHandler(dir))).rejects.toThrow(/outside its folder/);
  });
});
