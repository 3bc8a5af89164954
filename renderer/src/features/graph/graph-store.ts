import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange, type XYPosition } from '@xyflow/react';
import { createStore } from 'zustand/vanilla';
import { analyzeGraph, fitGraphToData, LAYERS, type GraphAnalysis, type Head, type LayerType, type ModelGraph } from '../../../../app/graph';
import { edgeId, nextNodeId, ROW_GAP, toFlowEdge, toFlowNode, toModelGraph, type LayerData, type LayerNode, type ShapeEdge } from './graph-model';

export interface GraphState {
  nodes: LayerNode[];
  edges: ShapeEdge[];
  /** The ModelGraph the nodes and edges stand for, and its analysis (kept in step on every structural change). */
  graph: ModelGraph;
  analysis: GraphAnalysis;
  /** Bumped by every change worth saving (edits, moves, fitting to the data). */
  revision: number;
  /** Bumped when the view should frame the whole graph (a load, a template). */
  fitViewRequest: number;
}

export interface GraphActions {
  load(graph: ModelGraph | null): void;
  /** Replace the whole graph as an edit (a template). */
  replace(graph: ModelGraph): void;
  fitToData(inputWidth: number, head: Head): void;
  onNodesChange(changes: NodeChange<LayerNode>[]): void;
  onEdgesChange(changes: EdgeChange<ShapeEdge>[]): void;
  connect(connection: Connection): void;
  isValidConnection(connection: { source: string; target: string }): boolean;
  /** Drop from the palette: a free-standing layer where it was dropped. */
  addLayer(type: LayerType, position: XYPosition): string;
  /** Click in the palette: a layer inserted after the selected one (or before the Output). */
  insertLayer(type: LayerType): string;
  updateConfig(id: string, patch: Partial<Record<string, unknown>>): void;
  select(target: { nodeId?: string; edgeId?: string } | null): void;
}

export type GraphStore = ReturnType<typeof createGraphStore>;

const EMPTY: ModelGraph = { version: 1, nodes: [], edges: [] };

function derive(nodes: LayerNode[], edges: ShapeEdge[]) {
  const graph = toModelGraph(nodes, edges);
  return { graph, analysis: analyzeGraph(graph) };
}

