import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../main/engine/process/backend';
import { buildModel } from '../../../main/engine/process/build-model';
import { writeH5, writeKeras } from '../../../main/engine/process/formats/keras';
import type { FormatJob } from '../../../main/engine/process/formats/format-writer';
import { predictAll } from '../../../main/engine/process/formats/predictions';
import { importModelFile } from '../../../main/engine/shared/import/import-model';
import { tempDir } from './fixtures';
import { PALETTE_CHAINS } from './palette-graphs';

/**
 * The Keras writers, checked against what Keras itself writes. The paths, names and config
 * fields expected below were taken from files saved by Keras 3.15.1 (model.save(".keras") and
 * its saving_lib layout) and from tf.keras 2's legacy HDF5 layout, not from the writer's code;
 * the files are read back here with h5wasm directly.
 */

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await selectBackend({ force: 'cpu' });
  await h5wasm.ready;
  tmp = await tempDir('keras-export');
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Deterministic, non-trivial weights (BatchNormalization's variances stay positive). */
function fillWeights(model: tf.LayersModel, seed: number): void {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const data = Float32Array.from({ length: n }, () =>
        w.originalName.endsWith('moving_variance') ? 0.5 + Math.abs(next()) : next(),
      );
      return tf.tensor(data, w.shape as number[]);
    });
    if (values.length) layer.setWeights(values);
    tf.dispose(values);
  }
}

/** seq (6×3) → lstm → gru → bi(LSTM) → hidden → bn, concatenated with bi's output → head. */
function sequenceModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 3], name: 'seq' });
  const lstm = tf.layers
    .lstm({ name: 'lstm', units: 4, returnSequences: true, recurrentActivation: 'sigmoid' })
    .apply(input) as tf.SymbolicTensor;
  const gru = tf.layers
    .gru({ name: 'gru', units: 3, returnSequences: true, recurrentActivation: 'sigmoid' })
    .apply(lstm) as tf.SymbolicTensor;
  const bi = tf.layers
    .bidirectional({
      name: 'bi',
      layer: tf.layers.lstm({ name: 'bi_rnn', units: 2, recurrentActivation: 'sigmoid' }) as tf.RNN,
      mergeMode: 'concat',
    })
    .apply(gru) as tf.SymbolicTensor;
  const hidden = tf.layers
    .dense({
      name: 'hidden',
      units: 5,
      activation: 'relu',
      kernelInitializer: 'glorotUniform',
      kernelRegularizer: tf.regularizers.l1l2({ l1: 0, l2: 0.01 }),
    })
    .apply(bi) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(hidden) as tf.SymbolicTensor;
  const join = tf.layers.concatenate({ name: 'join' }).apply([bi, bn]) as tf.SymbolicTensor;
  const head = tf.layers.dense({ name: 'head', units: 2, activation: 'softmax' }).apply(join) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: head, name: 'sequence_model' });
  fillWeights(model, 7);
  return model;
}

function convModel(): tf.LayersModel {
  const input = tf.input({ shape: [5, 5, 2], name: 'image' });
  const conv = tf.layers
    .conv2d({ name: 'conv', filters: 3, kernelSize: [3, 2], padding: 'same', activation: 'relu' })
    .apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(conv) as tf.SymbolicTensor;
  const head = tf.layers.dense({ name: 'head', units: 1 }).apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: head });
  fillWeights(model, 11);
  return model;
}

function embeddingModel(): tf.LayersModel {
  const input = tf.input({ shape: [4], name: 'tokens' });
  const emb = tf.layers.embedding({ name: 'emb', inputDim: 10, outputDim: 3 }).apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(emb) as tf.SymbolicTensor;
  const head = tf.layers.dense({ name: 'head', units: 2, activation: 'softmax' }).apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: head });
  fillWeights(model, 13);
  return model;
}

function inputsFor(model: tf.LayersModel): tf.Tensor {
  const shape = model.inputs[0]!.shape.slice(1) as number[];
  const n = 7 * shape.reduce((a, b) => a * b, 1);
  const tokens = model.layers.some((l) => l.getClassName() === 'Embedding');
  return tf.tensor(
    Array.from({ length: n }, (_, i) => (tokens ? (i * 7) % 10 : Math.sin(i * 1.7) * 2)),
    [7, ...shape],
  );
}

async function jobFor(model: tf.LayersModel, name: string): Promise<FormatJob> {
  const dir = path.join(tmp.dir, name);
  await mkdir(dir, { recursive: true });
  const x = inputsFor(model);
  return { model, dir, x, expected: await predictAll(model, x) };
}

