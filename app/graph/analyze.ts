import type { z } from 'zod';
import { LAYERS } from './layers';
import { CONFIG_SCHEMAS, type GraphNode, type ModelGraph } from './schema';
import type { SampleShape } from './shape';

export interface NodeInfo {
  /** Undefined when this node or something upstream of it is invalid. */
  outputShape?: SampleShape;
  params: number;
  /** Of `params`, those training leaves alone: all of a frozen node's, and BatchNormalization's moving statistics. */
  nonTrainableParams: number;
  /** Plain-language problems with this node, shown on it in the editor. */
  errors: string[];
}

export interface GraphIssue {
  nodeId?: string;
  edgeId?: string;
  message: string;
}

export interface GraphAnalysis {
  ok: boolean;
  nodes: Record<string, NodeInfo>;
  /** The tensor each edge carries: its source's output shape. */
  edgeShapes: Record<string, SampleShape | undefined>;
  totalParams: number;
  /** totalParams split as Keras' summary splits it: what the optimizer updates, and the rest. */
  trainableParams: number;
  nonTrainableParams: number;
  /** Every problem, node-bound or not, in a stable order. */
  issues: GraphIssue[];
  /** Node ids in topological order (nodes in a cycle are left out). */
  order: string[];
  inputs: string[];
  outputs: string[];
  /** Each valid node's config with Keras' defaults filled in: what the engine builds. */
  configs: Record<string, unknown>;
  /** Each node's sources, in edge order: a merge takes its inputs in this order. */
  sources: Record<string, string[]>;
}

/** One line of the editor's issue list: identical messages once, with how many times they occur. */
export interface GroupedIssue {
  message: string;
  count: number;
  nodeIds: string[];
}

/**
 * Identical messages grouped (five unnamed Dense layers with the same problem read once, "×5"), in
 * the order each first occurs, so the list stays short and every distinct problem is in it.
 */
export function groupIssues(issues: readonly GraphIssue[]): GroupedIssue[] {
  const groups = new Map<string, GroupedIssue>();
  for (const issue of issues) {
    const group = groups.get(issue.message) ?? { message: issue.message, count: 0, nodeIds: [] };
    group.count += 1;
    if (issue.nodeId && !group.nodeIds.includes(issue.nodeId)) group.nodeIds.push(issue.nodeId);
    groups.set(issue.message, group);
  }
  return [...groups.values()];
}

function label(node: GraphNode): string {
  return node.name ? `${node.type} "${node.name}"` : node.type;
}

/**
 * Shape inference and validation of a model graph: the one meaning of a graph that the editor
 * shows and the engine builds. Pure; never throws on a malformed graph, it reports it.
 */
