import { GRAPH_SCHEMA_VERSION, type GraphNode, type ModelGraph } from '../../../app/graph/schema';
import { mulberry32 } from '../../../app/math/seeded-random';

/**
 * 400 rows where each target depends on one Input's columns only: price on a1, a2 (plus noise),
 * kind on b1 and the text column group. A model that routes both Inputs to both heads can learn
 * both; a constant guess (the baseline) cannot.
 */
export function multiHeadCsv(rows = 400, seed = 7): string {
  const random = mulberry32(seed);
  const lines = ['a1,a2,b1,group,price,kind'];
  const shift: Record<string, number> = { p: 0.6, q: 0, r: -0.6 };
  for (let i = 0; i < rows; i++) {
    const a1 = random() * 2 - 1;
    const a2 = random() * 2 - 1;
    const b1 = random() * 2 - 1;
    const group = (['p', 'q', 'r'] as const)[Math.floor(random() * 3)]!;
    const price = 50 + 20 * a1 - 10 * a2 + (random() - 0.5);
    const kind = b1 + shift[group]! > 0 ? 'high' : 'low';
    lines.push([a1.toFixed(4), a2.toFixed(4), b1.toFixed(4), group, price.toFixed(3), kind].join(','));
  }
  return lines.join('\n');
}

const node = (id: string, type: GraphNode['type'], config: Record<string, unknown>): GraphNode =>
  ({ id, type, position: { x: 0, y: 0 }, config }) as GraphNode;

/** in_a (a1, a2) and in_b (the rest) → Concatenate → Dense 16 → out_price (the task's target) and out_kind (kind). */
export function twoInputTwoHeadGraph(): ModelGraph {
  return {
    version: GRAPH_SCHEMA_VERSION,
    nodes: [
      node('in_a', 'Input', { shape: [1], columns: ['a1', 'a2'] }),
      node('in_b', 'Input', { shape: [1] }),
      node('merge', 'Concatenate', { axis: -1 }),
      node('hidden', 'Dense', { units: 16, activation: 'relu' }),
      node('out_price', 'Output', { units: 1, activation: 'linear' }),
      node('out_kind', 'Output', { units: 1, activation: 'linear', target: 'kind' }),
    ],
    edges: [
      { id: 'e1', source: 'in_a', target: 'merge' },
      { id: 'e2', source: 'in_b', target: 'merge' },
      { id: 'e3', source: 'merge', target: 'hidden' },
      { id: 'e4', source: 'hidden', target: 'out_price' },
      { id: 'e5', source: 'hidden', target: 'out_kind' },
    ],
  };
}
