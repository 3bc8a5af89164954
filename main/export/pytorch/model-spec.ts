/**
 * The model as the PyTorch generator reads it: the Keras topology TF.js writes (model.toJSON(),
 * or model.json's modelTopology) and the weights by their Keras names. Pure data: the engine
 * hands it over from a loaded model, an imported folder's model.json gives the same.
 */
export interface KerasLayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

export interface KerasTopology {
  class_name: string;
  config: {
    name?: string;
    layers: KerasLayerJson[];
    input_layers: unknown[];
    output_layers: unknown[];
  };
}

export interface NamedWeight {
  /** Keras' weight name: "<layer>/kernel", "<bidirectional>/forward_<rnn>/recurrent_kernel". */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A model the generator cannot reproduce exactly: names the layer, its type and the setting. */
export class PytorchExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PytorchExportError';
  }
}

export interface SpecLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** The layers whose outputs feed this one, in order (merges take several). */
  inputs: string[];
  /** Weights by their name inside the layer: "kernel", "forward/kernel" (Bidirectional). */
  weights: Map<string, { shape: number[]; values: Float32Array; fullName: string }>;
  /** Its inputs' shapes, batch first (null: any size), where the loaded model told them (modelSpec's `shapes`). */
  inputShapes: (number | null)[][] | null;
}

/** Each layer's inputs' shapes, batch first, by layer name: what the topology JSON does not say. */
export type LayerInputShapes = Record<string, (number | null)[][]>;

export interface ModelSpec {
  name: string;
  layers: SpecLayer[];
  inputs: string[];
  outputs: string[];
}

function layerRefs(refs: unknown, what: string): string[] {
  if (!Array.isArray(refs)) throw new PytorchExportError(`The model's ${what} are not a list.`);
  return refs.map((r) => {
    if (!Array.isArray(r) || typeof r[0] !== 'string')
      throw new PytorchExportError(`The model's ${what} hold ${JSON.stringify(r)}, not [layer, node, tensor].`);
    return r[0];
  });
}

/** Short weight name inside its layer: "kernel", "gamma"; Bidirectional's "forward/kernel", "backward/bias". */
function shortName(layer: string, full: string, className: string): string {
  const rest = full.startsWith(`${layer}/`) ? full.slice(layer.length + 1) : full;
  const parts = rest.split('/');
  const last = parts.at(-1)!.replace(/_\d+$/, '');
  if (className === 'Bidirectional') return `${parts[0]!.startsWith('backward') ? 'backward' : 'forward'}/${last}`;
  return last;
}

/**
 * Topology + weights → one entry per layer, weights grouped under the layer that owns them; with
 * the loaded model's input shapes per layer where the caller has them (a layer whose meaning
 * depends on its input's rank, BatchNormalization's axis, is refused without them).
 */
export function modelSpec(
  topology: KerasTopology,
  weights: readonly NamedWeight[],
  shapes: LayerInputShapes = {},
): ModelSpec {
  const config = topology.config;
  if (!config || !Array.isArray(config.layers))
    throw new PytorchExportError(
      `The model topology (${topology.class_name}) has no layer list: only functional models are exported.`,
    );
  const names = new Set(config.layers.map((l) => String(l.name ?? l.config['name'])));
  const layers: SpecLayer[] = config.layers.map((l) => {
    const name = String(l.name ?? l.config['name']);
    const nodes = Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
    if (nodes.length > 1)
      throw new PytorchExportError(
        `Layer "${name}" (${l.class_name}) is applied ${nodes.length} times; the PyTorch export supports layers used once.`,
      );
    const inputs = nodes.length === 0 ? [] : layerRefs(nodes[0], `inputs of layer "${name}"`);
    return {
      name,
      className: l.class_name,
      config: l.config,
      inputs,
      weights: new Map(),
      inputShapes: shapes[name] ?? null,
    };
  });
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const w of weights) {
    const owner = w.name.split('/')[0]!;
    const layer = byName.get(owner);
    if (!layer || !names.has(owner))
      throw new PytorchExportError(`Weight "${w.name}" belongs to no layer of the model.`);
    layer.weights.set(shortName(owner, w.name, layer.className), {
      shape: [...w.shape],
      values: w.values,
      fullName: w.name,
    });
  }
  return {
    name: config.name ?? 'model',
    layers,
    inputs: layerRefs(config.input_layers, 'input layers'),
    outputs: layerRefs(config.output_layers, 'output layers'),
  };
}