export function analyzeGraph(graph: ModelGraph): GraphAnalysis {
  const issues: GraphIssue[] = [];
  const nodes: Record<string, NodeInfo> = {};
  const byId = new Map<string, GraphNode>();
  const configs: Record<string, unknown> = {};
  const nodeError = (node: GraphNode, message: string) => {
    nodes[node.id]?.errors.push(message);
    issues.push({ nodeId: node.id, message: `${label(node)}: ${message}` });
  };

  for (const node of graph.nodes) {
    if (byId.has(node.id)) {
      issues.push({ nodeId: node.id, message: `Two nodes share the id "${node.id}".` });
      continue;
    }
    byId.set(node.id, node);
    nodes[node.id] = { params: 0, nonTrainableParams: 0, errors: [] };
    const spec = LAYERS[node.type] as (typeof LAYERS)[keyof typeof LAYERS] | undefined;
    if (!spec) {
      issues.push({ nodeId: node.id, message: `Unknown layer type "${String(node.type)}".` });
      continue;
    }
    const parsed = (CONFIG_SCHEMAS[node.type] as z.ZodType).safeParse(node.config);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        nodeError(node, issue.path.length > 1 ? `${issue.path.join('.')}: ${issue.message}` : issue.message);
    } else {
      configs[node.id] = parsed.data;
    }
  }

  const incoming = new Map<string, string[]>();
  const outgoing = new Map<string, string[]>();
  const seenEdges = new Set<string>();
  const validEdges: ModelGraph['edges'] = [];
  for (const edge of graph.edges) {
    if (!byId.has(edge.source) || !byId.has(edge.target)) {
      issues.push({
        edgeId: edge.id,
        message: `A connection points to a node that does not exist (${edge.source} → ${edge.target}).`,
      });
      continue;
    }
    if (edge.source === edge.target) {
      nodeError(byId.get(edge.source)!, 'it is connected to itself; a layer cannot feed its own input.');
      continue;
    }
    const key = `${edge.source}->${edge.target}`;
    if (seenEdges.has(key)) continue; // a duplicate connection means nothing more than the first
    seenEdges.add(key);
    validEdges.push(edge);
    incoming.set(edge.target, [...(incoming.get(edge.target) ?? []), edge.source]);
    outgoing.set(edge.source, [...(outgoing.get(edge.source) ?? []), edge.target]);
  }

  // Kahn's algorithm: whatever is left over sits on a cycle or downstream of one.
  const indegree = new Map<string, number>();
  for (const id of byId.keys()) indegree.set(id, incoming.get(id)?.length ?? 0);
  const queue = [...byId.keys()].filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (queue.length > 0) {
    const id = queue.shift()!;
    order.push(id);
    for (const next of outgoing.get(id) ?? []) {
      const d = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, d);
      if (d === 0) queue.push(next);
    }
  }
  const ordered = new Set(order);
  for (const [id, node] of byId) {
    if (!ordered.has(id))
      nodeError(
        node,
        'it is part of a cycle (or fed by one). Data must flow one way, from Input to Output: remove a connection that loops back.',
      );
  }

  const inputs = [...byId.values()].filter((n) => n.type === 'Input').map((n) => n.id);
  const outputs = [...byId.values()].filter((n) => n.type === 'Output').map((n) => n.id);
  if (inputs.length === 0) issues.push({ message: 'The model has no Input node.' });
  if (outputs.length === 0)
    issues.push({ message: 'The model has no Output node: add one and connect the last layer to it.' });

  // Reachability: a node that no Input feeds, or that feeds no Output, would not be trained.
  const reach = (starts: string[], next: Map<string, string[]>) => {
    const seen = new Set(starts);
    const stack = [...starts];
    while (stack.length)
      for (const n of next.get(stack.pop()!) ?? [])
        if (!seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
    return seen;
  };
  const fromInput = reach(inputs, outgoing);
  const toOutput = reach(outputs, incoming);

  for (const id of order) {
    const node = byId.get(id)!;
    const info = nodes[id]!;
    const spec = LAYERS[node.type];
    const sources = incoming.get(id) ?? [];
    if (node.type === 'Output' && (outgoing.get(id)?.length ?? 0) > 0)
      nodeError(node, 'an Output is the end of the model; nothing can follow it.');
    if (sources.length < spec.inputs.min) {
      nodeError(
        node,
        spec.inputs.min === 1
          ? 'it has no input: connect a layer to it.'
          : `it joins branches: connect at least ${spec.inputs.min} layers to it (${sources.length} connected).`,
      );
    } else if (sources.length > spec.inputs.max) {
      nodeError(
        node,
        spec.inputs.max === 0
          ? 'an Input cannot receive connections.'
          : `it takes ${spec.inputs.max === 1 ? 'one input' : `at most ${spec.inputs.max} inputs`}, but ${sources.length} are connected. Remove the extra connections.`,
      );
    } else if (!fromInput.has(id)) {
      nodeError(node, 'it is not connected to an Input.');
    } else if (!toOutput.has(id)) {
      const target = outputs.length === 1 ? label(byId.get(outputs[0]!)!) : 'an Output';
      nodeError(
        node,
        `it does not lead to an Output, so it would never be trained: connect ${label(node)} to ${target} (or to a layer on the way there), or delete it.`,
      );
    }
    if (info.errors.length > 0) continue;
    const inputShapes = sources.map((s) => nodes[s]?.outputShape);
    if (inputShapes.some((s) => s === undefined)) continue; // upstream already reported
    const shapes = inputShapes as SampleShape[];
    // The catalogue is keyed on type, so spec and config agree; TypeScript can't see through the union.
    const result = (spec.infer as (i: readonly SampleShape[], c: unknown) => ReturnType<typeof spec.infer>)(
      shapes,
      configs[id],
    );
    if ('error' in result) {
      nodeError(node, result.error);
      continue;
    }
    info.outputShape = result.shape;
    info.params = (spec.params as (i: readonly SampleShape[], c: unknown) => number)(shapes, configs[id]);
    const fixed = spec.nonTrainableParams as ((i: readonly SampleShape[], c: unknown) => number) | undefined;
    info.nonTrainableParams = node.trainable === false ? info.params : (fixed?.(shapes, configs[id]) ?? 0);
  }

  const edgeShapes: Record<string, SampleShape | undefined> = {};
  for (const edge of validEdges) edgeShapes[edge.id] = nodes[edge.source]?.outputShape;
  const totalParams = Object.values(nodes).reduce((sum, n) => sum + n.params, 0);
  const nonTrainableParams = Object.values(nodes).reduce((sum, n) => sum + n.nonTrainableParams, 0);
  return {
    ok: issues.length === 0,
    nodes,
    edgeShapes,
    totalParams,
    trainableParams: totalParams - nonTrainableParams,
    nonTrainableParams,
    issues,
    order,
    inputs,
    outputs,
    configs,
    sources: Object.fromEntries(incoming),
  };
}
