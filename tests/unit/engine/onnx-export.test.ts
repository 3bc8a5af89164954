import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  GRAPH_SCHEMA_VERSION,
  LAYER_TYPES,
  LAYERS,
  type GraphNode,
  type LayerType,
  type ModelGraph,
} from '../../../app/graph';
import { selectBackend } from '../../../main/engine/process/backend';
import { mulberry32 } from '../../../app/math/seeded-random';
import { buildModel } from '../../../main/engine/process/build-model';
import { modelToOnnxBytes, OnnxExportError, runOnnxFile, writeOnnx } from '../../../main/engine/process/formats/onnx';
import { toFloat16Bits } from '../../../main/engine/process/formats/onnx/float16';
import { decodeModel } from '../../../main/engine/process/formats/onnx/onnx-schema';
import { tempDir } from './fixtures';
import { branching, chain, PALETTE_CHAINS, residual, twoInputsTwoHeads, type Step } from './palette-graphs';

// The engine exports on the backend it trains on (wasm here), so parity is checked against it.
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
});

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('onnx'));
});
afterAll(() => cleanup());

/** Deterministic values in [-1, 1) (the engine's mulberry32), so a failure reproduces. */
function seeded(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() * 2 - 1;
}

/**
 * Fresh models have zero biases, unit variances and zero means: an exporter that dropped them
 * would still agree. Every weight gets random values instead (variances positive).
 */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const random = seeded(seed);
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const shape = w.shape as number[];
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() * 0.8);
      if (/variance$/.test(w.originalName)) data.forEach((v, i) => (data[i] = Math.abs(v) + 0.3));
      return tf.tensor(data, shape);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
}

function inputsFor(model: tf.LayersModel, rows: number, seed: number): tf.Tensor[] {
  const random = seeded(seed);
  return model.inputs.map((input) => {
    const shape = [rows, ...(input.shape.slice(1) as number[])];
    const size = shape.reduce((a, b) => a * b, 1);
    // Embedding tables are indexed by the input: whole numbers below input_dim (20 in the chains).
    const embedded = model.layers.some((l) => l.getClassName() === 'Embedding');
    const data = Float32Array.from({ length: size }, () =>
      embedded ? Math.floor(((random() + 1) / 2) * 20) : random() * 2,
    );
    return tf.tensor(data, shape);
  });
}

function predictAll(model: tf.LayersModel, xs: tf.Tensor[]): Float32Array[] {
  const ys = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(ys) ? ys : [ys];
  const out = list.map((y) => Float32Array.from(y.dataSync()));
  tf.dispose(list);
  return out;
}

function diff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

let counter = 0;
/** Export through the FormatWriter (the path the app takes) and return its outcome. */
async function exportAndCompare(model: tf.LayersModel, float16 = false): Promise<{ maxAbsDiff: number; file: string }> {
  const sub = path.join(dir, `m${counter++}`);
  await import('node:fs/promises').then((fs) => fs.mkdir(sub));
  const [x] = inputsFor(model, 5, counter);
  const [expected] = predictAll(model, [x!]);
  try {
    const outcome = await writeOnnx({ model, dir: sub, x: x!, expected: expected!, float16 });
    expect(outcome.files).toEqual(['model.onnx']);
    expect(outcome.checkedWith).toMatch(/^onnxruntime-node \d+\.\d+\.\d+$/);
    expect(outcome.predictions.length).toBe(expected!.length);
    return { maxAbsDiff: outcome.maxAbsDiff, file: path.join(sub, 'model.onnx') };
  } finally {
    x!.dispose();
  }
}

async function expectParity(graph: ModelGraph, seed = 1): Promise<void> {
  const { model } = buildModel(graph, seed);
  randomizeWeights(model, seed);
  try {
    const { maxAbsDiff } = await exportAndCompare(model);
    expect(maxAbsDiff).toBeLessThanOrEqual(1e-5);
  } finally {
    model.dispose();
  }
}

const img = (shape: number[]): Step => ({ type: 'Reshape', config: { target_shape: shape } });
const flat: Step = { type: 'Flatten' };
const rnnConfig = (units: number, extra: Record<string, unknown> = {}) => ({
  ...LAYERS.GRU.defaults(),
  units,
  ...extra,
});

