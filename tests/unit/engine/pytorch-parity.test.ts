import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, LAYERS, type ModelGraph } from '../../../app/graph';
import { generateModelPy, modelSpec, npyBytes, npzBytes, torchPython } from '../../../main/export/pytorch';
import { modelParts } from '../../../main/engine/process/formats/pytorch';
import { selectBackend } from '../../../main/engine/process/backend';
import { buildModel } from '../../../main/engine/process/build-model';
import { tempDir } from './fixtures';
import { branching, chain, PALETTE_CHAINS, residual, twoInputsTwoHeads } from './palette-graphs';

/**
 * model.py against the in-app model, layer type by layer type: every palette graph (and the
 * settings whose Keras semantics PyTorch does not share by default: 'same' padding with odd
 * sizes, bilinear upsampling, transposed convolutions with kernel < stride, every activation,
 * recurrent layers with other activations, every merge, several inputs and heads), with random
 * weights, run in one Python process. Skipped, saying why, where /usr/bin/python3 has no torch.
 */
const missing = torchMissing('PyTorch export parity');

const EXTRA: Record<string, ModelGraph> = {
  'MaxPooling2D (same, odd)': chain(
    [75],
    [
      { type: 'Reshape', config: { target_shape: [5, 5, 3] } },
      { type: 'MaxPooling2D', config: { pool_size: [2, 2], strides: [2, 2], padding: 'same' } },
      { type: 'Flatten' },
    ],
  ),
  'MaxPooling1D (same)': chain(
    [10],
    [
      { type: 'Reshape', config: { target_shape: [5, 2] } },
      { type: 'MaxPooling1D', config: { pool_size: 2, strides: 2, padding: 'same' } },
      { type: 'Flatten' },
    ],
  ),
  'UpSampling2D (bilinear)': chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [2, 2, 3] } },
      { type: 'UpSampling2D', config: { size: [2, 3], interpolation: 'bilinear' } },
      { type: 'Flatten' },
    ],
  ),
  'Conv2DTranspose (kernel < stride)': chain(
    [48],
    [
      { type: 'Reshape', config: { target_shape: [4, 4, 3] } },
      { type: 'Conv2DTranspose', config: { filters: 2, kernel_size: [1, 2], strides: [3, 3], padding: 'valid' } },
      { type: 'Conv2DTranspose', config: { filters: 2, kernel_size: [4, 1], strides: [2, 3], padding: 'same' } },
      { type: 'Flatten' },
    ],
  ),
  'Conv2D (same, even kernel, stride 2, odd size)': chain(
    [75],
    [
      { type: 'Reshape', config: { target_shape: [5, 5, 3] } },
      { type: 'Conv2D', config: { filters: 3, kernel_size: [4, 2], strides: [2, 2], padding: 'same' } },
      { type: 'Flatten' },
    ],
  ),
  'LSTM (relu, hard activations)': chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [6, 2] } },
      { type: 'LSTM', config: { units: 3, activation: 'relu', recurrent_activation: 'tanh' } },
    ],
  ),
  'SimpleRNN (relu, sequences)': chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [6, 2] } },
      { type: 'SimpleRNN', config: { units: 3, activation: 'relu', return_sequences: true } },
      { type: 'Flatten' },
    ],
  ),
  'Dense on sequences': chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [4, 3] } },
      { type: 'Dense', config: { units: 2 } },
      { type: 'Flatten' },
    ],
  ),
  'BatchNormalization (no scale)': chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [4, 3] } },
      { type: 'BatchNormalization', config: { scale: false } },
      { type: 'Flatten' },
    ],
  ),
  // Keras counts the batch as axis 0: axis 2 of a [4, 3] sequence is its last axis, the features.
  'BatchNormalization (axis 2 of a sequence: the last)': chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [4, 3] } },
      { type: 'BatchNormalization', config: { axis: 2, center: false } },
      { type: 'Flatten' },
    ],
  ),
  residual: residual(),
  'two inputs, two heads': twoInputsTwoHeads(),
};
for (const activation of ACTIVATIONS)
  EXTRA[`Dense (${activation})`] = chain([6], [{ type: 'Dense', config: { units: 4, activation } }]);
for (const merge of ['Concatenate', 'Add', 'Subtract', 'Multiply', 'Average', 'Maximum'] as const)
  EXTRA[merge] = branching(merge);

const GRAPHS = { ...PALETTE_CHAINS, ...EXTRA };

/** Deterministic values in [0, 1) (a 32-bit LCG), so a failure reproduces. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Random weights (positive variances), so an exporter that dropped a bias or a statistic would not agree. */
function randomize(model: tf.LayersModel, seed: number): void {
  const random = seeded(seed);
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const shape = w.shape as number[];
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (random() * 2 - 1) * 0.8);
      if (/variance$/.test(w.originalName)) data.forEach((v, i) => (data[i] = Math.abs(v) + 0.3));
      return tf.tensor(data, shape);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
}

