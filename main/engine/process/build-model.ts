import * as tf from '@tensorflow/tfjs';
import { analyzeGraph, type GraphAnalysis, type LayerConfig, type ModelGraph } from '../../../app/graph';
import type { NodeWeights } from '../shared/import/weights-file';
import { buildLayer } from './layers/build-layer';
import { deriveSeed, mulberry32 } from '../../../app/math/seeded-random';

/** A graph the engine cannot build; the message is the one the editor shows for it. */
export class GraphBuildError extends Error {
  constructor(
    message: string,
    readonly nodeId?: string,
  ) {
    super(message);
    this.name = 'GraphBuildError';
  }
}

export interface BuiltModel {
  model: tf.LayersModel;
  analysis: GraphAnalysis;
  /** Graph node id → tfjs layer name (equal unless the id had to be sanitised). */
  layerNames: Map<string, string>;
  /** Dropout layers, whose seed the training loop advances every step. */
  dropoutLayers: tf.layers.Layer[];
  /** Nodes whose imported weights no longer fit their layer (its size was edited): they start fresh. */
  freshNodes: string[];
}

/**
 * tfjs refuses weight names that do not start with a letter or digit ("_x/kernel"), and layer
 * names must be unique. Node ids are already unique and mostly valid, so they are kept as they
 * are whenever possible: exports and error messages then name the node the user sees.
 */
function layerNameFor(id: string, taken: Set<string>): string {
  let name = /^[A-Za-z0-9]/.test(id) ? id : `n${id}`;
  name = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = `${name}_${i}`;
  taken.add(candidate);
  return candidate;
}

/**
 * ModelGraph → tf.LayersModel (functional API), in analyzeGraph's topological order so the
 * engine builds exactly what the editor showed. Initial weights are seeded from `seed` (one
 * derived seed per layer, in graph order), so the same seed gives the same start.
 */
export function buildModel(graph: ModelGraph, seed: number, initialWeights?: NodeWeights): BuiltModel {
  const analysis = analyzeGraph(graph);
  if (!analysis.ok) {
    const first = analysis.issues[0];
    throw new GraphBuildError(first?.message ?? 'The model graph is not valid.', first?.nodeId);
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const random = mulberry32(deriveSeed(seed, 'init'));
  const taken = new Set<string>();
  const layerNames = new Map<string, string>();
  const outputsOf = new Map<string, tf.SymbolicTensor>();
  const dropoutLayers: tf.layers.Layer[] = [];

  for (const id of analysis.order) {
    const node = byId.get(id);
    if (!node) continue;
    const name = layerNameFor(id, taken);
    layerNames.set(id, name);
    // analyzeGraph's configs have Keras' defaults filled in (a version-1 Dense has no initializer key).
    const config = analysis.configs[id];
    if (node.type === 'Input') {
      outputsOf.set(id, tf.input({ shape: [...(config as LayerConfig<'Input'>).shape], name }));
      continue;
    }
    // A merge takes its inputs in edge order; analyzeGraph ruled out missing and extra ones.
    const sources = (analysis.sources[id] ?? []).map((s) => outputsOf.get(s));
    if (sources.length === 0 || sources.some((s) => s === undefined))
      throw new GraphBuildError(`${node.type} "${id}" has no input.`, id);
    const layer = buildLayer(node.type, config, name, random);
    if (node.type === 'Dropout') dropoutLayers.push(layer);
    // A frozen layer has no trainable weights, so the training loop never takes its gradients.
    if (node.trainable === false) layer.trainable = false;
    const input = sources.length === 1 ? sources[0]! : (sources as tf.SymbolicTensor[]);
    outputsOf.set(id, layer.apply(input) as tf.SymbolicTensor);
  }

  const inputs = analysis.inputs.map((id) => outputsOf.get(id)).filter((t): t is tf.SymbolicTensor => t !== undefined);
  const outputs = analysis.outputs
    .map((id) => outputsOf.get(id))
    .filter((t): t is tf.SymbolicTensor => t !== undefined);
  const model = tf.model({ inputs, outputs });
  const freshNodes = initialWeights ? setInitialWeights(model, layerNames, initialWeights) : [];
  return { model, analysis, layerNames, dropoutLayers, freshNodes };
}

/** Imported weights replace the seeded initial values of every node whose layer they still fit. */
function setInitialWeights(
  model: tf.LayersModel,
  layerNames: Map<string, string>,
  initialWeights: NodeWeights,
): string[] {
  const fresh: string[] = [];
  for (const [id, name] of layerNames) {
    const values = initialWeights.get(id);
    if (!values) continue;
    const layer = model.getLayer(name);
    const fits =
      layer.weights.length === values.length &&
      layer.weights.every((w, i) => w.shape.join(',') === values[i]!.shape.join(','));
    if (!fits) {
      fresh.push(id);
      continue;
    }
    const tensors = values.map((w) => tf.tensor(w.values, w.shape, 'float32'));
    try {
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
  return fresh;
}

/**
 * tfjs' Dropout draws its mask from a fixed seed, which would drop the same units on every
 * step. The training loop gives each Dropout layer a fresh seed from the run's seeded stream
 * before every step: different masks each step, the same sequence on every run.
 */
export function setDropoutSeed(layer: tf.layers.Layer, seed: number): void {
  (layer as unknown as { seed: number }).seed = seed;
}
