import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph, LAYER_TYPES, type ModelGraph } from '../../../app/graph';
import { selectBackend } from '../../../main/engine/process/backend';
import { buildModel } from '../../../main/engine/process/build-model';
import { branching, PALETTE_CHAINS, residual, twoInputsTwoHeads } from './palette-graphs';

beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
});

/** Every node: tfjs' output shape and parameter count equal analyzeGraph's, and so do the totals. */
function expectAgreement(graph: ModelGraph): tf.LayersModel {
  const analysis = analyzeGraph(graph);
  expect(analysis.issues).toEqual([]);
  const { model } = buildModel(graph, 7);
  for (const node of graph.nodes) {
    const layer = model.getLayer(node.id);
    const info = analysis.nodes[node.id]!;
    expect(layer.outputShape, `${node.id} (${node.type}) output shape`).toEqual([null, ...info.outputShape!]);
    expect(layer.countParams(), `${node.id} (${node.type}) params`).toBe(info.params);
  }
  expect(model.countParams()).toBe(analysis.totalParams);
  expect(model.layers).toHaveLength(graph.nodes.length);
  return model;
}

describe('every palette layer: graph → tfjs model agrees with analyzeGraph', () => {
  for (const [name, graph] of Object.entries(PALETTE_CHAINS)) {
    it(name, () => {
      const model = expectAgreement(graph);
      // The model runs: one forward pass gives the shape the graph promised.
      const input = model.inputs[0]!;
      const x = name.startsWith('Embedding')
        ? tf.zeros([2, ...(input.shape.slice(1) as number[])])
        : tf.randomNormal([2, ...(input.shape.slice(1) as number[])], 0, 1, 'float32', 1);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 3]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([x, y]);
      model.dispose();
    });
  }

  it('covers the whole palette', () => {
    const covered = new Set<string>([
      'Input',
      'Output',
      'Concatenate',
      'Add',
      'Subtract',
      'Multiply',
      'Average',
      'Maximum',
    ]);
    for (const graph of Object.values(PALETTE_CHAINS)) for (const n of graph.nodes) covered.add(n.type);
    expect(LAYER_TYPES.filter((t) => !covered.has(t))).toEqual([]);
  });
});

describe('functional graphs: branches, merges, several inputs and heads', () => {
  for (const merge of ['Concatenate', 'Add', 'Subtract', 'Multiply', 'Average', 'Maximum'] as const) {
    it(`Dense → two branches → ${merge} → Output`, () => {
      const model = expectAgreement(branching(merge));
      expect(model.getLayer('merge').outputShape).toEqual([null, merge === 'Concatenate' ? 16 : 8]);
      model.dispose();
    });
  }

  it('Concatenate joins branches of different widths in edge order', () => {
    const model = expectAgreement(branching('Concatenate', [5, 3]));
    expect(model.getLayer('merge').outputShape).toEqual([null, 8]);
    model.dispose();
  });

  it('Subtract is the first connected input minus the second', () => {
    const graph = branching('Subtract');
    const { model } = buildModel(graph, 3);
    const x = tf.randomNormal([4, 4], 0, 1, 'float32', 2);
    const trunk = tf.model({
      inputs: model.inputs,
      outputs: [
        model.getLayer('left').output as tf.SymbolicTensor,
        model.getLayer('right').output as tf.SymbolicTensor,
        model.getLayer('merge').output as tf.SymbolicTensor,
      ],
    });
    const [l, r, m] = trunk.predict(x) as tf.Tensor[];
    const expected = tf.sub(l!, r!);
    expect(Array.from(m!.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([x, l!, r!, m!, expected]);
    model.dispose();
  });

  it('two inputs, a Conv2D branch, a Concatenate and two Output heads', () => {
    const model = expectAgreement(twoInputsTwoHeads());
    expect(model.inputs.map((i) => i.shape)).toEqual([
      [null, 5],
      [null, 6, 6, 1],
    ]);
    expect(model.outputs.map((o) => o.shape)).toEqual([
      [null, 3],
      [null, 1],
    ]);
    model.dispose();
  });

  it('a residual block (skip connection into Add)', () => {
    expectAgreement(residual()).dispose();
  });

  it('seeds every initializer: same seed, same weights', () => {
    const weights = (seed: number) => {
      const { model } = buildModel(twoInputsTwoHeads(), seed);
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    expect(weights(11)).toEqual(weights(11));
    expect(weights(11)).not.toEqual(weights(12));
  });

  it('regularizers reach tfjs: the model reports a penalty only when one is set', () => {
    const withPenalty = buildModel(PALETTE_CHAINS['Dense']!, 1).model;
    const without = buildModel(PALETTE_CHAINS['Dense (no bias)']!, 1).model;
    expect(tf.tidy(() => withPenalty.calculateLosses().length)).toBe(1);
    expect(tf.tidy(() => without.calculateLosses().length)).toBe(0);
    withPenalty.dispose();
    without.dispose();
  });
});
