import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetMeta, TaskSpec } from '../../../app/dataset/schema';
import {
  bindGraphToData,
  bindingSizeIssues,
  fitGraphToBinding,
  usesColumnBinding,
} from '../../../app/graph/data-binding';
import { GRAPH_SCHEMA_VERSION, type GraphNode, type ModelGraph } from '../../../app/graph/schema';
import { importCsvText, prepareTrainingData } from '../../../main/data';
import { readF32, useTempDir } from './temp-dir';

// a, b numeric; color one-hot (3 categories); price the regression target; kind a text class.
const ROWS = [
  ['1.5', '10', 'red', '100', 'x'],
  ['2.5', '20', 'blue', '200', 'y'],
  ['3.5', '30', 'green', '300', 'x'],
  ['4.5', '40', 'red', '', 'y'],
  ['5.5', '50', 'blue', '500', 'x'],
  ['6.5', '60', 'green', '600', ''],
  ['7.5', '70', 'red', '700', 'y'],
  ['8.5', '80', 'blue', '800', 'x'],
  ['9.5', '90', 'green', '900', 'y'],
  ['10.5', '100', 'red', '1000', 'x'],
];
const CSV = ['a,b,color,price,kind', ...ROWS.map((r) => r.join(','))].join('\n');
const SPEC: TaskSpec = { target: 'price', task: 'regression' };

const node = (
  id: string,
  type: 'Input' | 'Output' | 'Concatenate' | 'Dense',
  config: Record<string, unknown>,
): GraphNode => ({ id, type, position: { x: 0, y: 0 }, config }) as GraphNode;
const dense = { units: 4, activation: 'relu' };
const output = (id: string, target?: string) =>
  node(id, 'Output', { units: 1, activation: 'linear', ...(target ? { target } : {}) });

/** Two Inputs → Concatenate → Dense → the given heads. */
function twoInputs(a: Record<string, unknown>, b: Record<string, unknown>, heads: GraphNode[]): ModelGraph {
  return {
    version: GRAPH_SCHEMA_VERSION,
    nodes: [
      node('in_a', 'Input', { shape: [1], ...a }),
      node('in_b', 'Input', { shape: [1], ...b }),
      node('merge', 'Concatenate', { axis: -1 }),
      node('hidden', 'Dense', dense),
      ...heads,
    ],
    edges: [
      { id: 'e1', source: 'in_a', target: 'merge' },
      { id: 'e2', source: 'in_b', target: 'merge' },
      { id: 'e3', source: 'merge', target: 'hidden' },
      ...heads.map((h) => ({ id: `e_${h.id}`, source: 'hidden', target: h.id })),
    ],
  };
}

