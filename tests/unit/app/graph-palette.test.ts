import { describe, expect, it } from 'vitest';
import {
  analyzeGraph,
  CONFIG_SCHEMAS,
  FAMILIES,
  GRAPH_SCHEMA_VERSION,
  LAYER_TYPES,
  LAYERS,
  ModelGraph,
  type GraphNode,
} from '../../../app/graph';
import { branching, chain, PALETTE_CHAINS, twoInputsTwoHeads } from '../engine/palette-graphs';

const errorsOf = (graph: ModelGraph, id: string) => analyzeGraph(graph).nodes[id]?.errors ?? [];

describe('the layer catalogue', () => {
  it.each(LAYER_TYPES)(
    '%s: valid defaults, a family, help text, and form fields that point into its config',
    (type) => {
      const spec = LAYERS[type];
      expect(spec.type).toBe(type);
      expect(FAMILIES).toContain(spec.family);
      expect(spec.help.length).toBeGreaterThan(40);
      const defaults = spec.defaults() as Record<string, unknown>;
      expect(CONFIG_SCHEMAS[type].safeParse(defaults).success).toBe(true);
      // An Input's columns and an Output's target are absent by default: absent means "the rest" and "the task's target".
      for (const field of spec.fields.filter((f) => f.kind !== 'columns' && f.kind !== 'target')) {
        const value = field.path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], defaults);
        expect(value, `${type}.${field.path.join('.')}`).not.toBeUndefined();
      }
    },
  );

  it('layers with a kernel have use_bias, initializers and L1/L2 regularizers in their form', () => {
    for (const type of ['Dense', 'Conv1D', 'Conv2D', 'Conv2DTranspose', 'SimpleRNN', 'LSTM', 'GRU'] as const) {
      const keys = LAYERS[type].fields.map((f) => f.path.join('.'));
      expect(keys, type).toEqual(
        expect.arrayContaining([
          'use_bias',
          'kernel_initializer',
          'bias_initializer',
          'kernel_regularizer',
          'bias_regularizer',
        ]),
      );
    }
    expect(LAYERS.Bidirectional.fields.map((f) => f.path.join('.'))).toEqual(
      expect.arrayContaining(['layer.class_name', 'layer.config.units', 'layer.config.kernel_regularizer']),
    );
  });

  it('every palette chain in the engine tests is valid', () => {
    for (const [name, graph] of Object.entries(PALETTE_CHAINS)) expect(analyzeGraph(graph).issues, name).toEqual([]);
  });
});