/** The values of the model's weight `layer/name` (tfjs' original name). */
function weightOf(model: tf.LayersModel, originalName: string): { shape: number[]; values: Float32Array } {
  const w = model.weights.find((v) => v.originalName === originalName);
  if (!w) throw new Error(`no weight ${originalName}`);
  return { shape: w.shape as number[], values: w.read().dataSync() as Float32Array };
}

type H5 = InstanceType<typeof h5wasm.File>;
function dataset(h5: H5, at: string): { shape: number[]; values: Float32Array } {
  const ds = h5.get(at);
  if (!(ds instanceof h5wasm.Dataset)) throw new Error(`${at} is not a dataset`);
  expect(ds.dtype, at).toBe('<f');
  return { shape: [...(ds.shape ?? [])], values: ds.value as Float32Array };
}

function groupAt(h5: H5, at: string): InstanceType<typeof h5wasm.Group> {
  const group = h5.get(at);
  if (!(group instanceof h5wasm.Group)) throw new Error(`${at} is not a group`);
  return group;
}

/** Bit-for-bit equal float32 arrays. */
function expectSameBits(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(Array.from(new Uint32Array(actual.buffer, actual.byteOffset, actual.length)), label).toEqual(
    Array.from(new Uint32Array(expected.buffer, expected.byteOffset, expected.length)),
  );
}

async function openKerasWeights(file: string): Promise<{ entries: Record<string, Uint8Array>; h5: H5 }> {
  const entries = unzipSync(await readFile(file));
  const h5path = `${file}.weights.h5`;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(h5path, entries['model.weights.h5']!);
  return { entries, h5: new h5wasm.File(h5path, 'r') };
}

