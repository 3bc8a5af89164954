import type { GraphEdge, GraphNode, ModelGraph } from '../graph/schema';
import type { TrainConfig } from '../training/config';
import { kernelRegularized, resizedUnits } from './fixes';
import type { Fix } from './types';

export interface Setup {
  graph: ModelGraph;
  trainConfig: TrainConfig;
  /** The rate the diagnosed run trained with: what scale_lr scales when the settings say 'auto'. */
  learningRateUsed?: number;
}

/** Vertical room for an inserted layer when the graph gives no spacing to copy. */
const DEFAULT_ROW_GAP = 120;

function uniqueId(base: string, taken: ReadonlySet<string>): string {
  for (let i = 1; ; i++) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) return id;
  }
}

/** Three significant digits: halving 0.01 three times reads 0.00125, not 0.0012500000000000002. */
const tidy = (n: number) => Number(n.toPrecision(3));

/**
 * Put a Dropout between a layer and everything it fed, below it on the canvas; the layers further
 * down move down to make room (by the gap the graph already uses between the layer and the next).
 */
function insertDropout(graph: ModelGraph, after: string, rate: number): ModelGraph | null {
  const anchor = graph.nodes.find((n) => n.id === after);
  if (!anchor) return null;
  const taken = new Set(graph.nodes.map((n) => n.id));
  const id = uniqueId('dropout', taken);
  const outgoing = graph.edges.filter((e) => e.source === after);
  const below = graph.nodes.find((n) => n.id === outgoing[0]?.target);
  const gap = below && below.position.y > anchor.position.y ? below.position.y - anchor.position.y : DEFAULT_ROW_GAP;
  const nodes: GraphNode[] = graph.nodes.map((n) =>
    n.position.y > anchor.position.y ? { ...n, position: { x: n.position.x, y: n.position.y + gap } } : n,
  );
  nodes.push({ id, type: 'Dropout', position: { x: anchor.position.x, y: anchor.position.y + gap }, config: { rate } });
  const edgeIds = new Set(graph.edges.map((e) => e.id));
  const edge = (source: string, target: string): GraphEdge => {
    let eid = `e_${source}_${target}`;
    if (edgeIds.has(eid)) eid = uniqueId(eid, edgeIds);
    edgeIds.add(eid);
    return { id: eid, source, target };
  };
  // Keep each rerouted edge where it was in the list: a merge reads its inputs in edge order.
  const edges = graph.edges.map((e) => (e.source === after ? edge(id, e.target) : e));
  edges.push(edge(after, id));
  return { ...graph, nodes, edges };
}

/**
 * A verdict's fix applied to a run's setup, or null when it cannot apply (the advice-only
 * more_data, a node that is gone). Pure, so the UI's one-click buttons and the tests share it.
 */
export function applyFix(fix: Fix, setup: Setup): Setup | null {
  const { graph, trainConfig } = setup;
  switch (fix.kind) {
    case 'add_dropout': {
      const next = insertDropout(graph, fix.after, fix.rate);
      return next && { graph: next, trainConfig };
    }
    case 'add_l2': {
      const ids = new Set(kernelRegularized(graph).map((n) => n.id));
      if (ids.size === 0) return null;
      const nodes = graph.nodes.map((n): GraphNode => {
        if (!ids.has(n.id)) return n;
        const current =
          (n.config as { kernel_regularizer?: { l1: number; l2: number } | null }).kernel_regularizer ?? null;
        const kernel_regularizer = { l1: current?.l1 ?? 0, l2: Math.max(current?.l2 ?? 0, fix.l2) };
        return { ...n, config: { ...n.config, kernel_regularizer } } as GraphNode;
      });
      return { graph: { ...graph, nodes }, trainConfig };
    }
    case 'resize_model':
      return {
        graph: {
          ...graph,
          nodes: graph.nodes.map((n) =>
            n.type === 'Dense' ? { ...n, config: { ...n.config, units: resizedUnits(n.config.units, fix.factor) } } : n,
          ),
        },
        trainConfig,
      };
    case 'scale_lr': {
      // 'auto' becomes a fixed rate: the one the run found, scaled.
      const base = typeof trainConfig.learningRate === 'number' ? trainConfig.learningRate : setup.learningRateUsed;
      if (base === undefined) return null;
      return { graph, trainConfig: { ...trainConfig, learningRate: Math.min(10, tidy(base * fix.factor)) } };
    }
    case 'train_longer':
    case 'fewer_epochs':
      return { graph, trainConfig: { ...trainConfig, epochs: Math.max(1, Math.min(10_000, Math.round(fix.epochs))) } };
    case 'early_stopping':
      return {
        graph,
        trainConfig: {
          ...trainConfig,
          earlyStopping: { monitor: 'val_loss', patience: fix.patience, minDelta: 0, restoreBestWeights: true },
        },
      };
    case 'more_data':
    case 'augment':
      // Not part of the graph or the training settings: augmentation is a dataset setting that
      // the app applies itself (the workbench), and more data is advice.
      return null;
  }
}

/** What a fix does, as a button label. */
export function fixLabel(fix: Fix): string {
  switch (fix.kind) {
    case 'add_dropout':
      return `Add Dropout (${fix.rate}) after ${fix.after}`;
    case 'add_l2':
      return `Add an L2 weight penalty (${fix.l2}) to every layer's weights`;
    case 'resize_model':
      return fix.factor > 1
        ? `Make the model ${fix.factor}× wider`
        : `Make the model ${fix.factor === 0.5 ? 'half as wide' : `${fix.factor}× as wide`}`;
    case 'scale_lr':
      return fix.factor === 0.5
        ? 'Halve the learning rate'
        : fix.factor === 2
          ? 'Double the learning rate'
          : `Learning rate × ${fix.factor}`;
    case 'train_longer':
      return `Train longer (${fix.epochs} ${fix.epochs === 1 ? 'epoch' : 'epochs'})`;
    case 'fewer_epochs':
      return fix.epochs === 1
        ? 'Stop after the first epoch (the best one)'
        : `Stop at the best epoch (${fix.epochs} epochs)`;
    case 'early_stopping':
      return `Turn on early stopping (patience ${fix.patience}, keep best weights)`;
    case 'augment':
      return 'Turn on image augmentation (flip, small rotations and zooms, light changes)';
    case 'more_data':
      return 'Get more training data';
  }
}
