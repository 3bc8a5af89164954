import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph, type ModelGraph } from '../../../app/graph';
import { selectBackend } from '../../../main/engine/process/backend';
import { buildModel, GraphBuildError } from '../../../main/engine/process/build-model';
import { chainGraph } from './fixtures';

beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
});

const graphs: Record<string, ModelGraph> = {
  'linear (logistic regression)': chainGraph([4], [], { units: 1, activation: 'sigmoid' }),
  'MLP with Dropout': chainGraph(
    [10],
    [
      { type: 'Dense', units: 32, activation: 'relu' },
      { type: 'Dropout', rate: 0.3 },
      { type: 'Dense', units: 16, activation: 'tanh' },
      { type: 'Dropout', rate: 0.1 },
    ],
    { units: 3, activation: 'softmax' },
  ),
  'wide then narrow': chainGraph(
    [7],
    [
      { type: 'Dense', units: 128 },
      { type: 'Dense', units: 2 },
    ],
    { units: 5, activation: 'softmax' },
  ),
  'Dense on a 1-feature input': chainGraph([1], [{ type: 'Dense', units: 1, activation: 'linear' }], {
    units: 1,
    activation: 'linear',
  }),
  'Dense on a rank-2 input (acts on the last axis)': chainGraph([3, 6], [{ type: 'Dense', units: 4 }], {
    units: 2,
    activation: 'linear',
  }),
};

describe('buildModel agrees with analyzeGraph', () => {
  for (const [name, graph] of Object.entries(graphs)) {
    it(name, () => {
      const analysis = analyzeGraph(graph);
      expect(analysis.ok).toBe(true);
      const { model } = buildModel(graph, 1);
      try {
        for (const node of graph.nodes) {
          const layer = model.getLayer(node.id); // layer names are node ids
          const info = analysis.nodes[node.id]!;
          expect(layer.outputShape, `${node.id} output shape`).toEqual([null, ...info.outputShape!]);
          expect(layer.countParams(), `${node.id} params`).toBe(info.params);
        }
        expect(model.countParams()).toBe(analysis.totalParams);
        expect(model.layers).toHaveLength(graph.nodes.length);
      } finally {
        model.dispose();
      }
    });
  }

  it('uses the graph order, not the node list order, and keeps ids as names', () => {
    const graph = graphs['MLP with Dropout']!;
    const shuffled: ModelGraph = { ...graph, nodes: [...graph.nodes].reverse() };
    const { model } = buildModel(shuffled, 1);
    expect(model.layers.map((l) => l.name)).toEqual(['input', 'l1', 'l2', 'l3', 'l4', 'output']);
    model.dispose();
  });

  it('sanitises ids tfjs would refuse as weight names', () => {
    const graph = chainGraph([2], [{ type: 'Dense', units: 3 }], { units: 1, activation: 'linear' });
    const renamed: ModelGraph = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === 'l1' ? { ...n, id: '_hidden' } : n)),
      edges: graph.edges.map((e) => ({
        ...e,
        source: e.source === 'l1' ? '_hidden' : e.source,
        target: e.target === 'l1' ? '_hidden' : e.target,
      })),
    };
    const { model, layerNames } = buildModel(renamed, 1);
    expect(layerNames.get('_hidden')).toBe('n_hidden');
    expect(model.getLayer('n_hidden').countParams()).toBe(9);
    model.dispose();
  });

  it('seeds initial weights: same seed, same weights; other seed, other weights', () => {
    const graph = graphs['wide then narrow']!;
    const weights = (seed: number) => {
      const { model } = buildModel(graph, seed);
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    expect(weights(5)).toEqual(weights(5));
    expect(weights(5)).not.toEqual(weights(6));
  });

  it("refuses an invalid graph with analyzeGraph's first issue", () => {
    const graph = chainGraph([4], [{ type: 'Dense', units: 8 }], { units: 3, activation: 'softmax' });
    const broken: ModelGraph = { ...graph, edges: graph.edges.filter((e) => e.target !== 'output') };
    const first = analyzeGraph(broken).issues[0]!.message;
    const before = tf.memory().numTensors;
    expect(() => buildModel(broken, 1)).toThrow(GraphBuildError);
    expect(() => buildModel(broken, 1)).toThrow(first);
    expect(tf.memory().numTensors).toBe(before);
  });
});