describe('Keras 3 .keras export', () => {
  it('writes config.json, metadata.json and model.weights.h5 as Keras 3 does, with every weight where Keras looks for it', async () => {
    const model = sequenceModel();
    const job = await jobFor(model, 'sequence-keras');
    const outcome = await writeKeras(job);
    expect(outcome.files).toEqual(['model.keras']);
    expect(outcome.checkedWith).toBe(`h5wasm read-back + tfjs ${tf.version.tfjs}`);
    expect(outcome.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(outcome.predictions.length).toBe(job.expected.length);

    const { entries, h5 } = await openKerasWeights(path.join(job.dir, 'model.keras'));
    try {
      expect(Object.keys(entries)).toEqual(['metadata.json', 'config.json', 'model.weights.h5']);
      const metadata = JSON.parse(new TextDecoder().decode(entries['metadata.json']));
      expect(Object.keys(metadata)).toEqual(['keras_version', 'date_saved']);
      expect(metadata.keras_version).toMatch(/^3\.\d+\.\d+$/);
      expect(metadata.date_saved).toMatch(/^\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}$/);

      const config = JSON.parse(new TextDecoder().decode(entries['config.json']));
      expect(config).toMatchObject({
        module: 'keras.src.models.functional',
        class_name: 'Functional',
        registered_name: 'Functional',
        compile_config: null,
      });
      expect(config.config.input_layers).toEqual(['seq', 0, 0]);
      expect(config.config.output_layers).toEqual(['head', 0, 0]);
      const layers = config.config.layers as {
        module: string;
        class_name: string;
        name: string;
        config: Record<string, unknown>;
        inbound_nodes: unknown[];
        build_config?: unknown;
      }[];
      expect(layers.map((l) => [l.class_name, l.name])).toEqual([
        ['InputLayer', 'seq'],
        ['LSTM', 'lstm'],
        ['GRU', 'gru'],
        ['Bidirectional', 'bi'],
        ['Dense', 'hidden'],
        ['BatchNormalization', 'bn'],
        ['Concatenate', 'join'],
        ['Dense', 'head'],
      ]);
      expect(layers.every((l) => l.module === 'keras.layers')).toBe(true);
      const byName = new Map(layers.map((l) => [l.name, l]));
      expect(byName.get('seq')!.config).toEqual({
        batch_shape: [null, 6, 3],
        dtype: 'float32',
        sparse: false,
        name: 'seq',
      });
      // Keras' words, not tfjs': snake_case keys, Keras class names, a module on every object, no tfjs-only keys.
      const lstm = byName.get('lstm')!.config;
      expect(lstm).toMatchObject({
        units: 4,
        activation: 'tanh',
        recurrent_activation: 'sigmoid',
        return_sequences: true,
        unit_forget_bias: false,
      });
      // tfjs' RNN default, VarianceScaling(1, fan_avg, "normal"), is what Keras calls GlorotNormal.
      expect(lstm.kernel_initializer).toEqual({
        module: 'keras.initializers',
        class_name: 'GlorotNormal',
        config: { seed: null },
        registered_name: null,
      });
      expect(lstm.recurrent_initializer).toMatchObject({ module: 'keras.initializers', class_name: 'Orthogonal' });
      expect(lstm).not.toHaveProperty('implementation');
      expect(byName.get('gru')!.config.reset_after).toBe(false);
      expect(byName.get('hidden')!.config.kernel_regularizer).toEqual({
        module: 'keras.regularizers',
        class_name: 'L1L2',
        config: { l1: 0, l2: 0.01 },
        registered_name: null,
      });
      const bi = byName.get('bi')!.config as {
        merge_mode: string;
        layer: { class_name: string; config: Record<string, unknown> };
        backward_layer: { config: Record<string, unknown> };
      };
      expect(bi.merge_mode).toBe('concat');
      expect([bi.layer.class_name, bi.layer.config.name, bi.layer.config.go_backwards]).toEqual([
        'LSTM',
        'forward_bi_rnn',
        false,
      ]);
      expect([bi.backward_layer.config.name, bi.backward_layer.config.go_backwards]).toEqual(['backward_bi_rnn', true]);
      expect(byName.get('hidden')!.build_config).toEqual({ input_shape: [null, 4] });
      // Keras 3 inbound nodes: a merge takes one argument, the list of its input tensors.
      expect(byName.get('join')!.inbound_nodes).toEqual([
        {
          args: [
            [
              {
                class_name: '__keras_tensor__',
                config: { shape: [null, 4], dtype: 'float32', keras_history: ['bi', 0, 0] },
              },
              {
                class_name: '__keras_tensor__',
                config: { shape: [null, 5], dtype: 'float32', keras_history: ['bn', 0, 0] },
              },
            ],
          ],
          kwargs: {},
        },
      ]);
      expect(byName.get('lstm')!.inbound_nodes).toEqual([
        {
          args: [
            {
              class_name: '__keras_tensor__',
              config: { shape: [null, 6, 3], dtype: 'float32', keras_history: ['seq', 0, 0] },
            },
          ],
          kwargs: {},
        },
      ]);

      // model.weights.h5: layers keyed by snake_cased class name (numbered when repeated), variables in the object that owns them.
      const expected: [string, string][] = [
        ['layers/lstm/cell/vars/0', 'lstm/kernel'],
        ['layers/lstm/cell/vars/1', 'lstm/recurrent_kernel'],
        ['layers/lstm/cell/vars/2', 'lstm/bias'],
        ['layers/gru/cell/vars/0', 'gru/kernel'],
        ['layers/gru/cell/vars/1', 'gru/recurrent_kernel'],
        ['layers/gru/cell/vars/2', 'gru/bias'],
        ['layers/bidirectional/forward_layer/cell/vars/0', 'bi/forward_bi_rnn/kernel'],
        ['layers/bidirectional/forward_layer/cell/vars/2', 'bi/forward_bi_rnn/bias'],
        ['layers/bidirectional/backward_layer/cell/vars/0', 'bi/backward_bi_rnn/kernel'],
        ['layers/bidirectional/backward_layer/cell/vars/1', 'bi/backward_bi_rnn/recurrent_kernel'],
        ['layers/dense/vars/0', 'hidden/kernel'],
        ['layers/dense/vars/1', 'hidden/bias'],
        ['layers/batch_normalization/vars/0', 'bn/gamma'],
        ['layers/batch_normalization/vars/1', 'bn/beta'],
        ['layers/batch_normalization/vars/2', 'bn/moving_mean'],
        ['layers/batch_normalization/vars/3', 'bn/moving_variance'],
        ['layers/dense_1/vars/0', 'head/kernel'],
        ['layers/dense_1/vars/1', 'head/bias'],
      ];
      for (const [at, weight] of expected) {
        const read = dataset(h5, at);
        const original = weightOf(model, weight);
        expect(read.shape, at).toEqual(original.shape);
        expectSameBits(read.values, original.values, at);
      }
      expect(dataset(h5, 'layers/lstm/cell/vars/0').shape).toEqual([3, 16]);
      expect(dataset(h5, 'layers/gru/cell/vars/2').shape).toEqual([9]);
      // Every object has its vars group (empty for those without variables), named as Keras names it.
      for (const at of [
        'vars',
        'layers/input_layer/vars',
        'layers/lstm/vars',
        'layers/concatenate/vars',
        'layers/bidirectional/vars',
        'layers/bidirectional/forward_layer/vars',
      ]) {
        const group = h5.get(at);
        expect(group instanceof h5wasm.Group, at).toBe(true);
      }
      expect((h5.get('layers/concatenate/vars') as InstanceType<typeof h5wasm.Group>).keys()).toEqual([]);
      expect(groupAt(h5, 'layers/dense/vars').attrs.name?.json_value).toBe('hidden');
      expect(groupAt(h5, 'layers/lstm/cell/vars').attrs.name?.json_value).toBe('lstm_cell');
      expect(groupAt(h5, 'layers/bidirectional/backward_layer/vars').attrs.name?.json_value).toBe('backward_bi_rnn');
      expect((h5.get('layers/lstm') as InstanceType<typeof h5wasm.Group>).keys().sort()).toEqual(['cell', 'vars']);
    } finally {
      h5.close();
    }
    job.x.dispose();
    model.dispose();
  });

  it('Conv2D and Embedding: kernels and embeddings at Keras 3 paths, bit for bit', async () => {
    for (const [name, build, paths] of [
      [
        'conv-keras',
        convModel,
        [
          ['layers/conv2d/vars/0', 'conv/kernel', [3, 2, 2, 3]],
          ['layers/conv2d/vars/1', 'conv/bias', [3]],
          ['layers/dense/vars/0', 'head/kernel', [75, 1]],
        ],
      ],
      [
        'embedding-keras',
        embeddingModel,
        [
          ['layers/embedding/vars/0', 'emb/embeddings', [10, 3]],
          ['layers/dense/vars/1', 'head/bias', [2]],
        ],
      ],
    ] as const) {
      const model = build();
      const job = await jobFor(model, name);
      const outcome = await writeKeras(job);
      expect(outcome.maxAbsDiff, name).toBeLessThanOrEqual(1e-5);
      const { h5 } = await openKerasWeights(path.join(job.dir, 'model.keras'));
      try {
        for (const [at, weight, shape] of paths) {
          const read = dataset(h5, at);
          expect(read.shape, at).toEqual(shape);
          expectSameBits(read.values, weightOf(model, weight).values, at);
        }
      } finally {
        h5.close();
      }
      job.x.dispose();
      model.dispose();
    }
  });
});

