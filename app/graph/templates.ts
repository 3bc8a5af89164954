import { UserError } from '../ipc/errors';
import { LAYERS } from './layers';
import { GRAPH_SCHEMA_VERSION, type GraphEdge, type GraphNode, type ModelGraph } from './schema';

export type TemplateName = 'linear' | 'mlp' | 'cnn' | 'residual_cnn' | 'lstm';
export const TEMPLATES: readonly TemplateName[] = ['linear', 'mlp', 'cnn', 'residual_cnn', 'lstm'];

export interface Head {
  units: number;
  activation: 'softmax' | 'sigmoid' | 'linear';
}

/**
 * What one sample of the dataset looks like to the model: a number is a table's encoded width
 * (the same as [width]); [steps, features] is a time-series window; [height, width, channels] an image.
 */
export type InputShape = number | readonly number[];

export function inputDims(shape: InputShape): number[] {
  return typeof shape === 'number' ? [shape] : [...shape];
}

const ROW = 120;
const COLUMN = 240;

/** Two poolings of 2×2 halve the image twice; below 4 pixels a side nothing is left to pool. */
const MIN_CNN_SIDE = 4;
/** Past this many values after the last pooling, Flatten → Dense 64 gets heavy: average instead. */
const MAX_FLATTENED = 4096;
/** Filters of the CNN template's conv blocks, in order. */
const CNN_FILTERS = [16, 32, 64, 64] as const;
/** The CNN template pools until the longer side is about this small (where Flatten keeps where things are). */
const CNN_TARGET_SIDE = 8;

/**
 * How many conv + 2×2 pooling blocks the CNN template stacks for an image: enough to bring the
 * longer side down to about CNN_TARGET_SIDE (28-32 px: 2, 64 px: 3, 128 px and up: 4), at least
 * 2 while the shorter side allows it, never so many that a side pools away.
 */
export function cnnBlocks(height: number, width: number): number {
  const wanted = Math.ceil(Math.log2(Math.max(height, width) / CNN_TARGET_SIDE));
  const possible = Math.floor(Math.log2(Math.min(height, width)));
  return Math.max(1, Math.min(CNN_FILTERS.length, possible, Math.max(2, wanted)));
}

function describe(dims: readonly number[]): string {
  return `(${dims.join(', ')})`;
}

/**
 * Why a template cannot start from data of this shape, in words for the user; undefined when it can.
 * The editor disables such a template's button with this as its reason; templateGraph throws it.
 */
export function templateProblem(name: TemplateName, shape: InputShape): string | undefined {
  const dims = inputDims(shape);
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1))
    return `The dataset's sample shape ${describe(dims)} is not a list of positive whole numbers.`;
  if (name === 'cnn' || name === 'residual_cnn') {
    if (dims.length !== 3)
      return `CNN templates need an image dataset (height, width, channels per sample), but this dataset gives ${describe(dims)} per sample.`;
    const [h, w] = dims as [number, number, number];
    if (name === 'cnn' && (h < MIN_CNN_SIDE || w < MIN_CNN_SIDE))
      return `The CNN template pools twice, so images need at least ${MIN_CNN_SIDE}×${MIN_CNN_SIDE} pixels; these are ${h}×${w}.`;
    if (h < 2 || w < 2)
      return `The residual CNN template pools once, so images need at least 2×2 pixels; these are ${h}×${w}.`;
  }
  if (name === 'lstm' && dims.length !== 2) {
    return `The LSTM template needs time-series windows (steps, features per sample), but this dataset gives ${describe(dims)} per sample. Turn on windows for a time-ordered table first.`;
  }
  return undefined;
}

/**
 * The template a fresh model starts from: the one made for this kind of data. Time-series
 * windows start linear (an autoregression on the differenced window, the strong baseline of
 * short series: an LSTM on a few hundred windows mostly fits noise); lstm is one click away.
 */
export function defaultTemplate(shape: InputShape): TemplateName {
  const rank = inputDims(shape).length;
  return rank === 3 ? 'cnn' : rank === 2 ? 'linear' : 'mlp';
}

/** The templates that can start from data of this shape. */
export function templatesFor(shape: InputShape): TemplateName[] {
  return TEMPLATES.filter((t) => templateProblem(t, shape) === undefined);
}

interface Builder {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Appends a node below `after` (default: the last one added) and connects it. */
  add(
    node: Omit<GraphNode, 'position'> & { position?: GraphNode['position'] },
    after?: string | readonly string[],
  ): string;
}

function builder(): Builder {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  return {
    nodes,
    edges,
    add(node, after) {
      const sources =
        after === undefined ? (nodes.length ? [nodes.at(-1)!.id] : []) : typeof after === 'string' ? [after] : after;
      const row =
        Math.max(-1, ...sources.map((s) => Math.round((nodes.find((n) => n.id === s)?.position.y ?? -ROW) / ROW))) + 1;
      nodes.push({ position: { x: 0, y: row * ROW }, ...node } as GraphNode);
      for (const s of sources) edges.push({ id: `e_${s}_${node.id}`, source: s, target: node.id });
      return node.id;
    },
  };
}

const dense = (units: number) => ({ ...LAYERS.Dense.defaults(), units });
const conv = (filters: number, activation: 'relu' | 'linear' = 'relu') => ({
  ...LAYERS.Conv2D.defaults(),
  filters,
  kernel_size: [3, 3],
  padding: 'same' as const,
  activation,
});

