import type { LayerNode, ShapeEdge } from './graph-model';

/** One undoable state of the canvas: what the graph was, not how it was selected. */
export interface Snapshot {
  nodes: LayerNode[];
  edges: ShapeEdge[];
  /** An imported model's weights file, which belongs to the graph it came with (undo back to it, and it is back). */
  weights?: string;
}

/** Undo keeps this many steps (the editor promises at least 100). */
export const HISTORY_LIMIT = 200;

/**
 * Undo/redo stacks of snapshots. `present` is the last committed state, so a drag (many
 * position changes, one commit at the end) undoes to where the drag began.
 */
export interface History {
  past: Snapshot[];
  present: Snapshot;
  future: Snapshot[];
}

const strip = (s: Snapshot): Snapshot => ({
  ...s,
  nodes: s.nodes.map((n) => ({ ...n, selected: false })),
  edges: s.edges.map((e) => ({ ...e, selected: false })),
});

export function startHistory(present: Snapshot): History {
  return { past: [], present: strip(present), future: [] };
}

export function record(history: History, next: Snapshot): History {
  return { past: [...history.past, history.present].slice(-HISTORY_LIMIT), present: strip(next), future: [] };
}

export function undo(history: History): History | null {
  const previous = history.past.at(-1);
  if (!previous) return null;
  return { past: history.past.slice(0, -1), present: previous, future: [history.present, ...history.future] };
}

export function redo(history: History): History | null {
  const next = history.future[0];
  if (!next) return null;
  return { past: [...history.past, history.present], present: next, future: history.future.slice(1) };
}
