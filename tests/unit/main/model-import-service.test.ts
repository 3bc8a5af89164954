import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskShape } from '../../../app/dataset/task';
import { fitGraphToData } from '../../../app/graph/templates';
import type { GraphNode, ModelGraph } from '../../../app/graph/schema';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { selectBackend } from '../../../main/engine/process/backend';
import { dirHandler, loadModel } from '../../../main/engine/process/model-io';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;
let projectId: string;

beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-model-import-service-'));
  services = createServices({ workspace: path.join(tmp, 'workspace'), mode: 'host', dataRoots: [tmp] });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
  projectId = (await api.invoke('project.create', { name: 'Transfer' })).id;
  const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
  await api.invoke('dataset.importText', { projectId, fileName: 'iris.csv', text });
  await api.invoke('project.save', { projectId, taskSpec: { target: 'species', task: 'classification' } });
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

/** A small pretrained-looking model: a backbone Dense and a softmax head over iris' 4 features. */
function irisModel(extra: tf.layers.Layer[] = []): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        name: 'backbone',
        units: 8,
        activation: 'relu',
        inputShape: [4],
        biasInitializer: 'randomNormal',
      }),
      ...extra,
      tf.layers.dense({ name: 'head', units: 3, activation: 'softmax' }),
    ],
  });
}

/** The files a user would choose: model.json and its shard, as the renderer sends them. */
async function modelFiles(model: tf.LayersModel, name: string): Promise<{ name: string; data: string }[]> {
  const dir = path.join(tmp, name);
  await model.save(dirHandler(dir));
  const names = await readdir(dir);
  return Promise.all(
    names.map(async (n) => ({ name: n, data: (await readFile(path.join(dir, n))).toString('base64') })),
  );
}

const kernelOf = (model: tf.LayersModel, layer: string) =>
  Array.from(model.getLayer(layer).getWeights()[0]!.dataSync());

describe('model.import: a model file into the project', () => {
  it('stores the weights in the project, names them in the saved graph, and trains from them with a frozen backbone', async () => {
    const original = irisModel();
    const files = await modelFiles(original, 'pretrained');
    const { state, summary } = await api.invoke('model.import', { projectId, files });
    expect(summary).toEqual({
      file: 'model.json',
      layers: 3,
      params: 4 * 8 + 8 + 8 * 3 + 3,
      layersWithWeights: 2,
      frozen: 0,
    });
    const graph = state.project.graph!;
    expect(graph.weights).toMatch(/^models\/model-[0-9a-f]{6}\.weights\.bin$/);
    expect(existsSync(path.join(state.path, graph.weights!))).toBe(true);
    expect(graph.nodes.map((n) => n.type)).toEqual(['Input', 'Dense', 'Output']);

    // The editor freezes the backbone; the graph keeps its weights reference through run.start.
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(state.dataset!, taskSpec);
    const frozen: ModelGraph = fitGraphToData(
      { ...graph, nodes: graph.nodes.map((n): GraphNode => (n.id === 'backbone' ? { ...n, trainable: false } : n)) },
      shape.inputWidth,
      shape.head,
    );
    const ended = new Promise<EventPayload<'run.ended'>>((resolve) => {
      const off = api.on('run.ended', (p) => {
        off();
        resolve(p);
      });
    });
    await api.invoke('run.start', {
      projectId,
      taskSpec,
      graph: frozen,
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 2, batchSize: 16 },
    });
    const { run } = await ended;
    expect(run.status, run.error ?? '').toBe('completed');
    const trained = await loadModel(path.join(services.projects.runDir(projectId, run.id), 'model'));
    expect(kernelOf(trained, 'backbone')).toEqual(kernelOf(original, 'backbone'));
    expect(Array.from(trained.getLayer('backbone').getWeights()[1]!.dataSync())).toEqual(
      Array.from(original.getLayer('backbone').getWeights()[1]!.dataSync()),
    );
    // The head started from the imported values and trained away from them.
    expect(kernelOf(trained, 'head')).not.toEqual(kernelOf(original, 'head'));
    trained.dispose();
    original.dispose();
  }, 120_000);

  it('names unsupported layers and missing files, never the temporary folder', async () => {
    const unsupported = await modelFiles(irisModel([tf.layers.leakyReLU({ name: 'leaky' })]), 'unsupported');
    await expect(api.invoke('model.import', { projectId, files: unsupported })).rejects.toThrow(
      /layer "leaky" is a LeakyReLU/,
    );
    const noShard = (await modelFiles(irisModel(), 'no-shard')).filter((f) => f.name === 'model.json');
    const error = await api.invoke('model.import', { projectId, files: noShard }).catch((e: Error) => e);
    expect(String(error)).toMatch(/model\.json needs the weights file weights\.bin beside it/);
    expect(String(error)).not.toMatch(/layerlab-model-import-/);
    await expect(api.invoke('model.import', { projectId, files: [{ name: 'weights.bin', data: '' }] })).rejects.toThrow(
      /None of the chosen files \(weights\.bin\) is a model/,
    );
    await expect(
      api.invoke('model.import', { projectId, files: [{ name: '../model.json', data: '' }] }),
    ).rejects.toThrow(/plain name, without folders/);
    await expect(
      api.invoke('model.import', {
        projectId,
        files: [
          { name: 'a.h5', data: '' },
          { name: 'b.keras', data: '' },
        ],
      }),
    ).rejects.toThrow(/one model at a time: a\.h5 and b\.keras/);
    await expect(
      api.invoke('model.import', {
        projectId,
        files: [{ name: 'bad.h5', data: Buffer.from('hello').toString('base64') }],
      }),
    ).rejects.toThrow(/^.*bad\.h5 is not a readable HDF5 file/);
  });

  it("takes a path on the main side's machine too (absolute only)", async () => {
    await modelFiles(irisModel(), 'by-path');
    const { summary } = await api.invoke('model.import', { projectId, path: path.join(tmp, 'by-path', 'model.json') });
    expect(summary.layersWithWeights).toBe(2);
    await expect(api.invoke('model.import', { projectId, path: 'by-path/model.json' })).rejects.toThrow(
      /is not an absolute path/,
    );
    await expect(api.invoke('model.import', { projectId })).rejects.toThrow(/either the model files or a path/);
  });

  it('refuses a graph whose weights reference leaves the project folder', async () => {
    const state = await api.invoke('project.open', { projectId });
    const graph = { ...state.project.graph!, weights: '../../../etc/passwd' };
    await expect(
      api.invoke('run.start', {
        projectId,
        taskSpec: { target: 'species', task: 'classification' },
        graph,
        trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 1 },
      }),
    ).rejects.toThrow(/weights file "\.\.\/\.\.\/\.\.\/etc\/passwd" must be inside the project folder/);
  });
});