describe('legacy Keras .h5 export', () => {
  it('writes model_config and model_weights exactly as tf.keras 2 saves them, each weight under its TensorFlow name', async () => {
    const model = sequenceModel();
    const job = await jobFor(model, 'sequence-h5');
    const outcome = await writeH5(job);
    expect(outcome.files).toEqual(['model.h5']);
    expect(outcome.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(outcome.checkedWith).toBe(`h5wasm read-back + tfjs ${tf.version.tfjs}`);

    const h5 = new h5wasm.File(path.join(job.dir, 'model.h5'), 'r');
    try {
      expect(h5.attrs.keras_version?.json_value).toMatch(/^2\.\d+\.\d+$/);
      expect(h5.attrs.backend?.json_value).toBe('tensorflow');
      const modelConfig = JSON.parse(String(h5.attrs.model_config?.json_value));
      expect(modelConfig.class_name).toBe('Functional');
      expect(modelConfig.config.input_layers).toEqual([['seq', 0, 0]]);
      expect(modelConfig.config.output_layers).toEqual([['head', 0, 0]]);
      const layers = modelConfig.config.layers as {
        class_name: string;
        name: string;
        config: Record<string, unknown>;
        inbound_nodes: unknown;
      }[];
      const byName = new Map(layers.map((l) => [l.name, l]));
      expect(byName.get('seq')!.config).toEqual({
        batch_input_shape: [null, 6, 3],
        dtype: 'float32',
        sparse: false,
        ragged: false,
        name: 'seq',
      });
      expect(byName.get('join')!.inbound_nodes).toEqual([
        [
          ['bi', 0, 0, {}],
          ['bn', 0, 0, {}],
        ],
      ]);
      expect(byName.get('lstm')!.config.kernel_initializer).toEqual({
        class_name: 'GlorotNormal',
        config: { seed: null },
      });
      expect(byName.get('hidden')!.config.kernel_initializer).toEqual({
        class_name: 'GlorotUniform',
        config: { seed: null },
      });
      expect(byName.get('gru')!.config.reset_after).toBe(false);
      const bi = byName.get('bi')!.config as { layer: { class_name: string; config: Record<string, unknown> } };
      expect([bi.layer.class_name, bi.layer.config.name]).toEqual(['LSTM', 'bi_rnn']);

      const weights = h5.get('model_weights') as InstanceType<typeof h5wasm.Group>;
      expect(weights.attrs.layer_names?.json_value).toEqual([
        'seq',
        'lstm',
        'gru',
        'bi',
        'hidden',
        'bn',
        'join',
        'head',
      ]);
      expect(weights.attrs.backend?.json_value).toBe('tensorflow');
      const names = (layer: string) => groupAt(h5, `model_weights/${layer}`).attrs.weight_names?.json_value;
      expect(names('lstm')).toEqual([
        'lstm/lstm_cell/kernel:0',
        'lstm/lstm_cell/recurrent_kernel:0',
        'lstm/lstm_cell/bias:0',
      ]);
      expect(names('gru')).toEqual(['gru/gru_cell/kernel:0', 'gru/gru_cell/recurrent_kernel:0', 'gru/gru_cell/bias:0']);
      expect(names('bi')).toEqual([
        'bi/forward_bi_rnn/lstm_cell/kernel:0',
        'bi/forward_bi_rnn/lstm_cell/recurrent_kernel:0',
        'bi/forward_bi_rnn/lstm_cell/bias:0',
        'bi/backward_bi_rnn/lstm_cell/kernel:0',
        'bi/backward_bi_rnn/lstm_cell/recurrent_kernel:0',
        'bi/backward_bi_rnn/lstm_cell/bias:0',
      ]);
      expect(names('hidden')).toEqual(['hidden/kernel:0', 'hidden/bias:0']);
      expect(names('bn')).toEqual(['bn/gamma:0', 'bn/beta:0', 'bn/moving_mean:0', 'bn/moving_variance:0']);
      expect(names('join')).toEqual([]);
      for (const [at, weight] of [
        ['model_weights/lstm/lstm/lstm_cell/kernel:0', 'lstm/kernel'],
        ['model_weights/gru/gru/gru_cell/bias:0', 'gru/bias'],
        ['model_weights/bi/bi/backward_bi_rnn/lstm_cell/recurrent_kernel:0', 'bi/backward_bi_rnn/recurrent_kernel'],
        ['model_weights/hidden/hidden/kernel:0', 'hidden/kernel'],
        ['model_weights/bn/bn/moving_variance:0', 'bn/moving_variance'],
        ['model_weights/head/head/bias:0', 'head/bias'],
      ] as const) {
        const read = dataset(h5, at);
        const original = weightOf(model, weight);
        expect(read.shape, at).toEqual(original.shape);
        expectSameBits(read.values, original.values, at);
      }
    } finally {
      h5.close();
    }
    job.x.dispose();
    model.dispose();
  });

  it('Conv2D and Embedding: weight_names and values', async () => {
    for (const [name, build, layer, list] of [
      ['conv-h5', convModel, 'conv', ['conv/kernel:0', 'conv/bias:0']],
      ['embedding-h5', embeddingModel, 'emb', ['emb/embeddings:0']],
    ] as const) {
      const model = build();
      const job = await jobFor(model, name);
      expect((await writeH5(job)).maxAbsDiff, name).toBeLessThanOrEqual(1e-5);
      const h5 = new h5wasm.File(path.join(job.dir, 'model.h5'), 'r');
      try {
        expect(groupAt(h5, `model_weights/${layer}`).attrs.weight_names?.json_value).toEqual(list);
        for (const weightName of list)
          expectSameBits(
            dataset(h5, `model_weights/${layer}/${weightName}`).values,
            weightOf(model, weightName.replace(':0', '')).values,
            weightName,
          );
      } finally {
        h5.close();
      }
      job.x.dispose();
      model.dispose();
    }
  });
});

describe('Keras export round trip and refusals', () => {
  it('the model importer reads both files back into the same graph with bit-identical weights', async () => {
    for (const [name, build] of [
      ['sequence', sequenceModel],
      ['conv', convModel],
      ['embedding', embeddingModel],
    ] as const) {
      const model = build();
      const job = await jobFor(model, `${name}-roundtrip`);
      await writeKeras(job);
      await writeH5(job);
      const graphs: string[] = [];
      for (const file of ['model.keras', 'model.h5']) {
        const imported = await importModelFile(path.join(job.dir, file));
        const built = buildModel(imported.graph, 1, imported.weights);
        expect(built.freshNodes, `${name} ${file}`).toEqual([]);
        expect(
          built.model.weights.map((w) => w.shape),
          `${name} ${file}`,
        ).toEqual(model.weights.map((w) => w.shape));
        built.model.weights.forEach((w, i) =>
          expectSameBits(
            w.read().dataSync() as Float32Array,
            model.weights[i]!.read().dataSync() as Float32Array,
            `${name} ${file} ${w.originalName}`,
          ),
        );
        expect(await predictAll(built.model, job.x)).toEqual(job.expected);
        graphs.push(JSON.stringify(imported.graph.nodes.map((n) => [n.id, n.type, n.config])));
        built.model.dispose();
      }
      expect(graphs[0], `${name}: .keras and .h5 import into the same graph`).toBe(graphs[1]);
      job.x.dispose();
      model.dispose();
    }
  });

  it("palette layers whose Keras config is spelled differently from Layerlab's also round-trip, with parity", async () => {
    // One-element lists (Conv1D, pooling 1D, LayerNormalization's axis), dilation_rate [1, 1] where
    // Layerlab has none, GRU's reset_after=False, Keras 3's backward_layer copy, nested cells.
    const labels = [
      'Conv1D (same, dilated)',
      'AveragePooling1D',
      'LayerNormalization',
      'SeparableConv2D',
      'DepthwiseConv2D',
      'SimpleRNN',
      'Bidirectional (GRU, sum, sequences)',
      'TimeDistributed',
    ];
    for (const label of labels) {
      const graph = PALETTE_CHAINS[label]!;
      const model = buildModel(graph, 5).model;
      const job = await jobFor(model, `palette-${label.replace(/[^A-Za-z0-9]+/g, '-')}`);
      for (const [file, writer] of [
        ['model.keras', writeKeras],
        ['model.h5', writeH5],
      ] as const) {
        expect((await writer(job)).maxAbsDiff, `${label} ${file}`).toBeLessThanOrEqual(1e-5);
        const imported = await importModelFile(path.join(job.dir, file));
        expect(
          imported.graph.nodes.map((n) => n.type),
          `${label} ${file}`,
        ).toEqual(graph.nodes.map((n) => n.type));
        const built = buildModel(imported.graph, 1, imported.weights);
        expect(built.freshNodes, `${label} ${file}`).toEqual([]);
        built.model.weights.forEach((w, i) =>
          expectSameBits(
            w.read().dataSync() as Float32Array,
            model.weights[i]!.read().dataSync() as Float32Array,
            `${label} ${file} ${w.originalName}`,
          ),
        );
        built.model.dispose();
      }
      job.x.dispose();
      model.dispose();
    }
  });

  it('refuses float16, layers Keras export does not cover, and activations that mean something else in Keras 3, naming them', async () => {
    const model = convModel();
    const job = await jobFor(model, 'refusals');
    await expect(writeKeras({ ...job, float16: true })).rejects.toThrow(
      /float32 weights; float16 weights apply to the ONNX and TF\.js exports/,
    );
    await expect(writeH5({ ...job, float16: true })).rejects.toThrow(/float32 weights/);
    job.x.dispose();
    model.dispose();

    const input = tf.input({ shape: [3], name: 'x' });
    const leaky = tf.layers.leakyReLU({ name: 'leaky' }).apply(input) as tf.SymbolicTensor;
    const withLeaky = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ name: 'out', units: 1 }).apply(leaky) as tf.SymbolicTensor,
    });
    const leakyJob = await jobFor(withLeaky, 'refusals-leaky');
    await expect(writeKeras(leakyJob)).rejects.toThrow(/layer "leaky" is a LeakyReLU/);
    leakyJob.x.dispose();
    withLeaky.dispose();

    // tfjs' default recurrent activation: Keras 3's hard_sigmoid is a different function.
    const seq = tf.input({ shape: [4, 2], name: 's' });
    const rnn = tf.layers.lstm({ name: 'rnn', units: 2 }).apply(seq) as tf.SymbolicTensor;
    const hard = tf.model({
      inputs: seq,
      outputs: tf.layers.dense({ name: 'out', units: 1 }).apply(rnn) as tf.SymbolicTensor,
    });
    const hardJob = await jobFor(hard, 'refusals-hard');
    await expect(writeKeras(hardJob)).rejects.toThrow(
      /layer "rnn": recurrent_activation "hard_sigmoid" cannot be written/,
    );
    hardJob.x.dispose();
    hard.dispose();
  });
});
