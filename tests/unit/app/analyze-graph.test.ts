import { describe, expect, it } from 'vitest';
import { analyzeGraph, groupIssues } from '../../../app/graph/analyze';
import { GRAPH_SCHEMA_VERSION, type GraphNode, type ModelGraph } from '../../../app/graph/schema';
import { fitGraphToData, templateGraph } from '../../../app/graph/templates';

const at = { x: 0, y: 0 };
const input = (width: number): GraphNode => ({ id: 'in', type: 'Input', position: at, config: { shape: [width] } });
const dense = (
  id: string,
  units: number,
  extra: Partial<{ activation: 'relu' | 'linear'; use_bias: boolean }> = {},
): GraphNode => ({
  id,
  type: 'Dense',
  position: at,
  config: { units, activation: extra.activation ?? 'relu', use_bias: extra.use_bias ?? true },
});
const output = (units: number): GraphNode => ({
  id: 'out',
  type: 'Output',
  position: at,
  config: { units, activation: 'softmax' },
});
const chain = (...nodes: GraphNode[]): ModelGraph => ({
  version: GRAPH_SCHEMA_VERSION,
  nodes,
  edges: nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id })),
});

describe('analyzeGraph', () => {
  it('infers shapes and Keras parameter counts along a chain', () => {
    const graph = chain(
      input(4),
      dense('d1', 16),
      { id: 'drop', type: 'Dropout', position: at, config: { rate: 0.3 } },
      dense('d2', 8, { use_bias: false }),
      output(3),
    );
    const a = analyzeGraph(graph);
    expect(a.ok).toBe(true);
    expect(a.nodes.d1).toMatchObject({ outputShape: [16], params: 4 * 16 + 16 });
    expect(a.nodes.drop).toMatchObject({ outputShape: [16], params: 0 });
    expect(a.nodes.d2).toMatchObject({ outputShape: [8], params: 16 * 8 });
    expect(a.nodes.out).toMatchObject({ outputShape: [3], params: 8 * 3 + 3 });
    expect(a.totalParams).toBe(80 + 128 + 27);
    expect(a.edgeShapes.e0).toEqual([4]);
    expect(a.edgeShapes.e3).toEqual([8]);
    expect(a.order).toEqual(['in', 'd1', 'drop', 'd2', 'out']);
  });

  it('reports a cycle on the nodes in it, in plain words', () => {
    const graph = chain(input(4), dense('a', 8), dense('b', 8), output(2));
    graph.edges.push({ id: 'back', source: 'b', target: 'a' });
    const a = analyzeGraph(graph);
    expect(a.ok).toBe(false);
    expect(a.nodes.a!.errors.join(' ')).toMatch(/cycle/);
    expect(a.nodes.b!.errors.join(' ')).toMatch(/cycle/);
    expect(a.nodes.in!.errors).toEqual([]);
  });

  it('flags a layer with two inputs, a dangling layer and an unconnected output', () => {
    const graph = chain(input(4), dense('a', 8), output(2));
    graph.nodes.push(dense('stray', 5));
    graph.edges.push({ id: 'extra', source: 'in', target: 'out' });
    const a = analyzeGraph(graph);
    expect(a.nodes.out!.errors.join(' ')).toMatch(/takes one input, but 2 are connected/);
    expect(a.nodes.stray!.errors.join(' ')).toMatch(/no input/);

    const lonely = chain(input(4), dense('a', 8));
    lonely.nodes.push(output(2));
    const b = analyzeGraph(lonely);
    expect(b.nodes.a!.errors.join(' ')).toMatch(/does not lead to an Output/);
    expect(b.nodes.out!.errors.join(' ')).toMatch(/no input/);
  });

  it('tells a dangling layer what to connect it to, and lists one problem of many layers once with its count', () => {
    const lonely = chain(input(4), dense('a', 8));
    lonely.nodes.push(output(2));
    expect(analyzeGraph(lonely).nodes.a!.errors.join(' ')).toContain(
      'connect Dense to Output (or to a layer on the way there), or delete it.',
    );

    const graph = chain(input(4), dense('a', 8), output(2));
    for (const id of ['s1', 's2', 's3']) graph.nodes.push(dense(id, 5));
    const groups = groupIssues(analyzeGraph(graph).issues);
    expect(groups).toEqual([
      { message: 'Dense: it has no input: connect a layer to it.', count: 3, nodeIds: ['s1', 's2', 's3'] },
    ]);
  });

  it('reports an invalid config on its node rather than throwing', () => {
    const graph = chain(input(4), dense('a', 0), output(2));
    const bad = analyzeGraph(graph);
    expect(bad.ok).toBe(false);
    expect(bad.nodes.a!.errors.join(' ')).toMatch(/units must be at least 1/);
    expect(bad.issues[0]!.nodeId).toBe('a');
    const rate = chain(input(4), { id: 'd', type: 'Dropout', position: at, config: { rate: 1.5 } }, output(2));
    expect(analyzeGraph(rate).nodes.d!.errors.join(' ')).toMatch(/rate must be below 1/);
  });

  it('requires an Input and an Output', () => {
    const a = analyzeGraph({ version: GRAPH_SCHEMA_VERSION, nodes: [dense('a', 3)], edges: [] });
    expect(a.issues.map((i) => i.message).join(' ')).toMatch(/no Input.*no Output/s);
  });

  it('builds templates sized to the data, and refits them when the data changes', () => {
    const mlp = templateGraph('mlp', 7, { units: 3, activation: 'softmax' });
    const a = analyzeGraph(mlp);
    expect(a.ok).toBe(true);
    expect(a.totalParams).toBe(7 * 32 + 32 + 32 * 16 + 16 + 16 * 3 + 3);
    const refit = fitGraphToData(mlp, 10, { units: 1, activation: 'linear' });
    const b = analyzeGraph(refit);
    expect(b.nodes.input!.outputShape).toEqual([10]);
    expect(b.nodes.output!.outputShape).toEqual([1]);
    const linear = analyzeGraph(templateGraph('linear', 1, { units: 1, activation: 'linear' }));
    expect(linear.totalParams).toBe(2); // y = w·x + b
  });
});
