import { GRAPH_SCHEMA_VERSION, LAYERS, type GraphNode, type LayerType, type ModelGraph } from '../../../app/graph';

/** A layer with a few settings changed from its defaults. */
export type Step = { type: Exclude<LayerType, 'Input' | 'Output'>; config?: Record<string, unknown>; id?: string };

const node = (id: string, type: LayerType, config: unknown, y: number): GraphNode =>
  ({ id, type, position: { x: 0, y }, config }) as GraphNode;

/** Input(shape) → steps → [Flatten when the last shape has rank > 1 is the caller's job] → Output(3). */
export function chain(shape: number[], steps: Step[]): ModelGraph {
  const nodes: GraphNode[] = [node('input', 'Input', { shape }, 0)];
  steps.forEach((s, i) =>
    nodes.push(node(s.id ?? `l${i + 1}`, s.type, { ...LAYERS[s.type].defaults(), ...s.config }, (i + 1) * 100)),
  );
  nodes.push(
    node(
      'output',
      'Output',
      { ...LAYERS.Output.defaults(), units: 3, activation: 'softmax' },
      (steps.length + 1) * 100,
    ),
  );
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
  return { version: GRAPH_SCHEMA_VERSION, nodes, edges };
}

/** Every palette layer (other than Input, Output and the merges) in a graph that is valid for it. */
export const PALETTE_CHAINS: Record<string, ModelGraph> = {
  Dense: chain(
    [6],
    [{ type: 'Dense', config: { units: 5, kernel_regularizer: { l1: 0, l2: 0.01 }, kernel_initializer: 'he_normal' } }],
  ),
  'Dense (no bias)': chain([6], [{ type: 'Dense', config: { units: 5, use_bias: false } }]),
  Activation: chain([6], [{ type: 'Activation', config: { activation: 'tanh' } }]),
  Dropout: chain([6], [{ type: 'Dropout', config: { rate: 0.5 } }]),
  Flatten: chain([4, 3], [{ type: 'Flatten' }]),
  Reshape: chain([12], [{ type: 'Reshape', config: { target_shape: [3, 4] } }, { type: 'Flatten' }]),
  Permute: chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [3, 4] } },
      { type: 'Permute', config: { dims: [2, 1] } },
      { type: 'Flatten' },
    ],
  ),
  RepeatVector: chain([5], [{ type: 'RepeatVector', config: { n: 3 } }, { type: 'Flatten' }]),
  BatchNormalization: chain([6], [{ type: 'BatchNormalization' }]),
  'BatchNormalization (no center)': chain([6], [{ type: 'BatchNormalization', config: { center: false } }]),
  LayerNormalization: chain([6], [{ type: 'LayerNormalization' }]),
  Conv1D: chain(
    [10],
    [
      { type: 'Reshape', config: { target_shape: [10, 1] } },
      { type: 'Conv1D', config: { filters: 4, kernel_size: 3, strides: 2 } },
      { type: 'Flatten' },
    ],
  ),
  'Conv1D (same, dilated)': chain(
    [10],
    [
      { type: 'Reshape', config: { target_shape: [5, 2] } },
      { type: 'Conv1D', config: { filters: 3, kernel_size: 2, padding: 'same', dilation_rate: 2 } },
      { type: 'Flatten' },
    ],
  ),
  Conv2D: chain(
    [64],
    [
      { type: 'Reshape', config: { target_shape: [8, 8, 1] } },
      { type: 'Conv2D', config: { filters: 4, kernel_size: [3, 2], strides: [2, 1] } },
      { type: 'Flatten' },
    ],
  ),
  'Conv2D (same)': chain(
    [48],
    [
      { type: 'Reshape', config: { target_shape: [4, 4, 3] } },
      { type: 'Conv2D', config: { filters: 2, padding: 'same', strides: [2, 2] } },
      { type: 'Flatten' },
    ],
  ),
  SeparableConv2D: chain(
    [48],
    [
      { type: 'Reshape', config: { target_shape: [4, 4, 3] } },
      { type: 'SeparableConv2D', config: { filters: 5, depth_multiplier: 2 } },
      { type: 'Flatten' },
    ],
  ),
  DepthwiseConv2D: chain(
    [48],
    [
      { type: 'Reshape', config: { target_shape: [4, 4, 3] } },
      { type: 'DepthwiseConv2D', config: { depth_multiplier: 2, padding: 'same' } },
      { type: 'Flatten' },
    ],
  ),
  Conv2DTranspose: chain(
    [48],
    [
      { type: 'Reshape', config: { target_shape: [4, 4, 3] } },
      { type: 'Conv2DTranspose', config: { filters: 2, strides: [2, 2], padding: 'same' } },
      { type: 'Flatten' },
    ],
  ),
  'Conv2DTranspose (valid)': chain(
    [48],
    [
      { type: 'Reshape', config: { target_shape: [4, 4, 3] } },
      { type: 'Conv2DTranspose', config: { filters: 2, kernel_size: [3, 3], strides: [2, 2], padding: 'valid' } },
      { type: 'Flatten' },
    ],
  ),
  MaxPooling1D: chain(
    [10],
    [
      { type: 'Reshape', config: { target_shape: [10, 1] } },
      { type: 'MaxPooling1D', config: { pool_size: 3 } },
      { type: 'Flatten' },
    ],
  ),
  AveragePooling1D: chain(
    [10],
    [
      { type: 'Reshape', config: { target_shape: [5, 2] } },
      { type: 'AveragePooling1D', config: { pool_size: 2, strides: 1, padding: 'same' } },
      { type: 'Flatten' },
    ],
  ),
  MaxPooling2D: chain(
    [75],
    [{ type: 'Reshape', config: { target_shape: [5, 5, 3] } }, { type: 'MaxPooling2D' }, { type: 'Flatten' }],
  ),
  AveragePooling2D: chain(
    [75],
    [
      { type: 'Reshape', config: { target_shape: [5, 5, 3] } },
      { type: 'AveragePooling2D', config: { pool_size: [3, 3], strides: [1, 2], padding: 'same' } },
      { type: 'Flatten' },
    ],
  ),
  GlobalAveragePooling1D: chain(
    [10],
    [{ type: 'Reshape', config: { target_shape: [5, 2] } }, { type: 'GlobalAveragePooling1D' }],
  ),
  GlobalMaxPooling1D: chain(
    [10],
    [{ type: 'Reshape', config: { target_shape: [5, 2] } }, { type: 'GlobalMaxPooling1D' }],
  ),
  GlobalAveragePooling2D: chain(
    [48],
    [{ type: 'Reshape', config: { target_shape: [4, 4, 3] } }, { type: 'GlobalAveragePooling2D' }],
  ),
  GlobalMaxPooling2D: chain(
    [48],
    [{ type: 'Reshape', config: { target_shape: [4, 4, 3] } }, { type: 'GlobalMaxPooling2D' }],
  ),
  UpSampling2D: chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [2, 2, 3] } },
      { type: 'UpSampling2D', config: { size: [2, 3] } },
      { type: 'Flatten' },
    ],
  ),
  ZeroPadding2D: chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [2, 2, 3] } },
      {
        type: 'ZeroPadding2D',
        config: {
          padding: [
            [1, 0],
            [2, 1],
          ],
        },
      },
      { type: 'Flatten' },
    ],
  ),
  Cropping2D: chain(
    [48],
    [
      { type: 'Reshape', config: { target_shape: [4, 4, 3] } },
      {
        type: 'Cropping2D',
        config: {
          cropping: [
            [1, 0],
            [0, 2],
          ],
        },
      },
      { type: 'Flatten' },
    ],
  ),
  Embedding: chain([6], [{ type: 'Embedding', config: { input_dim: 20, output_dim: 4 } }, { type: 'Flatten' }]),
  SimpleRNN: chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [6, 2] } },
      { type: 'SimpleRNN', config: { units: 5 } },
    ],
  ),
  LSTM: chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [6, 2] } },
      { type: 'LSTM', config: { units: 5, return_sequences: true } },
      { type: 'Flatten' },
    ],
  ),
  GRU: chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [6, 2] } },
      { type: 'GRU', config: { units: 4, recurrent_regularizer: { l1: 0.01, l2: 0 } } },
    ],
  ),
  Bidirectional: chain([12], [{ type: 'Reshape', config: { target_shape: [6, 2] } }, { type: 'Bidirectional' }]),
  'Bidirectional (GRU, sum, sequences)': chain(
    [12],
    [
      { type: 'Reshape', config: { target_shape: [6, 2] } },
      {
        type: 'Bidirectional',
        config: {
          merge_mode: 'sum',
          layer: { class_name: 'GRU', config: { ...LAYERS.GRU.defaults(), units: 3, return_sequences: true } },
        },
      },
      { type: 'Flatten' },
    ],
  ),
  TimeDistributed: chain(
    [12],
    [{ type: 'Reshape', config: { target_shape: [6, 2] } }, { type: 'TimeDistributed' }, { type: 'Flatten' }],
  ),
};

