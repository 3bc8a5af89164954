import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import { createStore } from 'zustand/vanilla';
import type { DatasetMeta, TaskSpec } from '../../../../app/dataset/schema';
import {
  analyzeGraphWithData,
  bindGraphToData,
  fitGraphToBinding,
  fitGraphToData,
  GRAPH_SCHEMA_VERSION,
  LAYERS,
  usesColumnBinding,
  type GraphAnalysis,
  type Head,
  type InputShape,
  type LayerType,
  type ModelGraph,
} from '../../../../app/graph';
import { autoLayout } from './auto-layout';
import { record, redo, startHistory, undo, type History, type Snapshot } from './graph-history';
import {
  edgeId,
  nextNodeId,
  normalize,
  ROW_GAP,
  toFlowEdge,
  toFlowNode,
  toModelGraph,
  type LayerData,
  type LayerNode,
  type ShapeEdge,
} from './graph-model';

export interface GraphState {
  nodes: LayerNode[];
  edges: ShapeEdge[];
  /** The ModelGraph the nodes and edges stand for, and its analysis (kept in step on every structural change). */
  graph: ModelGraph;
  analysis: GraphAnalysis;
  /** Bumped by every change worth saving (edits, moves, fitting to the data). */
  revision: number;
  /** Bumped when the view should frame the whole graph (a load, a template, an auto-layout). */
  fitViewRequest: number;
  history: History;
  /** Bumped by undo and redo, so forms showing a config start afresh. */
  restored: number;
  /** Copied layers (and the connections between them), for paste. */
  clipboard: Snapshot | null;
  /**
   * The weights file of an imported model (relative to the project), which the saved graph names
   * so that training starts from those weights. A template or a fresh graph has none.
   */
  weights: string | null;
  /** The table Inputs' columns and heads' targets are chosen from (setTable); null without one. */
  table: TableContext | null;
}

/** A table and its task: what an Input's columns and an Output's target are chosen from. */
export interface TableContext {
  meta: DatasetMeta;
  spec: TaskSpec;
}

export interface GraphActions {
  load(graph: ModelGraph | null): void;
  /**
   * The table the model trains on (null: none, or not a plain table). With it, the analysis
   * includes each Input's columns and each head's target, and nodes are sized from them.
   */
  setTable(table: TableContext | null): void;
  /** Replace the whole graph as an edit (a template). */
  replace(graph: ModelGraph): void;
  fitToData(input: InputShape, head: Head): void;
  /**
   * Take the sizes of the same graph fitted to the data (app/setup's resolveSetup): each node's
   * config where it differs. Following the dataset is not an edit to undo; a changed size is saved.
   */
  follow(fitted: ModelGraph): void;
  onNodesChange(changes: NodeChange<LayerNode>[]): void;
  onEdgesChange(changes: EdgeChange<ShapeEdge>[]): void;
  connect(connection: Connection): void;
  isValidConnection(connection: { source: string; target: string }): boolean;
  /** Drop from the palette: a free-standing layer where it was dropped. */
  addLayer(type: LayerType, position: XYPosition): string;
  /** Click in the palette: a layer inserted after the selected one (or before the Output). */
  insertLayer(type: LayerType): string;
  updateConfig(id: string, patch: Partial<Record<string, unknown>>): void;
  /** Freeze (false) or unfreeze a layer; an undoable edit like any other. */
  setTrainable(id: string, trainable: boolean): void;
  select(target: { nodeId?: string; edgeId?: string } | null): void;
  selectAll(): void;
  /** Delete the selected layers and connections (Input and Output stay when they are the only ones). */
  deleteSelected(): void;
  copy(): void;
  paste(): void;
  duplicate(): void;
  undo(): void;
  redo(): void;
  autoLayout(): void;
}

export type GraphStore = ReturnType<typeof createGraphStore>;

const EMPTY: ModelGraph = { version: GRAPH_SCHEMA_VERSION, nodes: [], edges: [] };
const PASTE_OFFSET = 40;

function derive(nodes: LayerNode[], edges: ShapeEdge[], weights: string | null, table: TableContext | null) {
  const flat = toModelGraph(nodes, edges);
  const graph = weights ? { ...flat, weights } : flat;
  return { graph, analysis: analyzeGraphWithData(graph, table), weights };
}

