import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeGraph,
  defaultTemplate,
  fitGraphToData,
  templateGraph,
  templateProblem,
  templatesFor,
  TEMPLATES,
  type InputShape,
  type ModelGraph,
  type TemplateName,
} from '../../../app/graph';
import { UserError } from '../../../app/ipc/errors';
import { headFor } from '../../../app/training/config';
import { selectBackend } from '../../../main/engine/process/backend';
import { buildModel } from '../../../main/engine/process/build-model';

beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
});

const TABLE = 7;
const SMALL_IMAGE = [28, 28, 1];
const LARGE_IMAGE = [96, 80, 3];
const WINDOW = [12, 3];

/** Every node: tfjs' output shape and parameter count equal analyzeGraph's; one forward pass runs. */
function expectAgreement(graph: ModelGraph, input: InputShape, outUnits: number) {
  const analysis = analyzeGraph(graph);
  expect(analysis.issues).toEqual([]);
  const { model } = buildModel(graph, 3);
  try {
    for (const node of graph.nodes) {
      const layer = model.getLayer(node.id);
      expect(layer.outputShape, `${node.id} output shape`).toEqual([null, ...analysis.nodes[node.id]!.outputShape!]);
      expect(layer.countParams(), `${node.id} params`).toBe(analysis.nodes[node.id]!.params);
    }
    expect(model.countParams()).toBe(analysis.totalParams);
    const dims = typeof input === 'number' ? [input] : input;
    const y = tf.tidy(() => model.predict(tf.randomNormal([2, ...dims], 0, 1, 'float32', 1)) as tf.Tensor);
    expect(y.shape).toEqual([2, outUnits]);
    y.dispose();
  } finally {
    model.dispose();
  }
  return analysis;
}

describe('templates adapt to the dataset and agree with tfjs', () => {
  const cases: [TemplateName, InputShape][] = [
    ['linear', TABLE],
    ['mlp', TABLE],
    ['mlp', [TABLE]],
    ['linear', SMALL_IMAGE],
    ['mlp', WINDOW],
    ['cnn', SMALL_IMAGE],
    ['cnn', LARGE_IMAGE],
    ['residual_cnn', SMALL_IMAGE],
    ['lstm', WINDOW],
  ];
  for (const [name, input] of cases) {
    it(`${name} on ${JSON.stringify(input)}`, () => {
      const head = headFor('classification', 4);
      const graph = templateGraph(name, input, head);
      expect(graph.nodes.find((n) => n.type === 'Input')!.config).toEqual({
        shape: typeof input === 'number' ? [input] : input,
      });
      expect(graph.nodes.find((n) => n.type === 'Output')!.config).toMatchObject({ units: 4, activation: 'softmax' });
      expectAgreement(graph, input, 4);
    });
  }

  it('cnn stacks conv/pool blocks until the image is about 8 pixels a side, then Flattens (a global average only past 4,096 values)', () => {
    const small = templateGraph('cnn', SMALL_IMAGE, headFor('classification', 10));
    expect(small.nodes.map((n) => n.type)).toEqual([
      'Input',
      'Conv2D',
      'MaxPooling2D',
      'Conv2D',
      'MaxPooling2D',
      'Flatten',
      'Dense',
      'Output',
    ]);
    expect(analyzeGraph(small).nodes.flatten!.outputShape).toEqual([7 * 7 * 32]);
    const medium = templateGraph('cnn', [64, 64, 3], headFor('classification', 10));
    expect(
      medium.nodes.filter((n) => n.type === 'Conv2D').map((n) => (n.config as { filters: number }).filters),
    ).toEqual([16, 32, 64]);
    expect(analyzeGraph(medium).nodes.flatten!.outputShape).toEqual([8 * 8 * 64]);
    const large = templateGraph('cnn', LARGE_IMAGE, headFor('classification', 10));
    expect(large.nodes.filter((n) => n.type === 'MaxPooling2D')).toHaveLength(4);
    expect(analyzeGraph(large).nodes.flatten!.outputShape).toEqual([6 * 5 * 64]);
    const huge = templateGraph('cnn', [512, 512, 3], headFor('classification', 10));
    expect(huge.nodes.map((n) => n.type)).toContain('GlobalAveragePooling2D');
    const tiny = templateGraph('cnn', [4, 4, 1], headFor('classification', 2));
    expect(analyzeGraph(tiny).nodes.flatten!.outputShape).toEqual([32]);
  });

  it('residual_cnn adds a two-conv branch back to its stem', () => {
    const graph = templateGraph('residual_cnn', SMALL_IMAGE, headFor('regression', 1));
    const analysis = analyzeGraph(graph);
    expect(analysis.sources.add_1).toEqual(['conv2d_1', 'conv2d_3']);
    expect(analysis.sources.conv2d_2).toEqual(['conv2d_1']);
    expect(analysis.nodes.add_1!.outputShape).toEqual([28, 28, 16]);
    // The branch is drawn beside the identity path, not on top of it.
    expect(graph.nodes.find((n) => n.id === 'conv2d_2')!.position.x).toBeGreaterThan(0);
    expectAgreement(graph, SMALL_IMAGE, 1);
  });

  it('lstm reads (steps, features) windows with 32 units', () => {
    const graph = templateGraph('lstm', WINDOW, headFor('regression', 1));
    expect(graph.nodes.map((n) => n.type)).toEqual(['Input', 'LSTM', 'Output']);
    expect(analyzeGraph(graph).nodes.lstm_1!.params).toBe(4 * 32 * (3 + 32 + 1));
  });
});