const CHECK_PY = String.raw`
import importlib.util, json, sys
import numpy as np, torch
torch.set_num_threads(1)
results = {}
for case in json.load(open(sys.argv[1])):
    try:
        spec = importlib.util.spec_from_file_location("model_" + str(len(results)), case["dir"] + "/model.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        model = module.load_model(case["dir"] + "/weights.npz")
        xs = [torch.from_numpy(np.load(f"{case['dir']}/x{i}.npy")) for i in range(case["inputs"])]
        with torch.no_grad():
            out = model(*xs)
        outs = out if isinstance(out, tuple) else (out,)
        diff = max(float(np.abs(o.numpy() - np.load(f"{case['dir']}/y{i}.npy")).max()) for i, o in enumerate(outs))
        # The weights written back for Layerlab are the Keras weights the model was exported with.
        back = dict(module.keras_weights(model))
        roundtrip = max([float(np.abs(back[name] - np.load(f"{case['dir']}/k{i}.npy")).max())
                         for i, name in enumerate(case["weights"])] or [0.0])
        results[case["name"]] = {"diff": diff, "roundtrip": roundtrip, "outputs": len(outs)}
    except Exception as error:
        results[case["name"]] = {"error": f"{type(error).__name__}: {error}"}
print(json.dumps(results))
`;
import { torchMissing } from '../main/torchrun';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let results: Record<string, { diff?: number; roundtrip?: number; outputs?: number; error?: string }> = {};

describe.skipIf(missing !== null)('PyTorch export: model.py computes what the in-app model computes', () => {
  beforeAll(async () => {
    await selectBackend({ force: 'wasm' });
    ({ dir, cleanup } = await tempDir('pytorch'));
    const cases = [];
    let k = 0;
    for (const [name, graph] of Object.entries(GRAPHS)) {
      const { model } = buildModel(graph, 1);
      randomize(model, 100 + k);
      const caseDir = path.join(dir, `case${k++}`);
      await mkdir(caseDir);
      const { topology, weights, shapes } = modelParts(model);
      const generated = generateModelPy(modelSpec(topology, weights, shapes), '"""test"""');
      await writeFile(path.join(caseDir, 'model.py'), generated.source);
      await writeFile(path.join(caseDir, 'weights.npz'), npzBytes(generated.stateDict));
      // The Keras weights in KERAS_WEIGHTS' order, to compare the written-back weights with.
      const byName = new Map(weights.map((w) => [w.name, w]));
      for (const [i, m] of generated.mapping.entries()) {
        const w = byName.get(m.keras)!;
        await writeFile(path.join(caseDir, `k${i}.npy`), npyBytes({ shape: w.shape, values: w.values }));
      }
      const random = seeded(7 + k);
      const embedding = graph.nodes.some((n) => n.type === 'Embedding');
      const xs = model.inputs.map((input) => {
        const shape = [6, ...input.shape.slice(1).map((d) => d ?? 1)];
        const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () =>
          embedding ? Math.floor(random() * 20) : random() * 4 - 2,
        );
        return tf.tensor(values, shape);
      });
      const predicted = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
      const outs = Array.isArray(predicted) ? predicted : [predicted];
      for (const [i, x] of xs.entries())
        await writeFile(
          path.join(caseDir, `x${i}.npy`),
          npyBytes({ shape: x.shape, values: x.dataSync() as Float32Array }),
        );
      for (const [i, y] of outs.entries())
        await writeFile(
          path.join(caseDir, `y${i}.npy`),
          npyBytes({ shape: y.shape, values: y.dataSync() as Float32Array }),
        );
      tf.dispose([...xs, ...outs]);
      model.dispose();
      cases.push({ name, dir: caseDir, inputs: xs.length, weights: generated.mapping.map((m) => m.keras) });
    }
    await writeFile(path.join(dir, 'cases.json'), JSON.stringify(cases));
    const stdout = execFileSync(torchPython(), ['-c', CHECK_PY, path.join(dir, 'cases.json')], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
      maxBuffer: 16 << 20,
    });
    results = JSON.parse(stdout) as typeof results;
  }, 180_000);
  afterAll(() => cleanup());

  it('covers every palette layer type', () => {
    const covered = new Set(Object.values(GRAPHS).flatMap((g) => g.nodes.map((n) => n.type)));
    const missingTypes = Object.keys(LAYERS).filter((t) => !covered.has(t as keyof typeof LAYERS));
    expect(missingTypes).toEqual([]);
  });

  it.each(Object.keys(GRAPHS))(
    '%s: forward pass within 1e-5 of the in-app model, weights written back exactly',
    (name) => {
      const r = results[name];
      expect(r?.error).toBeUndefined();
      expect(r!.diff).toBeLessThanOrEqual(1e-5);
      expect(r!.roundtrip).toBe(0);
    },
  );

  it('several inputs and heads: forward takes each input and returns each head', () => {
    expect(results['two inputs, two heads']?.outputs).toBe(2);
  });
});

describe('PyTorch export: what model.py could not reproduce is refused, naming the layer', () => {
  beforeAll(() => selectBackend({ force: 'wasm' }));

  // tfjs' batchNorm kernels apply channel k % C's statistics to flat element k whatever the axis,
  // so a BatchNormalization on any axis but the last is not what nn.BatchNorm (or Keras) computes.
  it.each([
    ['axis 1 of a sequence', [12], [4, 3], 1],
    ['axis 2 of an image', [24], [2, 3, 4], 2],
    ['axis -2 of an image', [24], [2, 3, 4], -2],
  ] as const)('BatchNormalization on %s', (_, input, shape, axis) => {
    const graph = chain(
      [...input],
      [
        { type: 'Reshape', config: { target_shape: [...shape] } },
        { id: 'norm', type: 'BatchNormalization', config: { axis } },
        { type: 'Flatten' },
      ],
    );
    const { model } = buildModel(graph, 1);
    try {
      const { topology, weights, shapes } = modelParts(model);
      expect(() => generateModelPy(modelSpec(topology, weights, shapes), '')).toThrow(
        `Cannot export layer "norm" (BatchNormalization) to PyTorch: axis ${axis} — TF.js normalises any axis but the last along the last axis instead`,
      );
    } finally {
      model.dispose();
    }
  });
});