/** Settings beyond the palette chains: asymmetric 'same' padding, dilation, every activation, both return_sequences, every merge mode. */
const SETTINGS: Record<string, ModelGraph> = {
  'Conv2D same, odd input, stride 2, dilation': chain(
    [75],
    [
      img([5, 5, 3]),
      {
        type: 'Conv2D',
        config: {
          filters: 3,
          kernel_size: [2, 3],
          strides: [1, 1],
          dilation_rate: [2, 1],
          padding: 'same',
          activation: 'elu',
        },
      },
      flat,
    ],
  ),
  'Conv2D same, even kernels (odd padding, the extra at the end)': chain(
    [108],
    [img([6, 6, 3]), { type: 'Conv2D', config: { filters: 2, kernel_size: [2, 4], padding: 'same' } }, flat],
  ),
  'Conv1D valid, no bias, linear': chain(
    [24],
    [
      img([8, 3]),
      { type: 'Conv1D', config: { filters: 2, kernel_size: 4, use_bias: false, activation: 'linear' } },
      flat,
    ],
  ),
  'DepthwiseConv2D valid, stride 2': chain(
    [75],
    [
      img([5, 5, 3]),
      { type: 'DepthwiseConv2D', config: { kernel_size: [2, 2], strides: [2, 2], depth_multiplier: 3 } },
      flat,
    ],
  ),
  'SeparableConv2D same, stride 2, no bias': chain(
    [75],
    [
      img([5, 5, 3]),
      { type: 'SeparableConv2D', config: { filters: 4, strides: [2, 2], padding: 'same', use_bias: false } },
      flat,
    ],
  ),
  'Conv2DTranspose same, kernel shorter than stride': chain(
    [27],
    [
      img([3, 3, 3]),
      { type: 'Conv2DTranspose', config: { filters: 2, kernel_size: [2, 1], strides: [3, 2], padding: 'same' } },
      flat,
    ],
  ),
  'Conv2DTranspose same, odd kernel, stride 1': chain(
    [27],
    [
      img([3, 3, 3]),
      {
        type: 'Conv2DTranspose',
        config: { filters: 2, kernel_size: [3, 2], strides: [1, 1], padding: 'same', activation: 'sigmoid' },
      },
      flat,
    ],
  ),
  'MaxPooling2D same, odd input': chain(
    [75],
    [img([5, 5, 3]), { type: 'MaxPooling2D', config: { pool_size: [2, 2], padding: 'same' } }, flat],
  ),
  'AveragePooling2D valid, strides': chain(
    [108],
    [img([6, 6, 3]), { type: 'AveragePooling2D', config: { pool_size: [3, 2], strides: [2, 1] } }, flat],
  ),
  'MaxPooling1D same, stride 2': chain(
    [14],
    [img([7, 2]), { type: 'MaxPooling1D', config: { pool_size: 2, strides: 2, padding: 'same' } }, flat],
  ),
  'AveragePooling1D same, pool 3 (padding excluded)': chain(
    [14],
    [img([7, 2]), { type: 'AveragePooling1D', config: { pool_size: 3, strides: 2, padding: 'same' } }, flat],
  ),
  'UpSampling2D bilinear': chain(
    [12],
    [img([2, 2, 3]), { type: 'UpSampling2D', config: { size: [2, 3], interpolation: 'bilinear' } }, flat],
  ),
  'BatchNormalization on sequences (axis 2 = last), no scale': chain(
    [12],
    [img([3, 4]), { type: 'BatchNormalization', config: { axis: 2, scale: false } }, flat],
  ),
  'LayerNormalization on a middle axis': chain(
    [12],
    [img([3, 4]), { type: 'LayerNormalization', config: { axis: 1 } }, flat],
  ),
  'LayerNormalization on sequences, no center': chain(
    [12],
    [img([3, 4]), { type: 'LayerNormalization', config: { center: false } }, flat],
  ),
  'SimpleRNN return_sequences, relu, no bias': chain(
    [12],
    [
      img([4, 3]),
      { type: 'SimpleRNN', config: { units: 3, return_sequences: true, activation: 'relu', use_bias: false } },
      flat,
    ],
  ),
  'LSTM last step only': chain([12], [img([4, 3]), { type: 'LSTM', config: { units: 3 } }]),
  'GRU return_sequences, swish/sigmoid': chain(
    [12],
    [img([4, 3]), { type: 'GRU', config: { units: 3, return_sequences: true, activation: 'swish' } }, flat],
  ),
  'stacked LSTM → GRU': chain(
    [12],
    [
      img([4, 3]),
      { type: 'LSTM', config: { units: 4, return_sequences: true } },
      { type: 'GRU', config: { units: 2 } },
    ],
  ),
  'TimeDistributed after LSTM sequences': chain(
    [12],
    [
      img([4, 3]),
      { type: 'LSTM', config: { units: 3, return_sequences: true } },
      {
        type: 'TimeDistributed',
        config: {
          layer: { class_name: 'Dense', config: { ...LAYERS.Dense.defaults(), units: 2, activation: 'selu' } },
        },
      },
      flat,
    ],
  ),
  'Dense on sequences (last axis), then Permute': chain(
    [12],
    [
      img([4, 3]),
      { type: 'Dense', config: { units: 5, activation: 'softplus' } },
      { type: 'Permute', config: { dims: [2, 1] } },
      flat,
    ],
  ),
  'Embedding → LSTM': chain(
    [5],
    [
      { type: 'Embedding', config: { input_dim: 20, output_dim: 3 } },
      { type: 'LSTM', config: { units: 2 } },
    ],
  ),
};
for (const cell of ['SimpleRNN', 'LSTM', 'GRU'] as const) {
  for (const [mode, sequences] of [
    ['concat', true],
    ['sum', false],
    ['mul', true],
    ['ave', false],
  ] as const) {
    SETTINGS[`Bidirectional ${cell} ${mode}${sequences ? ', sequences' : ''}`] = chain(
      [12],
      [
        img([4, 3]),
        {
          type: 'Bidirectional',
          config: {
            merge_mode: mode,
            layer: { class_name: cell, config: rnnConfig(2, { return_sequences: sequences }) },
          },
        },
        ...(sequences ? [flat] : []),
      ],
    );
  }
}
for (const activation of ACTIVATIONS)
  SETTINGS[`Activation ${activation}`] = chain([6], [{ type: 'Activation', config: { activation } }]);