describe('binding a graph with several Inputs and heads to a table', () => {
  const tmp = useTempDir();
  const importText = async (): Promise<{ meta: DatasetMeta; datasetDir: string }> => {
    const meta = await importCsvText({ text: CSV, fileName: 'multi.csv', datasetsDir: tmp() });
    return { meta, datasetDir: join(tmp(), meta.id) };
  };

  it('a graph with one Input and one Output and no choices is not bound: it trains as always', () => {
    const single: ModelGraph = {
      version: GRAPH_SCHEMA_VERSION,
      nodes: [node('in', 'Input', { shape: [3] }), output('out')],
      edges: [{ id: 'e', source: 'in', target: 'out' }],
    };
    expect(usesColumnBinding(single)).toBe(false);
    expect(usesColumnBinding(twoInputs({ columns: ['a'] }, {}, [output('out')]))).toBe(true);
  });

  it('gives each Input the encoded width of its columns and each head its target’s task; the rest go to the Input without columns', async () => {
    const { meta } = await importText();
    const graph = twoInputs({ columns: ['color', 'a'] }, {}, [output('out_price'), output('out_kind', 'kind')]);
    const binding = bindGraphToData(graph, meta, SPEC);
    expect(binding.issues).toEqual([]);
    // File order within an Input; color is one-hot over 3 categories.
    expect(binding.inputs).toEqual([
      { node: 'in_a', columns: ['a', 'color'], width: 4 },
      { node: 'in_b', columns: ['b'], width: 1 },
    ]);
    expect(binding.heads.map((h) => [h.node, h.target, h.task, h.labels, h.head.units, h.head.activation])).toEqual([
      ['out_price', 'price', 'regression', null, 1, 'linear'],
      ['out_kind', 'kind', 'classification', ['x', 'y'], 1, 'sigmoid'],
    ]);
    expect(bindingSizeIssues(graph, binding).map((i) => i.message)).toEqual([
      'Input "in_a": its shape (1) holds 1 values, but its columns (a, color) encode to 4. Set its shape to (4).',
      'Output "out_kind": it has 1 units (linear), but predicting "kind" (classification, 2 classes) needs 1 (sigmoid).',
    ]);
    expect(bindingSizeIssues(fitGraphToBinding(graph, binding), binding)).toEqual([]);
  });

  it('names the node and the column for every choice that cannot work', async () => {
    const { meta } = await importText();
    const messages = (graph: ModelGraph) => bindGraphToData(graph, meta, SPEC).issues.map((i) => i.message);
    expect(messages(twoInputs({ columns: ['a', 'weight'] }, {}, [output('out')]))).toEqual([
      'Input "in_a": the column "weight" is not in multi.csv.',
    ]);
    expect(messages(twoInputs({ columns: ['a'] }, { columns: ['a', 'b'] }, [output('out')]))).toEqual([
      'Input "in_b": the column "a" already feeds Input "in_a"; each column feeds one Input.',
    ]);
    expect(messages(twoInputs({ columns: ['a', 'kind'] }, {}, [output('out'), output('out_kind', 'kind')]))).toEqual([
      'Input "in_a": the column "kind" is the target of Output "out_kind"; a model cannot take what it predicts as an input.',
    ]);
    expect(messages(twoInputs({ columns: ['a'] }, {}, [output('out'), output('out_2', 'price')]))).toEqual([
      'Output "out_2": it predicts "price", which Output "out" already predicts; give each head its own target column.',
    ]);
    expect(messages(twoInputs({}, {}, [output('out')]))).toEqual([
      'Input "in_b": no columns are chosen for it, nor for Input "in_a"; choose the columns of each Input but one.',
    ]);
    expect(messages(twoInputs({ columns: ['a'] }, {}, [output('out', 'colour')]))).toEqual([
      'Output "out": its target column "colour" is not in multi.csv.',
    ]);
    expect(messages(twoInputs({ columns: ['a', 'b', 'color', 'kind'] }, {}, [output('out')]))).toEqual([
      'Input "in_b": it takes every column no other Input takes, but none is left; choose its columns or delete it.',
    ]);
  });

  it('prepares one x of every Input’s columns, each Input’s indices into it, and y with both heads side by side (rows missing either target dropped)', async () => {
    const { meta, datasetDir } = await importText();
    const graph = twoInputs({ columns: ['b'] }, {}, [output('out_price'), output('out_kind', 'kind')]);
    const binding = bindGraphToData(graph, meta, SPEC);
    const outDir = join(tmp(), 'out');
    const data = await prepareTrainingData({
      datasetDir,
      meta,
      taskSpec: SPEC,
      validationSplit: 0.25,
      seed: 3,
      outDir,
      binding,
    });
    // Rows 4 (no price) and 6 (no kind) are dropped: 8 rows, 6 train + 2 validation.
    expect(data.trainRows + data.valRows).toBe(8);
    // x in file order: a, b, color(3); in_a takes b, in_b the rest.
    expect(data.inputWidth).toBe(5);
    expect(data.inputs).toEqual([
      { node: 'in_a', indices: [1] },
      { node: 'in_b', indices: [0, 2, 3, 4] },
    ]);
    expect(data.outputWidth).toBe(2);
    const [price, kind] = data.heads!;
    expect(kind).toEqual({
      node: 'out_kind',
      target: 'kind',
      task: 'classification',
      offset: 1,
      width: 1,
      labels: ['x', 'y'],
    });
    expect(price).toMatchObject({ node: 'out_price', target: 'price', task: 'regression', offset: 0, width: 1 });
    expect(data.preprocessing.target).toBe('price');
    expect(data.preprocessing.features.map((f) => f.name)).toEqual(['a', 'b', 'color']);

    // y: the price standardized with the training rows' statistics alone, the class as 0/1; both match the raw rows.
    const xTrain = await readF32(join(outDir, 'x_train.f32'));
    const yTrain = await readF32(join(outDir, 'y_train.f32'));
    const trainPrices: number[] = [];
    for (let r = 0; r < data.trainRows; r++) {
      const bStd = xTrain[r * 5 + 1]!;
      const aScaled = xTrain[r * 5]!;
      expect(bStd).toBeCloseTo(aScaled, 4); // a = i + 0.5 and b = 10 i, both standardized: the same z-score
      const scaling = price!.scaling!;
      const value = yTrain[r * 2]! * scaling.std + scaling.mean;
      trainPrices.push(value);
      const row = ROWS.find((raw) => Math.abs(Number(raw[3]) - value) < 1e-3)!;
      expect(yTrain[r * 2 + 1]).toBe(row[4] === 'y' ? 1 : 0);
    }
    const mean = trainPrices.reduce((s, v) => s + v, 0) / trainPrices.length;
    expect(price!.scaling!.mean).toBeCloseTo(mean, 3);
  });
});
