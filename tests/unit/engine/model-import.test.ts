import { mkdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphNode, ModelGraph } from '../../../app/graph/schema';
import { selectBackend } from '../../../main/engine/process/backend';
import { main } from '../../../main/cli/main';
import { ModelGraph as ModelGraphSchema } from '../../../app/graph/schema';
import { buildModel } from '../../../main/engine/process/build-model';
import { importModelFile, type ImportedModel } from '../../../main/engine/shared/import/import-model';
import { encodeWeights, readWeightsFile } from '../../../main/engine/shared/import/weights-file';
import { dirHandler, loadModel } from '../../../main/engine/process/model-io';
import { train } from '../../../main/engine/process/train';
import { config, tempDir, writeIris } from './fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  await h5wasm.ready;
  tmp = await tempDir('model-import');
});
afterAll(async () => {
  await tmp.cleanup();
});

function sequentialModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ name: 'hidden', units: 8, activation: 'relu', inputShape: [4] }),
      tf.layers.dropout({ name: 'drop', rate: 0.1 }),
      tf.layers.dense({ name: 'head', units: 3, activation: 'softmax' }),
    ],
  });
}

/** Two branches from one input, joined by Concatenate. */
function functionalModel(): tf.LayersModel {
  const input = tf.input({ shape: [4], name: 'features' });
  const a = tf.layers.dense({ name: 'branch_a', units: 6, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.dense({ name: 'branch_b', units: 5, activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate({ name: 'joined' }).apply([a, b]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'head', units: 3, activation: 'softmax' }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** The model's config as Keras writes it into model_config / config.json. */
const kerasConfig = (model: tf.LayersModel) => JSON.stringify(model.toJSON(null, false));

/** Every weight by layer, in layer order, as [layer name, weight name, shape, values]. */
function weightsOf(model: tf.LayersModel): { layer: string; name: string; shape: number[]; values: Float32Array }[] {
  return model.layers.flatMap((layer) =>
    layer.weights.map((w) => ({
      layer: layer.name,
      name: w.originalName.split('/').slice(1).join('/'),
      shape: [...w.shape] as number[],
      values: w.read().dataSync() as Float32Array,
    })),
  );
}

function groupPath(root: InstanceType<typeof h5wasm.File>, parts: string[]): InstanceType<typeof h5wasm.Group> {
  let group: InstanceType<typeof h5wasm.Group> = root;
  for (const part of parts) {
    const existing = group.get(part);
    group = existing instanceof h5wasm.Group ? existing : group.create_group(part);
  }
  return group;
}

/** Keras 2 HDF5 layout: attrs model_config; model_weights/<layer>/<layer>/<weight>:0, listed in weight_names. */
function writeKeras2H5(model: tf.LayersModel, file: string): void {
  const h5 = new h5wasm.File(file, 'w');
  h5.create_attribute('model_config', kerasConfig(model));
  const byLayer = new Map<string, ReturnType<typeof weightsOf>>();
  for (const w of weightsOf(model)) byLayer.set(w.layer, [...(byLayer.get(w.layer) ?? []), w]);
  groupPath(h5, ['model_weights']);
  for (const [layer, list] of byLayer) {
    const group = groupPath(h5, ['model_weights', layer]);
    group.create_attribute(
      'weight_names',
      list.map((w) => `${layer}/${w.name}:0`),
    );
    const inner = groupPath(h5, ['model_weights', layer, layer]);
    for (const w of list) inner.create_dataset({ name: `${w.name}:0`, data: w.values, shape: w.shape, dtype: '<f' });
  }
  h5.close();
}

function writeKeras2H5Dir(model: tf.LayersModel, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeKeras2H5(model, path.join(dir, 'model.h5'));
}

/**
 * Keras 3 .keras: a zip of config.json and model.weights.h5 (layers/<key>/vars/<i>), where Keras
 * keys a layer by its snake_cased class name numbered in layer order, not by its name: the keys
 * below are what Keras 3.15 writes for functionalModel().
 */
const KERAS3_KEYS: Record<string, string> = { branch_a: 'dense', branch_b: 'dense_1', head: 'dense_2' };
async function writeKeras3(model: tf.LayersModel, file: string): Promise<void> {
  const h5file = `${file}.weights.h5`;
  const h5 = new h5wasm.File(h5file, 'w');
  const byLayer = new Map<string, ReturnType<typeof weightsOf>>();
  for (const w of weightsOf(model)) byLayer.set(w.layer, [...(byLayer.get(w.layer) ?? []), w]);
  for (const [layer, list] of byLayer) {
    const vars = groupPath(h5, ['layers', KERAS3_KEYS[layer] ?? layer, 'vars']);
    list.forEach((w, i) => vars.create_dataset({ name: String(i), data: w.values, shape: w.shape, dtype: '<f' }));
  }
  h5.close();
  const { readFile } = await import('node:fs/promises');
  await writeFile(
    file,
    zipSync({
      'config.json': new TextEncoder().encode(kerasConfig(model)),
      'model.weights.h5': await readFile(h5file),
    }),
  );
}

/** Imported graph → built model: every weight bit-identical to the original's and predictions equal. */
function expectSameModel(original: tf.LayersModel, imported: ImportedModel): void {
  const built = buildModel(imported.graph, 1, imported.weights);
  expect(built.freshNodes).toEqual([]);
  const originalWeights = weightsOf(original);
  const builtWeights = weightsOf(built.model);
  expect(builtWeights.map((w) => [w.layer, w.name, w.shape])).toEqual(
    originalWeights.map((w) => [w.layer, w.name, w.shape]),
  );
  builtWeights.forEach((w, i) => {
    const a = new Uint32Array(w.values.buffer, w.values.byteOffset, w.values.length);
    const b = new Uint32Array(
      originalWeights[i]!.values.buffer,
      originalWeights[i]!.values.byteOffset,
      originalWeights[i]!.values.length,
    );
    expect(Array.from(a), `${w.layer}/${w.name}`).toEqual(Array.from(b));
  });
  const x = tf.tensor2d([
    [5.1, 3.5, 1.4, 0.2],
    [6.7, 3.1, 4.7, 1.5],
    [-1, 0, 2, 9],
  ]);
  const expected = (original.predict(x) as tf.Tensor).arraySync();
  const actual = (built.model.predict(x) as tf.Tensor).arraySync();
  expect(actual).toEqual(expected);
  built.model.dispose();
}

describe('model import', () => {
  it('imports a Sequential TF.js model.json with its weights: graph, bit-identical weights, equal predictions', async () => {
    const model = sequentialModel();
    const dir = path.join(tmp.dir, 'seq-tfjs');
    await model.save(dirHandler(dir));
    const imported = await importModelFile(path.join(dir, 'model.json'));
    expect(imported.graph.nodes.map((n) => [n.id, n.type])).toEqual([
      ['input', 'Input'],
      ['hidden', 'Dense'],
      ['drop', 'Dropout'],
      ['head', 'Output'],
    ]);
    expect(imported.graph.edges.map((e) => `${e.source}>${e.target}`)).toEqual([
      'input>hidden',
      'hidden>drop',
      'drop>head',
    ]);
    expectSameModel(model, imported);
  });

  it('imports a functional model with a branch and Concatenate from model.json, Keras .h5 and .keras alike', async () => {
    const model = functionalModel();
    const dir = path.join(tmp.dir, 'functional');
    await model.save(dirHandler(dir));
    writeKeras2H5(model, path.join(dir, 'model.h5'));
    await writeKeras3(model, path.join(dir, 'model.keras'));
    for (const file of ['model.json', 'model.h5', 'model.keras']) {
      const imported = await importModelFile(path.join(dir, file));
      // The merge takes its inputs in edge order: branch_a first, as in the original.
      expect(
        imported.graph.edges.filter((e) => e.target === 'joined').map((e) => e.source),
        file,
      ).toEqual(['branch_a', 'branch_b']);
      expect(imported.graph.nodes.find((n) => n.id === 'head')?.type).toBe('Output');
      expectSameModel(model, imported);
    }
  });

  it('names every unsupported layer and setting in one error, dropping nothing', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          name: 'hidden',
          units: 4,
          inputShape: [3],
          kernelConstraint: tf.constraints.maxNorm({ maxValue: 2 }),
        }),
        tf.layers.leakyReLU({ name: 'leaky' }),
        tf.layers.dense({ name: 'head', units: 1 }),
      ],
    });
    const dir = path.join(tmp.dir, 'unsupported');
    await model.save(dirHandler(dir));
    const error = await importModelFile(path.join(dir, 'model.json')).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/layer "leaky" is a LeakyReLU/);
    expect((error as Error).message).toMatch(/layer "hidden": kernel_constraint .* is not supported/);
  });

  it('refuses a file it cannot read with a message naming it', async () => {
    const file = path.join(tmp.dir, 'not-a-model.h5');
    await writeFile(file, 'hello');
    await expect(importModelFile(file)).rejects.toThrow(/not-a-model\.h5 is not a readable HDF5 file/);
    await expect(importModelFile(path.join(tmp.dir, 'x.onnx'))).rejects.toThrow(
      /imports a TF\.js model\.json, a Keras \.h5 or a Keras \.keras file/,
    );
  });

  it("trains a new head on a frozen imported backbone: frozen weights unchanged after an epoch, the head's changed", async () => {
    const model = sequentialModel();
    const dir = path.join(tmp.dir, 'frozen');
    await model.save(dirHandler(path.join(dir, 'source')));
    const imported = await importModelFile(path.join(dir, 'source', 'model.json'));
    const weightsFile = path.join(dir, 'graph.weights.bin');
    await writeFile(weightsFile, encodeWeights(imported.weights));
    expect((await readWeightsFile(weightsFile)).get('hidden')?.[0]?.values).toEqual(
      imported.weights.get('hidden')?.[0]?.values,
    );
    const graph: ModelGraph = {
      ...imported.graph,
      nodes: imported.graph.nodes.map((n): GraphNode => (n.id === 'hidden' ? { ...n, trainable: false } : n)),
    };

    const runDir = path.join(dir, 'run');
    await mkdir(runDir, { recursive: true });
    const data = await writeIris(path.join(dir, 'data'));
    const outcome = await train({
      runId: 'frozen',
      runDir,
      data,
      graph,
      config: config({ epochs: 1 }),
      initialWeights: weightsFile,
    });
    expect(outcome.status, outcome.error ?? '').toBe('completed');
    const trained = await loadModel(path.join(runDir, 'model'));
    const before = new Map(weightsOf(model).map((w) => [`${w.layer}/${w.name}`, w.values]));
    const after = new Map(weightsOf(trained).map((w) => [`${w.layer}/${w.name}`, w.values]));
    expect(after.get('hidden/kernel')).toEqual(before.get('hidden/kernel'));
    expect(after.get('hidden/bias')).toEqual(before.get('hidden/bias'));
    expect(after.get('head/kernel')).not.toEqual(before.get('head/kernel'));
    trained.dispose();
  });

  it('layerlab graph writes GRAPH.json and GRAPH.weights.bin beside it, and names the file it cannot convert', async () => {
    const model = functionalModel();
    const dir = path.join(tmp.dir, 'cli');
    writeKeras2H5Dir(model, dir);
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => lines.push(chunk) > 0) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['graph', '--from', path.join(dir, 'model.h5'), '--out', path.join(dir, 'out', 'graph.json')]);
    } finally {
      process.stdout.write = write;
    }
    expect(code, lines.join('')).toBe(0);
    expect(lines.join('')).toContain(`Imported model.h5: 5 layers, ${model.countParams()} parameters`);
    const { readFile } = await import('node:fs/promises');
    const graph = ModelGraphSchema.parse(JSON.parse(await readFile(path.join(dir, 'out', 'graph.json'), 'utf8')));
    expect(graph.weights).toBe('graph.weights.bin');
    const weights = await readWeightsFile(path.join(dir, 'out', graph.weights!));
    expect([...weights.keys()].sort()).toEqual(['branch_a', 'branch_b', 'head']);
    expect(await main(['graph', '--from', path.join(dir, 'missing.keras'), '--out', path.join(dir, 'x.json')])).toBe(1);
  });
});