describe('ONNX export: every palette layer agrees with tfjs in onnxruntime-node within 1e-5', () => {
  for (const [name, graph] of Object.entries(PALETTE_CHAINS)) {
    it(name, () => expectParity(graph));
  }

  it('covers the whole palette', () => {
    const covered = new Set<LayerType>(['Concatenate', 'Add', 'Subtract', 'Multiply', 'Average', 'Maximum']);
    for (const graph of [...Object.values(PALETTE_CHAINS), ...Object.values(SETTINGS)])
      for (const n of graph.nodes) covered.add(n.type);
    expect(LAYER_TYPES.filter((t) => !covered.has(t))).toEqual([]);
  });
});

describe('ONNX export: layer settings', () => {
  for (const [name, graph] of Object.entries(SETTINGS)) {
    it(name, () => expectParity(graph, 3));
  }
});

describe('ONNX export: functional graphs', () => {
  for (const merge of ['Concatenate', 'Add', 'Subtract', 'Multiply', 'Average', 'Maximum'] as const) {
    it(`two branches → ${merge}`, () => expectParity(branching(merge)));
  }

  it('Concatenate along the steps axis of two sequence branches', () => {
    const at = (id: string, type: LayerType, config: Record<string, unknown> = {}) =>
      ({ id, type, position: { x: 0, y: 0 }, config: { ...LAYERS[type].defaults(), ...config } }) as GraphNode;
    const edges = (...pairs: [string, string][]) =>
      pairs.map(([source, target], i) => ({ id: `e${i}`, source, target }));
    return expectParity({
      version: GRAPH_SCHEMA_VERSION,
      nodes: [
        at('input', 'Input', { shape: [12] }),
        at('seq', 'Reshape', { target_shape: [4, 3] }),
        at('a', 'Conv1D', { filters: 2, kernel_size: 2 }),
        at('b', 'LSTM', { units: 2, return_sequences: true }),
        at('join', 'Concatenate', { axis: 1 }),
        at('flat', 'Flatten'),
        at('output', 'Output', { units: 3, activation: 'softmax' }),
      ],
      edges: edges(
        ['input', 'seq'],
        ['seq', 'a'],
        ['seq', 'b'],
        ['a', 'join'],
        ['b', 'join'],
        ['join', 'flat'],
        ['flat', 'output'],
      ),
    });
  });

  it('a tf.Sequential model (as TF.js imports may be)', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu' }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    randomizeWeights(model, 4);
    const { maxAbsDiff } = await exportAndCompare(model);
    expect(maxAbsDiff).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });

  it('a residual block (Conv2D, BatchNormalization, Add, pooling)', () => expectParity(residual()));

  it('two inputs, a merge and two heads: names, dynamic batch, both outputs', async () => {
    const { model } = buildModel(twoInputsTwoHeads(), 5);
    randomizeWeights(model, 5);
    const file = path.join(dir, 'two-inputs.onnx');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, modelToOnnxBytes(model)));
    const proto = decodeModel(await readFile(file));
    expect(proto.opsetImport.map((o) => o.version)).toEqual([17]);
    expect(proto.graph.input.map((i) => i.name)).toEqual(['table', 'image']);
    expect(proto.graph.output.map((o) => o.name)).toEqual(['class_head', 'value_head']);
    expect(proto.graph.input[1]!.type.tensorType.shape.dim).toEqual([
      { dimParam: 'batch' },
      { dimValue: 6 },
      { dimValue: 6 },
      { dimValue: 1 },
    ]);
    // An attribute whose value is 0 is still in the file (proto3 would drop it, and readers
    // that check presence would then see no keepdims at all).
    const pooling = proto.graph.node.find((n) => n.opType === 'ReduceMean');
    expect(pooling?.attribute.find((a) => a.name === 'keepdims')).toMatchObject({ type: 2, i: 0 });
    // Different batch sizes run on the same file.
    for (const rows of [1, 7]) {
      const xs = inputsFor(model, rows, rows);
      const expected = predictAll(model, xs);
      const actual = await runOnnxFile(file, xs);
      expect(actual).toHaveLength(2);
      expect(diff(actual[0]!, expected[0]!)).toBeLessThanOrEqual(1e-5);
      expect(diff(actual[1]!, expected[1]!)).toBeLessThanOrEqual(1e-5);
      tf.dispose(xs);
    }
    // The FormatWriter's job has one validation tensor: a two-input model is refused by name.
    const x = tf.zeros([2, 5]);
    await expect(writeOnnx({ model, dir, x, expected: new Float32Array(6) })).rejects.toThrow(/model ".*".* 2 inputs/);
    x.dispose();
    model.dispose();
  });
});