const at = (id: string, type: LayerType, config: Record<string, unknown> = {}): GraphNode =>
  node(id, type, { ...LAYERS[type].defaults(), ...config }, 0);
const edges = (...pairs: [string, string][]) => pairs.map(([s, t], i) => ({ id: `e${i}`, source: s, target: t }));

/** Input → Dense → two Dense branches → <merge> → Output. */
export function branching(
  merge: 'Concatenate' | 'Add' | 'Subtract' | 'Multiply' | 'Average' | 'Maximum',
  widths: [number, number] = [8, 8],
): ModelGraph {
  return {
    version: GRAPH_SCHEMA_VERSION,
    nodes: [
      at('input', 'Input', { shape: [4] }),
      at('trunk', 'Dense', { units: 16 }),
      at('left', 'Dense', { units: widths[0] }),
      at('right', 'Dense', { units: widths[1], activation: 'tanh' }),
      at('merge', merge),
      at('output', 'Output', { units: 3, activation: 'softmax' }),
    ],
    edges: edges(
      ['input', 'trunk'],
      ['trunk', 'left'],
      ['trunk', 'right'],
      ['left', 'merge'],
      ['right', 'merge'],
      ['merge', 'output'],
    ),
  };
}

/** Two Inputs (a table and an image-like block) merged, and two Output heads. */
export function twoInputsTwoHeads(): ModelGraph {
  return {
    version: GRAPH_SCHEMA_VERSION,
    nodes: [
      at('table', 'Input', { shape: [5] }),
      at('image', 'Input', { shape: [6, 6, 1] }),
      at('conv', 'Conv2D', { filters: 2 }),
      at('pool', 'GlobalAveragePooling2D'),
      at('dense', 'Dense', { units: 4 }),
      at('join', 'Concatenate'),
      at('class_head', 'Output', { units: 3, activation: 'softmax' }),
      at('value_head', 'Output', { units: 1, activation: 'linear' }),
    ],
    edges: edges(
      ['image', 'conv'],
      ['conv', 'pool'],
      ['table', 'dense'],
      ['dense', 'join'],
      ['pool', 'join'],
      ['join', 'class_head'],
      ['join', 'value_head'],
    ),
  };
}

/** A small residual block: Conv2D → (Conv2D → Conv2D) + skip → Add. */
export function residual(): ModelGraph {
  return {
    version: GRAPH_SCHEMA_VERSION,
    nodes: [
      at('input', 'Input', { shape: [64] }),
      at('img', 'Reshape', { target_shape: [8, 8, 1] }),
      at('stem', 'Conv2D', { filters: 4, padding: 'same' }),
      at('a', 'Conv2D', { filters: 4, padding: 'same' }),
      at('b', 'BatchNormalization'),
      at('sum', 'Add'),
      at('pool', 'MaxPooling2D'),
      at('gap', 'GlobalAveragePooling2D'),
      at('output', 'Output', { units: 2, activation: 'softmax' }),
    ],
    edges: edges(
      ['input', 'img'],
      ['img', 'stem'],
      ['stem', 'a'],
      ['a', 'b'],
      ['b', 'sum'],
      ['stem', 'sum'],
      ['sum', 'pool'],
      ['pool', 'gap'],
      ['gap', 'output'],
    ),
  };
}