describe('a template that cannot fit the data says why', () => {
  it('CNN templates on a table', () => {
    expect(templateProblem('cnn', TABLE)).toMatch(
      /^CNN templates need an image dataset \(height, width, channels per sample\), but this dataset gives \(7\) per sample/,
    );
    expect(() => templateGraph('residual_cnn', TABLE, headFor('regression', 1))).toThrow(UserError);
    expect(() => templateGraph('cnn', WINDOW, headFor('regression', 1))).toThrow(
      /CNN templates need an image dataset.*\(12, 3\)/,
    );
  });

  it('images too small to pool twice', () => {
    expect(templateProblem('cnn', [3, 9, 1])).toMatch(/at least 4×4 pixels; these are 3×9/);
    expect(templateProblem('residual_cnn', [3, 9, 1])).toBeUndefined();
  });

  it('LSTM on a table or an image', () => {
    expect(templateProblem('lstm', TABLE)).toMatch(
      /LSTM template needs time-series windows \(steps, features per sample\), but this dataset gives \(7\)/,
    );
    expect(templateProblem('lstm', SMALL_IMAGE)).toMatch(/\(28, 28, 1\)/);
  });

  it('lists the templates that fit and picks the one made for the data', () => {
    expect(templatesFor(TABLE)).toEqual(['linear', 'mlp']);
    expect(templatesFor(SMALL_IMAGE)).toEqual(['linear', 'mlp', 'cnn', 'residual_cnn']);
    expect(templatesFor(WINDOW)).toEqual(['linear', 'mlp', 'lstm']);
    expect([TABLE, SMALL_IMAGE, WINDOW].map(defaultTemplate)).toEqual(['mlp', 'cnn', 'linear']);
    for (const shape of [TABLE, SMALL_IMAGE, WINDOW]) expect(templatesFor(shape)).toContain(defaultTemplate(shape));
    expect(TEMPLATES).toHaveLength(5);
  });
});

describe('fitGraphToData follows the dataset shape', () => {
  it('resizes the single Input to an image shape and the head to the task', () => {
    const graph = fitGraphToData(
      templateGraph('cnn', SMALL_IMAGE, headFor('classification', 10)),
      [32, 32, 3],
      headFor('classification', 2),
    );
    expect(graph.nodes[0]!.config).toEqual({ shape: [32, 32, 3] });
    expect(graph.nodes.at(-1)!.config).toMatchObject({ units: 1, activation: 'sigmoid' });
    expect(analyzeGraph(graph).ok).toBe(true);
  });

  it('still takes a number for a table', () => {
    const graph = fitGraphToData(templateGraph('mlp', 4, headFor('regression', 1)), 9, headFor('regression', 1));
    expect(graph.nodes[0]!.config).toEqual({ shape: [9] });
  });
});

describe('layerlab train --template', () => {
  it('refuses a CNN template on a table with the reason (a UserError: exit 1)', async () => {
    const { trainCommand } = await import('../../../main/cli/train-command');
    const out = await mkdtemp(path.join(os.tmpdir(), 'layerlab-templates-'));
    const run = trainCommand(
      [
        '--data',
        path.resolve(import.meta.dirname, '../../../resources/iris.csv'),
        '--target',
        'species',
        '--template',
        'cnn',
        '--out',
        out,
      ],
      () => {},
    );
    await expect(run).rejects.toThrow(UserError);
    await expect(run).rejects.toThrow(/CNN templates need an image dataset .* but this dataset gives \(4\) per sample/);
  }, 30_000);
});

describe('trainable and non-trainable parameters, as Keras counts them', () => {
  it('frozen layers and BatchNormalization statistics are non-trainable, matching tfjs', () => {
    const base = templateGraph('cnn', SMALL_IMAGE, headFor('classification', 3));
    // Freeze the first conv stage and put a BatchNormalization after the second conv.
    const nodes = base.nodes.map((n) => (n.id === 'conv2d_1' ? { ...n, trainable: false } : n));
    nodes.push({ id: 'bn', type: 'BatchNormalization', position: { x: 0, y: 0 }, config: {} } as never);
    const edges = base.edges.flatMap((e) =>
      e.source === 'conv2d_2'
        ? [
            { id: 'e1', source: 'conv2d_2', target: 'bn' },
            { ...e, source: 'bn' },
          ]
        : [e],
    );
    const graph: ModelGraph = { ...base, nodes, edges };
    const analysis = expectAgreement(graph, SMALL_IMAGE, 3);
    expect(analysis.nodes.conv2d_1!.nonTrainableParams).toBe(3 * 3 * 1 * 16 + 16);
    expect(analysis.nodes.bn!.nonTrainableParams).toBe(2 * 32);
    expect(analysis.nodes.bn!.params).toBe(4 * 32);
    expect(analysis.nonTrainableParams).toBe(160 + 64);
    expect(analysis.trainableParams).toBe(analysis.totalParams - 224);
    const { model } = buildModel(graph, 1);
    const count = (ws: tf.LayerVariable[]) =>
      ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
    expect(count(model.trainableWeights)).toBe(analysis.trainableParams);
    expect(count(model.nonTrainableWeights)).toBe(analysis.nonTrainableParams);
    model.dispose();
  });
});