/**
 * Starting graphs that fit the dataset: the Input takes the dataset's per-sample shape, the
 * Output its task's head.
 *   linear: Input → Output (linear or logistic regression).
 *   mlp: two hidden Dense layers (32, 16).
 *   cnn: Conv2D blocks (16, 32, 64, 64 filters; 3×3 'same', relu) each followed by 2×2 max
 *        pooling, as many as bring the longer side to about 8 pixels (cnnBlocks: 2 for 32 px, 3
 *        for 64 px), then Flatten (GlobalAveragePooling2D if that would exceed 4,096 values, so
 *        Dense 64 stays small) → Dense 64 → head.
 *   residual_cnn: a stem Conv2D 16, then a residual block (two 3×3 convs on a branch added to
 *        the stem's output: the identity path), relu, max pooling, global average, Dense 64, head.
 *   lstm: a window of (steps, features) → LSTM 32 → head.
 * linear and mlp flatten a multi-dimensional sample first, so they fit any dataset.
 * Throws a UserError saying why when the template cannot fit the data (see templateProblem).
 */
export function templateGraph(name: TemplateName, shape: InputShape, head: Head): ModelGraph {
  const problem = templateProblem(name, shape);
  if (problem) throw new UserError(problem);
  const dims = inputDims(shape);
  const b = builder();
  b.add({ id: 'input', type: 'Input', config: { shape: dims } });
  const flattenIfNeeded = () => {
    if (dims.length > 1) b.add({ id: 'flatten', type: 'Flatten', config: {} });
  };
  switch (name) {
    case 'linear':
      flattenIfNeeded();
      break;
    case 'mlp':
      flattenIfNeeded();
      b.add({ id: 'dense_1', type: 'Dense', config: dense(32) });
      b.add({ id: 'dense_2', type: 'Dense', config: dense(16) });
      break;
    case 'cnn': {
      const [h, w] = dims as [number, number, number];
      const blocks = cnnBlocks(h, w);
      let side = [h, w];
      let filters = 16;
      for (let k = 1; k <= blocks; k += 1) {
        filters = CNN_FILTERS[k - 1]!;
        b.add({ id: `conv2d_${k}`, type: 'Conv2D', config: conv(filters) });
        b.add({ id: `max_pooling2d_${k}`, type: 'MaxPooling2D', config: LAYERS.MaxPooling2D.defaults() });
        side = side.map((s) => Math.floor(s / 2));
      }
      const flattened = side[0]! * side[1]! * filters;
      if (flattened <= MAX_FLATTENED) b.add({ id: 'flatten', type: 'Flatten', config: {} });
      else b.add({ id: 'global_average_pooling2d_1', type: 'GlobalAveragePooling2D', config: {} });
      b.add({ id: 'dense_1', type: 'Dense', config: dense(64) });
      break;
    }
    case 'residual_cnn': {
      const stem = b.add({ id: 'conv2d_1', type: 'Conv2D', config: conv(16) });
      // The branch sits beside the identity path so the skip connection reads as one on the canvas.
      b.add({ id: 'conv2d_2', type: 'Conv2D', config: conv(16), position: { x: COLUMN, y: 2 * ROW } }, stem);
      const branch = b.add({
        id: 'conv2d_3',
        type: 'Conv2D',
        config: conv(16, 'linear'),
        position: { x: COLUMN, y: 3 * ROW },
      });
      // 'same' padding and equal filters keep the stem's shape, so the identity needs no 1×1 projection.
      b.add({ id: 'add_1', type: 'Add', config: {} }, [stem, branch]);
      b.add({ id: 'activation_1', type: 'Activation', config: { activation: 'relu' } });
      b.add({ id: 'max_pooling2d_1', type: 'MaxPooling2D', config: LAYERS.MaxPooling2D.defaults() });
      b.add({ id: 'global_average_pooling2d_1', type: 'GlobalAveragePooling2D', config: {} });
      b.add({ id: 'dense_1', type: 'Dense', config: dense(64) });
      break;
    }
    case 'lstm':
      b.add({ id: 'lstm_1', type: 'LSTM', config: { ...LAYERS.LSTM.defaults(), units: 32 } });
      break;
  }
  b.add({
    id: 'output',
    type: 'Output',
    config: { ...LAYERS.Output.defaults(), units: head.units, activation: head.activation },
  });
  return { version: GRAPH_SCHEMA_VERSION, nodes: b.nodes, edges: b.edges };
}

/**
 * Keep a user's graph in step with the dataset: the Input's shape and the Output heads follow
 * the data. With several Inputs only the user knows which one the data feeds, so they stay as set.
 */
export function fitGraphToData(graph: ModelGraph, shape: InputShape, head: Head): ModelGraph {
  const inputs = graph.nodes.filter((n) => n.type === 'Input').length;
  const dims = inputDims(shape);
  return {
    ...graph,
    nodes: graph.nodes.map((n): GraphNode => {
      if (n.type === 'Input' && inputs === 1) return { ...n, config: { ...n.config, shape: dims } };
      if (n.type === 'Output') return { ...n, config: { ...n.config, units: head.units, activation: head.activation } };
      return n;
    }),
  };
}