describe('ONNX export: float16 weights', () => {
  it('stores FLOAT16 initializers cast to float, about half the size, within 1e-2', async () => {
    const graph = chain(
      [48],
      [
        img([4, 4, 3]),
        { type: 'Conv2D', config: { filters: 8, padding: 'same' } },
        { type: 'BatchNormalization' },
        flat,
        { type: 'Dense', config: { units: 32 } },
      ],
    );
    const { model } = buildModel(graph, 9);
    randomizeWeights(model, 9);
    const full = await exportAndCompare(model);
    const half = await exportAndCompare(model, true);
    expect(full.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(half.maxAbsDiff).toBeGreaterThan(0);
    expect(half.maxAbsDiff).toBeLessThanOrEqual(1e-2);
    const [fullSize, halfSize] = await Promise.all([readFile(full.file), readFile(half.file)]).then((b) =>
      b.map((x) => x.byteLength),
    );
    expect(halfSize!).toBeLessThan(fullSize! * 0.6);
    const proto = decodeModel(await readFile(half.file));
    const weights = proto.graph.initializer.filter((t) => t.name.includes('kernel'));
    expect(weights.length).toBeGreaterThan(0);
    expect(weights.every((t) => t.dataType === 10)).toBe(true);
    model.dispose();
  });

  it('rounds to nearest even, keeps subnormals, overflows to infinity', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(70000)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });
});

describe('ONNX export: what cannot be mapped is refused by name', () => {
  const refuses = (layer: tf.layers.Layer, inputShape: number[], pattern: RegExp) => {
    const input = tf.input({ shape: inputShape, name: 'x' });
    const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
    try {
      expect(() => modelToOnnxBytes(model)).toThrow(OnnxExportError);
      expect(() => modelToOnnxBytes(model)).toThrow(pattern);
    } finally {
      model.dispose();
    }
  };

  it('an activation ONNX export has no mapping for', () => {
    refuses(
      tf.layers.activation({ name: 'act', activation: 'mish' }),
      [3],
      /layer "act" \(Activation\).*activation = "mish"/,
    );
  });

  it("Conv1D's causal padding", () => {
    refuses(
      tf.layers.conv1d({ name: 'causal_conv', filters: 2, kernelSize: 2, padding: 'causal' }),
      [5, 2],
      /layer "causal_conv" \(Conv1D\).*padding = "causal"/,
    );
  });

  it('channels-first data', () => {
    refuses(
      tf.layers.maxPooling2d({ name: 'cf_pool', poolSize: 2, dataFormat: 'channelsFirst' }),
      [2, 4, 4],
      /layer "cf_pool" \(MaxPooling2D\).*data_format = "channelsFirst"/,
    );
  });

  it('BatchNormalization on an axis tfjs does not normalise correctly', () => {
    refuses(
      tf.layers.batchNormalization({ name: 'bn_mid', axis: 1 }),
      [3, 4],
      /layer "bn_mid" \(BatchNormalization\).*axis = 1.*use axis -1/,
    );
  });

  it('a layer class outside the palette', () => {
    refuses(
      tf.layers.gaussianNoise({ name: 'noise', stddev: 0.1 }),
      [3],
      /layer "noise" \(GaussianNoise\).*no mapping/,
    );
  });
});