/** Nodes with each Input sized to its columns and each Output to its target (a graph without choices: unchanged). */
function fitNodes(nodes: LayerNode[], edges: ShapeEdge[], table: TableContext | null): LayerNode[] {
  if (!table) return nodes;
  const graph = toModelGraph(nodes, edges);
  if (!usesColumnBinding(graph)) return nodes;
  const fitted = fitGraphToBinding(graph, bindGraphToData(graph, table.meta, table.spec));
  const configs = new Map(fitted.nodes.map((n) => [n.id, n.config]));
  return nodes.map((n) => {
    const config = configs.get(n.id);
    return config && JSON.stringify(config) !== JSON.stringify(n.data.config)
      ? { ...n, data: { ...n.data, config } }
      : n;
  });
}

const snapshotOf = (nodes: LayerNode[], edges: ShapeEdge[], weights: string | null): Snapshot => ({
  nodes,
  edges,
  ...(weights ? { weights } : {}),
});

function fromGraph(graph: ModelGraph | null) {
  return normalize(
    (graph ?? EMPTY).nodes.map((n) => toFlowNode(n)),
    (graph ?? EMPTY).edges.map(toFlowEdge),
  );
}

/** One editor's state. A factory, so each project (and each test) gets a fresh store. */

/** Whether `to` can be reached from `from` along the edges (so an edge to → from would close a cycle). */
function reaches(edges: readonly { source: string; target: string }[], from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const at = stack.pop()!;
    if (at === to) return true;
    for (const n of next.get(at) ?? []) {
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(n);
    }
  }
  return false;
}

