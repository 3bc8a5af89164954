import { MarkerType, type Edge, type Node } from '@xyflow/react';
import {
  GRAPH_SCHEMA_VERSION,
  LAYERS,
  templateGraph,
  type GraphNode,
  type LayerType,
  type ModelGraph,
  TEMPLATES,
  templateProblem,
  type TemplateName,
  type Head,
  type InputShape,
  type GraphAnalysis,
} from '../../../../app/graph';
import type { TaskShape } from '../../../../app/dataset/task';

/**
 * The bridge between the stored ModelGraph and React Flow's nodes and edges. The editor keeps
 * React Flow's objects (they carry measured sizes and selection); the ModelGraph is derived
 * from them whenever it is analysed or saved.
 */
export type LayerData = {
  type: LayerType;
  /** May be half-typed while the user edits (units = NaN); analyzeGraph reports it on the node. */
  config: GraphNode['config'];
  name?: string;
  /** false: a frozen layer (training leaves its weights alone). */
  trainable?: boolean;
};
export type LayerNode = Node<LayerData, 'layer'>;
export type ShapeEdge = Edge<Record<string, never>, 'shape'>;

/** Vertical distance between stacked layers; a node is ~90 px tall, so edges stay clickable. */
export const ROW_GAP = 160;

const FIXED: ReadonlySet<LayerType> = new Set(['Input', 'Output']);

/** Layers with several input ports (one per connected branch, plus a free one). */
export function isMerge(type: LayerType): boolean {
  return LAYERS[type].inputs.max > 1;
}

export function toFlowNode(node: GraphNode, selected = false): LayerNode {
  return {
    id: node.id,
    type: 'layer',
    position: { ...node.position },
    data: {
      type: node.type,
      config: node.config,
      ...(node.name ? { name: node.name } : {}),
      ...(node.trainable === false ? { trainable: false } : {}),
    },
    deletable: !FIXED.has(node.type),
    selected,
  };
}

/**
 * The model always keeps an Input and an Output (they follow the dataset); extra ones (a second
 * input, a second head) can be deleted. Edges into a merge are drawn on numbered ports in their
 * order, which is the order the merge takes its inputs in.
 */
export function normalize(nodes: LayerNode[], edges: ShapeEdge[]): { nodes: LayerNode[]; edges: ShapeEdge[] } {
  const count = (t: LayerType) => nodes.filter((n) => n.data.type === t).length;
  const inputs = count('Input');
  const outputs = count('Output');
  const fixedNodes = nodes.map((n) => {
    const deletable = !FIXED.has(n.data.type) || (n.data.type === 'Input' ? inputs > 1 : outputs > 1);
    return n.deletable === deletable ? n : { ...n, deletable };
  });
  const merges = new Set(nodes.filter((n) => isMerge(n.data.type)).map((n) => n.id));
  const port = new Map<string, number>();
  const fixedEdges = edges.map((e) => {
    let handle: string | null = null;
    if (merges.has(e.target)) {
      const k = port.get(e.target) ?? 0;
      port.set(e.target, k + 1);
      handle = `in-${k}`;
    }
    return (e.targetHandle ?? null) === handle ? e : { ...e, targetHandle: handle };
  });
  return { nodes: fixedNodes, edges: fixedEdges };
}

export function toFlowEdge(edge: { id: string; source: string; target: string }): ShapeEdge {
  return {
    id: edge.id,
    source: edge.source,
    target: edge.target,
    type: 'shape',
    markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18, color: '#94a3b8' },
  };
}

export function toModelGraph(nodes: readonly LayerNode[], edges: readonly ShapeEdge[]): ModelGraph {
  return {
    version: GRAPH_SCHEMA_VERSION,
    nodes: nodes.map(
      (n) =>
        ({
          id: n.id,
          type: n.data.type,
          position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
          config: n.data.config,
          ...(n.data.name ? { name: n.data.name } : {}),
          ...(n.data.trainable === false ? { trainable: false } : {}),
        }) as GraphNode,
    ),
    edges: edges.map((e) => ({ id: e.id, source: e.source, target: e.target })),
  };
}

/** What one sample looks like to the model: an image or a window keeps its dimensions; a table row is its encoded width. */
export function taskInput(shape: TaskShape): InputShape {
  return shape.inputShape ?? shape.inputWidth;
}

/** A template as generated, with room between layers (the catalogue's spacing is tighter); a branch keeps its column. */
export function laidOut(graph: ModelGraph): ModelGraph {
  return {
    ...graph,
    nodes: graph.nodes.map((n) => ({ ...n, position: { x: n.position.x * 1.2, y: (n.position.y / 120) * ROW_GAP } })),
  };
}

/** A template by name, laid out for the editor. */
export function laidOutTemplate(name: TemplateName, input: InputShape, head: Head): ModelGraph {
  return laidOut(templateGraph(name, input, head));
}

/**
 * Layers whose parameter count changed between two analyses of a graph (an imported model fitted
 * to the dataset: other features, other classes): their imported weights no longer fit, so the
 * engine starts them fresh.
 */
export function resizedLayers(before: GraphAnalysis['nodes'], after: GraphAnalysis['nodes']): string[] {
  return Object.keys(before).filter(
    (id) => before[id]!.params > 0 && after[id] !== undefined && after[id].params !== before[id]!.params,
  );
}

/** Structure and settings without positions: what "has the user changed the model" means. */
export function structureKey(graph: ModelGraph): string {
  const nodes = [...graph.nodes]
    .map((n) => [n.id, n.type, n.config])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const edges = graph.edges.map((e) => `${e.source}>${e.target}`).sort();
  return JSON.stringify([nodes, edges]);
}

/** Whether replacing the graph would throw away work: it matches no template as generated. */
export function hasEdits(graph: ModelGraph, input: InputShape, head: Head): boolean {
  const key = structureKey(graph);
  return !TEMPLATES.some(
    (t) => templateProblem(t, input) === undefined && structureKey(templateGraph(t, input, head)) === key,
  );
}

/** dense_3 after dense_1 and dense_2: ids stay readable and unique. */
export function nextNodeId(type: LayerType, taken: Iterable<string>): string {
  // conv2d_transpose_1, max_pooling2d_1: Keras' snake_case layer names.
  const prefix = type.replace(/([a-z]|\dD)([A-Z])/g, '$1_$2').toLowerCase();
  const used = new Set(taken);
  let n = 1;
  for (const id of used) {
    const m = new RegExp(`^${prefix}_(\\d+)$`).exec(id);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  while (used.has(`${prefix}_${n}`)) n += 1;
  return `${prefix}_${n}`;
}

export function edgeId(source: string, target: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = `e_${source}_${target}`;
  if (!used.has(base)) return base;
  let n = 2;
  while (used.has(`${base}_${n}`)) n += 1;
  return `${base}_${n}`;
}
