import { templateGraph, type InputShape } from '../graph/templates';
import type { GraphEdge, GraphNode, ModelGraph } from '../graph/schema';
import type { ParamValue } from './study';

/** The graph settings a study searches: they apply to a model with hidden Dense layers (the mlp template). */
export const GRAPH_PARAMS = ['units', 'dropout'] as const;

export function hasGraphParams(params: Record<string, ParamValue>): boolean {
  return GRAPH_PARAMS.some((p) => params[p] !== undefined);
}

/**
 * The mlp template with a trial's width and dropout: the first hidden Dense layer gets `units`,
 * the second half as many (the template's 32/16 shape), and a Dropout of rate `dropout` follows
 * each when it is above 0. The Input and Output are sized for the data by the train command
 * (fitGraphToData), so `shape` may be a stand-in.
 */
export function mlpTrialGraph(params: Record<string, ParamValue>, shape: InputShape = 1): ModelGraph {
  const graph = templateGraph('mlp', shape, { units: 1, activation: 'linear' });
  const units = typeof params['units'] === 'number' ? params['units'] : 32;
  const dropout = typeof params['dropout'] === 'number' ? params['dropout'] : 0;
  const hidden = graph.nodes.filter((n) => n.type === 'Dense');
  const nodes: GraphNode[] = graph.nodes.map((n) => {
    if (n.type !== 'Dense') return n;
    const width = n.id === hidden[0]?.id ? units : Math.max(1, Math.round(units / 2));
    return { ...n, config: { ...n.config, units: width } };
  });
  let edges: GraphEdge[] = graph.edges;
  if (dropout > 0) {
    for (const dense of hidden) {
      const id = `dropout_after_${dense.id}`;
      nodes.push({
        id,
        type: 'Dropout',
        config: { rate: dropout },
        position: { x: dense.position.x + 240, y: dense.position.y + 60 },
      });
      edges = edges.flatMap((e) =>
        e.source === dense.id
          ? [
              { id: `e_${dense.id}_${id}`, source: dense.id, target: id },
              { ...e, id: `e_${id}_${e.target}`, source: id },
            ]
          : [e],
      );
    }
  }
  return { ...graph, nodes, edges };
}