export function createGraphStore(initial: ModelGraph | null = null) {
  return createStore<GraphState & GraphActions>()((set, get) => {
    let table: TableContext | null = null;
    const derived = (nodes: LayerNode[], edges: ShapeEdge[], weights: string | null) =>
      derive(nodes, edges, weights, table);
    /** An edit: recorded for undo, re-analysed, and marked for saving. */
    const commit = (
      rawNodes: LayerNode[],
      rawEdges: ShapeEdge[],
      extra: Partial<GraphState> = {},
      weights: string | null = get().weights,
    ) => {
      const { nodes, edges } = normalize(rawNodes, rawEdges);
      set((s) => ({
        nodes,
        edges,
        ...derived(nodes, edges, weights),
        revision: s.revision + 1,
        history: record(s.history, snapshotOf(nodes, edges, weights)),
        ...extra,
      }));
    };
    /** Undo/redo: show a snapshot without recording it. */
    const restore = (history: History | null) => {
      if (!history) return;
      const { nodes, edges } = history.present;
      set((s) => ({
        nodes,
        edges,
        ...derived(nodes, edges, history.present.weights ?? null),
        revision: s.revision + 1,
        restored: s.restored + 1,
        history,
      }));
    };
    const deselected = () => ({
      nodes: get().nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
      edges: get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    });
    const selectedSnapshot = (): Snapshot | null => {
      const nodes = get().nodes.filter((n) => n.selected);
      if (nodes.length === 0) return null;
      const ids = new Set(nodes.map((n) => n.id));
      return { nodes, edges: get().edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
    };
    /** New ids for the copies, the copies selected and offset, the rest deselected. */
    const pasteSnapshot = (snapshot: Snapshot) => {
      const { nodes, edges } = deselected();
      const taken = nodes.map((n) => n.id);
      const ids = new Map<string, string>();
      const copies = snapshot.nodes.map((n) => {
        const id = nextNodeId(n.data.type, taken);
        taken.push(id);
        ids.set(n.id, id);
        return {
          ...n,
          id,
          selected: true,
          position: { x: n.position.x + PASTE_OFFSET, y: n.position.y + PASTE_OFFSET },
          data: structuredClone(n.data),
        } as LayerNode;
      });
      const edgeIds = edges.map((e) => e.id);
      const copiedEdges = snapshot.edges.map((e) => {
        const source = ids.get(e.source)!;
        const target = ids.get(e.target)!;
        const id = edgeId(source, target, edgeIds);
        edgeIds.push(id);
        return toFlowEdge({ id, source, target });
      });
      commit([...nodes, ...copies], [...edges, ...copiedEdges]);
    };

    const start = fromGraph(initial);

    return {
      nodes: start.nodes,
      edges: start.edges,
      ...derived(start.nodes, start.edges, initial?.weights ?? null),
      revision: 0,
      fitViewRequest: 0,
      history: startHistory(snapshotOf(start.nodes, start.edges, initial?.weights ?? null)),
      restored: 0,
      clipboard: null,
      table: null,

      load(graph) {
        const { nodes, edges } = fromGraph(graph);
        const weights = graph?.weights ?? null;
        set((s) => ({
          nodes,
          edges,
          ...derived(nodes, edges, weights),
          fitViewRequest: s.fitViewRequest + 1,
          history: startHistory(snapshotOf(nodes, edges, weights)),
        }));
      },

      replace(graph) {
        const { nodes, edges } = fromGraph(graph);
        // The new graph's own weights (a template has none): another graph's would not fit its layers.
        commit(nodes, edges, { fitViewRequest: get().fitViewRequest + 1 }, graph.weights ?? null);
      },

      setTable(next) {
        table = next;
        const { nodes, edges } = get();
        const fitted = fitNodes(nodes, edges, table);
        // Following the dataset is not an edit to undo; a changed size is still saved.
        set((s) => ({
          nodes: fitted,
          table,
          ...derived(fitted, edges, s.weights),
          ...(fitted !== nodes && fitted.some((n, i) => n !== nodes[i])
            ? { revision: s.revision + 1, history: startHistory(snapshotOf(fitted, edges, s.weights)) }
            : {}),
        }));
      },

      fitToData(input, head) {
        const { graph, nodes, edges } = get();
        // Inputs with chosen columns and heads with targets follow them instead (fitNodes).
        if (table && usesColumnBinding(graph)) {
          const next = fitNodes(nodes, edges, table);
          if (next.every((n, i) => n === nodes[i])) return;
          set((s) => ({
            nodes: next,
            ...derived(next, edges, s.weights),
            revision: s.revision + 1,
            history: startHistory(snapshotOf(next, edges, s.weights)),
          }));
          return;
        }
        get().follow(fitGraphToData(graph, input, head));
      },

      follow(fitted) {
        const { nodes, edges } = get();
        const configs = new Map(fitted.nodes.map((n) => [n.id, n.config]));
        const changed = nodes.some(
          (n) => configs.has(n.id) && JSON.stringify(configs.get(n.id)) !== JSON.stringify(n.data.config),
        );
        if (!changed) return;
        const next = nodes.map((n) => ({ ...n, data: { ...n.data, config: configs.get(n.id) ?? n.data.config } }));
        // Following the dataset is not an edit to undo: undoing it would only break the model.
        set((s) => ({
          nodes: next,
          ...derived(next, edges, s.weights),
          revision: s.revision + 1,
          history: startHistory(snapshotOf(next, edges, s.weights)),
        }));
      },

      onNodesChange(changes) {
        const fixed = new Set(
          get()
            .nodes.filter((n) => n.deletable === false)
            .map((n) => n.id),
        );
        const allowed = changes.filter((c) => !(c.type === 'remove' && fixed.has(c.id)));
        const nodes = applyNodeChanges(allowed, get().nodes);
        const structural = allowed.some((c) => c.type === 'add' || c.type === 'remove' || c.type === 'replace');
        const moved = allowed.some((c) => c.type === 'position' && c.dragging === false);
        if (structural || moved) {
          const ids = new Set(nodes.map((n) => n.id));
          commit(
            nodes,
            get().edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
          );
        } else {
          set({ nodes });
        }
      },

      onEdgesChange(changes) {
        const edges = applyEdgeChanges(changes, get().edges);
        if (changes.some((c) => c.type === 'add' || c.type === 'remove' || c.type === 'replace'))
          commit(get().nodes, edges);
        else set({ edges });
      },

      isValidConnection({ source, target }) {
        if (!source || !target || source === target) return false;
        const { nodes, edges } = get();
        const from = nodes.find((n) => n.id === source);
        const to = nodes.find((n) => n.id === target);
        if (!from || !to || from.data.type === 'Output' || to.data.type === 'Input') return false;
        if (edges.some((e) => e.source === source && e.target === target)) return false;
        // A layer cannot feed one of the layers it is computed from: refused while dragging, so a
        // cycle never lands on the canvas (it used to, and its errors grew the nodes until they overlapped).
        if (reaches(edges, target, source)) return false;
        // A merge's ports fill up; other layers may be over-connected and say so on the node.
        const spec = LAYERS[to.data.type];
        return spec.inputs.max === 1 || edges.filter((e) => e.target === target).length < spec.inputs.max;
      },

      connect(connection) {
        if (!get().isValidConnection(connection)) return;
        const { nodes, edges } = get();
        const id = edgeId(
          connection.source,
          connection.target,
          edges.map((e) => e.id),
        );
        commit(nodes, [...edges, toFlowEdge({ id, source: connection.source, target: connection.target })]);
      },

      addLayer(type, position) {
        const { nodes, edges } = deselected();
        const id = nextNodeId(
          type,
          nodes.map((n) => n.id),
        );
        const node = toFlowNode(
          {
            id,
            type,
            position: { x: Math.round(position.x), y: Math.round(position.y) },
            config: LAYERS[type].defaults(),
          } as never,
          true,
        );
        commit([...nodes, node], edges);
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
        const id = nextNodeId(
          type,
          nodes.map((n) => n.id),
        );
        const config = LAYERS[type].defaults();
        // A second Input starts a new branch of its own: it goes beside the model, unconnected.
        if (!anchor || type === 'Input') {
          const x = Math.max(0, ...nodes.map((n) => n.position.x)) + 280;
          return get().addLayer(
            type,
            anchor && type === 'Input'
              ? { x, y: 0 }
              : { x: 0, y: Math.max(0, ...nodes.map((n) => n.position.y)) + ROW_GAP },
          );
        }
        if (type === 'Output') {
          // Another head: fed by the anchor, beside what follows it, nothing rewired.
          const node = toFlowNode(
            { id, type, position: { x: anchor.position.x + 280, y: anchor.position.y + ROW_GAP }, config } as never,
            true,
          );
          const { nodes: rest, edges: restEdges } = deselected();
          commit(
            [...rest, node],
            [
              ...restEdges,
              toFlowEdge({
                id: edgeId(
                  anchor.id,
                  id,
                  edges.map((e) => e.id),
                ),
                source: anchor.id,
                target: id,
              }),
            ],
          );
          return id;
        }
        const anchorY = anchor.position.y;
        const shifted = nodes.map((n): LayerNode => ({
          ...n,
          selected: false,
          position: n.position.y > anchorY ? { x: n.position.x, y: n.position.y + ROW_GAP } : n.position,
        }));
        const node = toFlowNode(
          { id, type, position: { x: anchor.position.x, y: anchorY + ROW_GAP }, config } as never,
          true,
        );
        // The new layer takes the anchor's place in each edge out of it, in place, so a merge
        // keeps its port order; then the anchor feeds the new layer.
        const taken = edges.map((e) => e.id);
        const rewired = edges.map((e): ShapeEdge => {
          if (e.source !== anchor.id) return { ...e, selected: false };
          const eid = edgeId(id, e.target, taken);
          taken.push(eid);
          return toFlowEdge({ id: eid, source: id, target: e.target });
        });
        const added = toFlowEdge({ id: edgeId(anchor.id, id, taken), source: anchor.id, target: id });
        // The layers below moved down; keep the whole model in view.
        commit([...shifted, node], [...rewired, added], { fitViewRequest: get().fitViewRequest + 1 });
        return id;
      },

      updateConfig(id, patch) {
        const nodes = get().nodes.map((n) => {
          if (n.id !== id) return n;
          // undefined removes a key: an Input without columns takes the rest, an Output without target the task's.
          const config = Object.fromEntries(
            Object.entries({ ...n.data.config, ...patch }).filter(([, v]) => v !== undefined),
          );
          return { ...n, data: { ...n.data, config: config as LayerData['config'] } };
        });
        // Choosing columns or a target resizes the nodes they feed, in the same undoable edit.
        commit(fitNodes(nodes, get().edges, table), get().edges);
      },

      setTrainable(id, trainable) {
        const nodes = get().nodes.map((n) => {
          if (n.id !== id) return n;
          const { trainable: _was, ...data } = n.data;
          return { ...n, data: trainable ? data : { ...data, trainable: false } };
        });
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

      selectAll() {
        set((s) => ({ nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })) }));
      },

      deleteSelected() {
        const { nodes, edges } = get();
        const gone = new Set(nodes.filter((n) => n.selected && n.deletable !== false).map((n) => n.id));
        const keptEdges = edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
        if (gone.size === 0 && keptEdges.length === edges.length) return;
        commit(
          nodes.filter((n) => !gone.has(n.id)),
          keptEdges,
        );
      },

      copy() {
        const snapshot = selectedSnapshot();
        if (snapshot) set({ clipboard: structuredClone(snapshot) });
      },

      paste() {
        const { clipboard } = get();
        if (!clipboard) return;
        pasteSnapshot(clipboard);
        // Paste again and the next copies land a step further on.
        set({
          clipboard: {
            ...clipboard,
            nodes: clipboard.nodes.map((n) => ({
              ...n,
              position: { x: n.position.x + PASTE_OFFSET, y: n.position.y + PASTE_OFFSET },
            })),
          },
        });
      },

      duplicate() {
        const snapshot = selectedSnapshot();
        if (snapshot) pasteSnapshot(snapshot);
      },

      undo() {
        restore(undo(get().history));
      },

      redo() {
        restore(redo(get().history));
      },

      autoLayout() {
        const { nodes, edges } = get();
        commit(autoLayout(nodes, edges), edges, { fitViewRequest: get().fitViewRequest + 1 });
      },
    };
  });
}
