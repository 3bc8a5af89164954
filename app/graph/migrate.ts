/**
 * Graph schema migrations, one step per version, on raw JSON (before validation). A step is
 * frozen once released: it writes exactly what that version meant, never today's defaults.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * 1 → 2: Dense and Output gained initializers and regularizers. Version 1 always built them
 * with glorot_uniform kernels, zero biases and no penalty, so that is what they get.
 */
function v1ToV2(graph: Json): Json {
  const nodes = Array.isArray(graph.nodes) ? graph.nodes : graph.nodes;
  return {
    ...graph,
    version: 2,
    nodes: Array.isArray(nodes)
      ? nodes.map((node: unknown) => {
          if (!isObject(node) || !isObject(node.config) || (node.type !== 'Dense' && node.type !== 'Output'))
            return node;
          return {
            ...node,
            config: {
              kernel_initializer: 'glorot_uniform',
              bias_initializer: 'zeros',
              kernel_regularizer: null,
              bias_regularizer: null,
              ...node.config,
            },
          };
        })
      : nodes,
  };
}

const STEPS: Record<number, (graph: Json) => Json> = { 1: v1ToV2 };

/**
 * Bring a stored graph (any version) to the current schema. Anything that is not a graph of a
 * known older version is returned as it is, for validation to report.
 */
export function migrateGraph(raw: unknown): unknown {
  let graph = raw;
  for (let guard = 0; guard < 100 && isObject(graph) && typeof graph.version === 'number'; guard++) {
    const step = STEPS[graph.version];
    if (!step) break;
    graph = step(graph);
  }
  return graph;
}
