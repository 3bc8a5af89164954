import { templateGraph, type InputShape } from '../graph/templates';
import type { GraphEdge, GraphNode, ModelGraph } from '../graph/schema';
import type { ParamValue } from './study';

/** The graph settings a study searches: they apply to a model with hidden Dense layers (the mlp template). */
export const GRAPH_PARAMS = ['units', 'dropout'] as const;

export function hasGraphParams(params: Record<string, ParamValue>): boolean {
  return GRAPH_PARAMS.some((p) => params[p] !== undefined);
}

/**
 * Whether a graph has the mlp template's shape (Input → optional Flatten → Dense → Dense →
 * Output, one chain, no Dropout yet): the graphs whose hidden width and dropout a study searches.
 */
export function isMlpShaped(graph: ModelGraph): boolean {
  const types = graph.nodes.map((n) => n.type).sort();
  const expected = ['Dense', 'Dense', 'Input', 'Output'];
  const withoutFlatten = types.filter((t) => t !== 'Flatten');
  if (types.length - withoutFlatten.length > 1) return false;
  if (withoutFlatten.join() !== expected.join()) return false;
  // One chain: every node but the last feeds exactly one other, every node but the Input has one input.
  if (graph.edges.length !== graph.nodes.length - 1) return false;
  const targets = new Set(graph.edges.map((e) => e.target));
  const sources = new Set(graph.edges.map((e) => e.source));
  return targets.size === graph.edges.length && sources.size === graph.edges.length;
}

/**
 * An mlp-shaped graph with a trial's width and dropout: the first hidden Dense layer gets
 * `units`, the second half as many (the template's 32/16 shape), and a Dropout of rate
 * `dropout` follows each when it is above 0. The Input and Output stay as they are.
 */
export function withMlpParams(graph: ModelGraph, params: Record<string, ParamValue>): ModelGraph {
  const dense = graph.nodes.filter((n) => n.type === 'Dense');
  // The hidden layers in chain order: the first is the one whose input is not a Dense layer.
  const hidden = [...dense].sort(
    (a, b) =>
      Number(graph.edges.some((e) => e.source === b.id && e.target === a.id)) -
      Number(graph.edges.some((e) => e.source === a.id && e.target === b.id)),
  );
  const units = typeof params['units'] === 'number' ? params['units'] : null;
  const dropout = typeof params['dropout'] === 'number' ? params['dropout'] : 0;
  const nodes: GraphNode[] = graph.nodes.map((n) => {
    if (n.type !== 'Dense' || units === null) return n;
    const width = n.id === hidden[0]?.id ? units : Math.max(1, Math.round(units / 2));
    return { ...n, config: { ...n.config, units: width } };
  });
  let edges: GraphEdge[] = graph.edges;
  if (dropout > 0) {
    for (const layer of hidden) {
      const id = `dropout_after_${layer.id}`;
      nodes.push({
        id,
        type: 'Dropout',
        config: { rate: dropout },
        position: { x: layer.position.x + 240, y: layer.position.y + 60 },
      });
      edges = edges.flatMap((e) =>
        e.source === layer.id
          ? [
              { id: `e_${layer.id}_${id}`, source: layer.id, target: id },
              { ...e, id: `e_${id}_${e.target}`, source: id },
            ]
          : [e],
      );
    }
  }
  return { ...graph, nodes, edges };
}

/**
 * The mlp template with a trial's width and dropout (withMlpParams; units 32 when not searched).
 * The Input and Output are sized for the data by the train command (fitGraphToData), so `shape`
 * may be a stand-in.
 */
export function mlpTrialGraph(params: Record<string, ParamValue>, shape: InputShape = 1): ModelGraph {
  return withMlpParams(templateGraph('mlp', shape, { units: 1, activation: 'linear' }), params);
}
