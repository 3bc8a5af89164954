import { LAYERS } from './layers';
import { GRAPH_SCHEMA_VERSION, type GraphNode, type ModelGraph } from './schema';

export type TemplateName = 'linear' | 'mlp';
export const TEMPLATES: readonly TemplateName[] = ['linear', 'mlp'];

export interface Head {
  units: number;
  activation: 'softmax' | 'sigmoid' | 'linear';
}

/**
 * Starting graphs that fit the dataset: Input sized to the encoded features, Output to the task.
 * linear: Input → Output (linear or logistic regression). mlp: two hidden Dense layers.
 */
export function templateGraph(name: TemplateName, inputWidth: number, head: Head): ModelGraph {
  const nodes: GraphNode[] = [{ id: 'input', type: 'Input', position: { x: 0, y: 0 }, config: { shape: [inputWidth] } }];
  if (name === 'mlp') {
    nodes.push(
      { id: 'dense_1', type: 'Dense', position: { x: 0, y: 120 }, config: { ...LAYERS.Dense.defaults(), units: 32 } },
      { id: 'dense_2', type: 'Dense', position: { x: 0, y: 240 }, config: { ...LAYERS.Dense.defaults(), units: 16 } },
    );
  }
  nodes.push({ id: 'output', type: 'Output', position: { x: 0, y: 120 * nodes.length }, config: { ...LAYERS.Output.defaults(), units: head.units, activation: head.activation } });
  const edges = nodes.slice(1).map((n, i) => ({ id: `e_${nodes[i]!.id}_${n.id}`, source: nodes[i]!.id, target: n.id }));
  return { version: GRAPH_SCHEMA_VERSION, nodes, edges };
}

/** Keep a user's graph in step with the dataset: Input width and Output head follow the data. */
export function fitGraphToData(graph: ModelGraph, inputWidth: number, head: Head): ModelGraph {
  // With several Inputs only the user knows which one the table feeds; leave them as set.
  const inputs = graph.nodes.filter((n) => n.type === 'Input').length;
  return {
    ...graph,
    nodes: graph.nodes.map((n): GraphNode => {
      if (n.type === 'Input' && inputs === 1) return { ...n, config: { shape: [inputWidth] } };
      if (n.type === 'Output') return { ...n, config: { ...n.config, units: head.units, activation: head.activation } };
      return n;
    }),
  };
}
