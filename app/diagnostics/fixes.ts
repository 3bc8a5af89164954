import { isAugmenting, type Augmentation } from '../dataset/images';
import type { GraphNode, ModelGraph } from '../graph/schema';
import type { Fix } from './types';

/** Dropout rate proposed against overfitting: the middle of the usual 0.2-0.5 range. */
export const DROPOUT_RATE = 0.3;

function hiddenDense(graph: ModelGraph): Extract<GraphNode, { type: 'Dense' }>[] {
  return graph.nodes.filter((n): n is Extract<GraphNode, { type: 'Dense' }> => n.type === 'Dense');
}

/**
 * Where Dropout helps most: after the widest hidden Dense layer (the one with the most units to
 * co-adapt), skipping layers already followed by a Dropout. Null when every one has its Dropout.
 */
export function dropoutTarget(graph: ModelGraph): string | null {
  const followedByDropout = new Set(
    graph.edges.filter((e) => graph.nodes.some((n) => n.id === e.target && n.type === 'Dropout')).map((e) => e.source),
  );
  const candidates = hiddenDense(graph)
    .filter((n) => !followedByDropout.has(n.id))
    .sort((a, b) => b.config.units - a.config.units);
  return candidates[0]?.id ?? null;
}

export function addDropoutFix(graph: ModelGraph | null | undefined): Fix[] {
  const after = graph ? dropoutTarget(graph) : null;
  return after ? [{ kind: 'add_dropout', after, rate: DROPOUT_RATE }] : [];
}

/** L2 weight decay proposed against overfitting: Keras' own example value. */
export const L2_PENALTY = 1e-4;

/** Nodes whose config has a kernel regularizer (Dense, the Output head, convolutions, RNNs, Embedding). */
export function kernelRegularized(graph: ModelGraph): GraphNode[] {
  return graph.nodes.filter((n) => 'kernel_regularizer' in n.config);
}

/** Offered while some weighted layer has a smaller L2 penalty than L2_PENALTY. */
export function addL2Fix(graph: ModelGraph | null | undefined): Fix[] {
  if (!graph) return [];
  const weak = kernelRegularized(graph).some((n) => {
    const r = (n.config as { kernel_regularizer?: { l1: number; l2: number } | null }).kernel_regularizer;
    return (r?.l2 ?? 0) < L2_PENALTY;
  });
  return weak ? [{ kind: 'add_l2', l2: L2_PENALTY }] : [];
}

/**
 * Strengths proposed against overfitting on images: mirror images, small turns and zooms, mild
 * light changes — what Keras' augmentation tutorial starts from; the user tunes them on the
 * Data step with the preview.
 */
export const SUGGESTED_AUGMENTATION: Augmentation = {
  flip: 1,
  rotation: 0.1,
  zoom: 0.1,
  brightness: 0.1,
  contrast: 0.1,
};

/** Offered on image runs that trained without augmentation. */
export function augmentFix(augmentation: Augmentation | null | undefined): Fix[] {
  if (augmentation === undefined) return [];
  return augmentation === null || !isAugmenting(augmentation)
    ? [{ kind: 'augment', augmentation: SUGGESTED_AUGMENTATION }]
    : [];
}

/** Halving a model with layers of 4 units or fewer leaves too little to learn with. */
export function resizeFix(graph: ModelGraph | null | undefined, factor: number): Fix[] {
  const dense = graph ? hiddenDense(graph) : [];
  if (dense.length === 0) return [];
  if (factor < 1 && Math.max(...dense.map((n) => n.config.units)) <= 4) return [];
  return [{ kind: 'resize_model', factor }];
}

/** New units for a resized layer: at least 1, at most the schema's limit. */
export function resizedUnits(units: number, factor: number): number {
  return Math.min(1_000_000, Math.max(1, Math.round(units * factor)));
}
