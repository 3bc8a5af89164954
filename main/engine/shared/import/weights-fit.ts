import type { GraphAnalysis } from '../../../../app/graph/analyze';
import type { NodeWeights } from './weights-file';

/**
 * Nodes whose imported weights no longer fit them (an Output resized to the dataset's classes,
 * a Dense given more units), found from the parameter counts the editor shows, without tfjs.
 * The engine starts these nodes fresh; callers say so instead of letting it pass unnoticed.
 */
export function nodesWithStaleWeights(analysis: GraphAnalysis, weights: NodeWeights): string[] {
  const stale: string[] = [];
  for (const [id, list] of weights) {
    const info = analysis.nodes[id];
    if (!info) continue;
    const count = list.reduce((sum, w) => sum + w.values.length, 0);
    if (count !== info.params) stale.push(id);
  }
  return stale;
}