describe('plain-words errors on the node', () => {
  it('a Conv2D fed a flat vector says what it needs and what to do', () => {
    const graph = chain([64], [{ type: 'Conv2D' }, { type: 'Flatten' }]);
    expect(errorsOf(graph, 'l1')).toEqual([
      'Conv2D needs (height, width, channels) per sample, but receives (64). Insert a Reshape or start from an image dataset.',
    ]);
    // Downstream nodes are not blamed for it.
    expect(errorsOf(graph, 'l2')).toEqual([]);
    expect(analyzeGraph(graph).ok).toBe(false);
  });

  it('an LSTM fed a vector, a window that does not fit, and a Reshape that changes the size', () => {
    expect(errorsOf(chain([12], [{ type: 'LSTM' }]), 'l1')[0]).toMatch(
      /^LSTM needs \(steps, features\) per sample, but receives \(12\)\. Insert a Reshape/,
    );
    expect(
      errorsOf(
        chain(
          [4],
          [
            { type: 'Reshape', config: { target_shape: [2, 2, 1] } },
            { type: 'Conv2D', config: { kernel_size: [3, 3] } },
            { type: 'Flatten' },
          ],
        ),
        'l2',
      )[0],
    ).toMatch(/window does not fit in its 2×2 input/);
    expect(
      errorsOf(chain([10], [{ type: 'Reshape', config: { target_shape: [3, 3] } }, { type: 'Flatten' }]), 'l1')[0],
    ).toMatch(/Reshape cannot turn \(10\) \(10 values\) into \(3, 3\) \(9 values\)/);
  });

  it('an Output acts on the last axis, like Dense (the data check at training time decides if it fits)', () => {
    expect(
      analyzeGraph(chain([12], [{ type: 'Reshape', config: { target_shape: [6, 2] } }])).nodes.output?.outputShape,
    ).toEqual([6, 3]);
  });

  it('bad config values name the field, including inside a wrapper', () => {
    const graph = chain(
      [12],
      [
        { type: 'Reshape', config: { target_shape: [6, 2] } },
        {
          type: 'Bidirectional',
          config: { layer: { class_name: 'LSTM', config: { ...LAYERS.LSTM.defaults(), units: 0 } } },
        },
      ],
    );
    expect(errorsOf(graph, 'l2')).toEqual(['layer.config.units: units must be at least 1']);
    expect(errorsOf(chain([4], [{ type: 'Conv2D', config: { kernel_size: [3] } }]), 'l1')[0]).toMatch(/kernel_size/);
  });

  it('merges: one input is not a merge; shapes must agree; Subtract takes exactly two', () => {
    const single = branching('Add');
    single.edges = single.edges.filter((e) => !(e.source === 'right' && e.target === 'merge'));
    single.nodes = single.nodes.filter((n) => n.id !== 'right');
    expect(errorsOf(single, 'merge')).toEqual(['it joins branches: connect at least 2 layers to it (1 connected).']);
    expect(errorsOf(branching('Add', [8, 5]), 'merge')[0]).toBe(
      'Add combines its inputs value by value, so they need the same shape, but receives (8) and (5). Give the branches the same size, or use Concatenate.',
    );
    expect(analyzeGraph(branching('Concatenate', [8, 5])).nodes.merge?.outputShape).toEqual([13]);
    const three = branching('Subtract');
    three.edges.push({ id: 'extra', source: 'trunk', target: 'merge' });
    three.edges = three.edges.map((e) => (e.id === 'extra' ? e : e));
    expect(errorsOf(three, 'merge')[0]).toMatch(/at most 2 inputs, but 3 are connected/);
  });

  it('Concatenate checks the non-joined dimensions', () => {
    const g = twoInputsTwoHeads();
    // Join the image itself (rank 3) with the Dense (rank 1): different ranks.
    g.edges = g.edges.map((e) => (e.source === 'pool' && e.target === 'join' ? { ...e, source: 'conv' } : e));
    g.nodes = g.nodes.filter((n) => n.id !== 'pool');
    expect(errorsOf(g, 'join')[0]).toMatch(
      /Concatenate needs inputs with the same number of dimensions, but receives \(4\) and \(4, 4, 2\)/,
    );
  });

  it('several inputs and heads are analysed, in edge order for merges', () => {
    const a = analyzeGraph(twoInputsTwoHeads());
    expect(a.ok).toBe(true);
    expect(a.inputs).toEqual(['table', 'image']);
    expect(a.outputs).toEqual(['class_head', 'value_head']);
    expect(a.sources.join).toEqual(['dense', 'pool']);
    expect(a.nodes.join?.outputShape).toEqual([6]);
  });
});

describe('graph schema versions', () => {
  const v1 = {
    version: 1,
    nodes: [
      { id: 'input', type: 'Input', position: { x: 0, y: 0 }, config: { shape: [4] } },
      {
        id: 'dense_1',
        type: 'Dense',
        position: { x: 0, y: 120 },
        config: { units: 8, activation: 'relu', use_bias: true },
      },
      { id: 'output', type: 'Output', position: { x: 0, y: 240 }, config: { units: 3, activation: 'softmax' } },
    ],
    edges: [
      { id: 'e1', source: 'input', target: 'dense_1' },
      { id: 'e2', source: 'dense_1', target: 'output' },
    ],
  };

  it('a version-1 graph parses as the current version, with what version 1 meant filled in', () => {
    const parsed = ModelGraph.parse(v1);
    expect(parsed.version).toBe(GRAPH_SCHEMA_VERSION);
    const dense = parsed.nodes[1] as Extract<GraphNode, { type: 'Dense' }>;
    expect(dense.config).toEqual({
      units: 8,
      activation: 'relu',
      use_bias: true,
      kernel_initializer: 'glorot_uniform',
      bias_initializer: 'zeros',
      kernel_regularizer: null,
      bias_regularizer: null,
    });
    expect(analyzeGraph(parsed).totalParams).toBe(4 * 8 + 8 + 8 * 3 + 3);
  });

  it('an unknown version or layer type is refused with a message naming it', () => {
    const future = ModelGraph.safeParse({ ...v1, version: 9 });
    expect(future.success).toBe(false);
    expect(JSON.stringify(future.error?.issues)).toMatch(/graph version must be 2/);
    const unknown = ModelGraph.safeParse({
      ...v1,
      version: 2,
      nodes: [{ id: 'x', type: 'Conv9D', position: { x: 0, y: 0 }, config: {} }],
    });
    expect(unknown.success).toBe(false);
    expect(JSON.stringify(unknown.error?.issues)).toMatch(/unknown layer type; known types are Input, Dense/);
  });
});