/** One editor's state. A factory, so each project (and each test) gets a fresh store. */
export function createGraphStore(initial: ModelGraph | null = null) {
  return createStore<GraphState & GraphActions>()((set, get) => {
    const commit = (nodes: LayerNode[], edges: ShapeEdge[], extra: Partial<GraphState> = {}) =>
      set((s) => ({ nodes, edges, ...derive(nodes, edges), revision: s.revision + 1, ...extra }));

    const initialNodes = (initial ?? EMPTY).nodes.map((n) => toFlowNode(n));
    const initialEdges = (initial ?? EMPTY).edges.map(toFlowEdge);

    return {
      nodes: initialNodes,
      edges: initialEdges,
      ...derive(initialNodes, initialEdges),
      revision: 0,
      fitViewRequest: 0,

      load(graph) {
        const nodes = (graph ?? EMPTY).nodes.map((n) => toFlowNode(n));
        const edges = (graph ?? EMPTY).edges.map(toFlowEdge);
        set((s) => ({ nodes, edges, ...derive(nodes, edges), fitViewRequest: s.fitViewRequest + 1 }));
      },

      replace(graph) {
        const nodes = graph.nodes.map((n) => toFlowNode(n));
        commit(nodes, graph.edges.map(toFlowEdge), { fitViewRequest: get().fitViewRequest + 1 });
      },

      fitToData(inputWidth, head) {
        const { graph, nodes, edges } = get();
        const fitted = fitGraphToData(graph, inputWidth, head);
        const changed = fitted.nodes.some((n, i) => JSON.stringify(n.config) !== JSON.stringify(graph.nodes[i]?.config));
        if (!changed) return;
        const configs = new Map(fitted.nodes.map((n) => [n.id, n.config]));
        commit(
          nodes.map((n) => ({ ...n, data: { ...n.data, config: configs.get(n.id) ?? n.data.config } })),
          edges,
        );
      },

      onNodesChange(changes) {
        const fixed = new Set(get().nodes.filter((n) => n.deletable === false).map((n) => n.id));
        const allowed = changes.filter((c) => !(c.type === 'remove' && fixed.has(c.id)));
        const nodes = applyNodeChanges(allowed, get().nodes);
        const structural = allowed.some((c) => c.type === 'add' || c.type === 'remove' || c.type === 'replace');
        const moved = allowed.some((c) => c.type === 'position' && c.dragging === false);
        if (structural) {
          const ids = new Set(nodes.map((n) => n.id));
          commit(nodes, get().edges.filter((e) => ids.has(e.source) && ids.has(e.target)));
        } else if (moved) {
          set((s) => ({ nodes, graph: toModelGraph(nodes, s.edges), revision: s.revision + 1 }));
        } else {
          set({ nodes });
        }
      },

      onEdgesChange(changes) {
        const edges = applyEdgeChanges(changes, get().edges);
        if (changes.some((c) => c.type === 'add' || c.type === 'remove' || c.type === 'replace')) commit(get().nodes, edges);
        else set({ edges });
      },

      isValidConnection({ source, target }) {
        if (!source || !target || source === target) return false;
        const { nodes, edges } = get();
        const from = nodes.find((n) => n.id === source);
        const to = nodes.find((n) => n.id === target);
        if (!from || !to || from.data.type === 'Output' || to.data.type === 'Input') return false;
        return !edges.some((e) => e.source === source && e.target === target);
      },

      connect(connection) {
        if (!get().isValidConnection(connection)) return;
        const { nodes, edges } = get();
        const id = edgeId(connection.source, connection.target, edges.map((e) => e.id));
        commit(nodes, [...edges, toFlowEdge({ id, source: connection.source, target: connection.target })]);
      },

      addLayer(type, position) {
        const { nodes, edges } = get();
        const id = nextNodeId(type, nodes.map((n) => n.id));
        const node = toFlowNode({ id, type, position: { x: Math.round(position.x), y: Math.round(position.y) }, config: LAYERS[type].defaults() } as never, true);
        commit([...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node], edges.map((e) => (e.selected ? { ...e, selected: false } : e)));
        return id;
      },

      insertLayer(type) {
        const { nodes, edges } = get();
        const byId = new Map(nodes.map((n) => [n.id, n]));
        const output = nodes.find((n) => n.data.type === 'Output');
        let anchor = nodes.find((n) => n.selected);
        if (anchor?.data.type === 'Output') anchor = undefined;
        if (!anchor && output) {
          const feeder = edges.find((e) => e.target === output.id);
          anchor = feeder ? byId.get(feeder.source) : undefined;
        }
        anchor ??= nodes.find((n) => n.data.type === 'Input');
        const id = nextNodeId(type, nodes.map((n) => n.id));
        const config = LAYERS[type].defaults();
        if (!anchor) {
          const y = Math.max(0, ...nodes.map((n) => n.position.y)) + ROW_GAP;
          return get().addLayer(type, { x: 0, y });
        }
        const anchorY = anchor.position.y;
        const shifted = nodes.map((n): LayerNode => ({
          ...n,
          selected: false,
          position: n.position.y > anchorY ? { x: n.position.x, y: n.position.y + ROW_GAP } : n.position,
        }));
        const node = toFlowNode({ id, type, position: { x: anchor.position.x, y: anchorY + ROW_GAP }, config } as never, true);
        const out = edges.filter((e) => e.source === anchor.id);
        const kept = edges.filter((e) => e.source !== anchor.id).map((e) => ({ ...e, selected: false }));
        const taken = [...kept.map((e) => e.id)];
        const added: ShapeEdge[] = [];
        const link = (source: string, target: string) => {
          const eid = edgeId(source, target, taken);
          taken.push(eid);
          added.push(toFlowEdge({ id: eid, source, target }));
        };
        link(anchor.id, id);
        for (const e of out) link(id, e.target);
        // The layers below moved down; keep the whole model in view.
        commit([...shifted, node], [...kept, ...added], { fitViewRequest: get().fitViewRequest + 1 });
        return id;
      },

      updateConfig(id, patch) {
        const nodes = get().nodes.map((n) =>
          n.id === id ? { ...n, data: { ...n.data, config: { ...n.data.config, ...patch } as LayerData['config'] } } : n,
        );
        commit(nodes, get().edges);
      },

      select(target) {
        set((s) => ({
          nodes: s.nodes.map((n) => {
            const selected = n.id === target?.nodeId;
            return n.selected === selected ? n : { ...n, selected };
          }),
          edges: s.edges.map((e) => {
            const selected = e.id === target?.edgeId;
            return e.selected === selected ? e : { ...e, selected };
          }),
        }));
      },
    };
  });
}
