import dagre from '@dagrejs/dagre';
import type { LayerNode, ShapeEdge } from './graph-model';

const DEFAULT_SIZE = { width: 220, height: 96 };

/**
 * A layered top-to-bottom layout (dagre): data flows down, branches sit side by side, and
 * merges line up under their inputs. Nodes keep their ids and data; only positions change.
 */
export function autoLayout(nodes: readonly LayerNode[], edges: readonly ShapeEdge[]): LayerNode[] {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 50, ranksep: 70, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes)
    g.setNode(n.id, {
      width: n.measured?.width ?? DEFAULT_SIZE.width,
      height: n.measured?.height ?? DEFAULT_SIZE.height,
    });
  for (const e of edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return nodes.map((n) => {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!p) return n;
    // dagre gives centres; React Flow positions are top-left corners.
    return { ...n, position: { x: Math.round(p.x - p.width / 2), y: Math.round(p.y - p.height / 2) } };
  });
}
