import {
  CONFIG_SCHEMAS,
  GRAPH_SCHEMA_VERSION,
  ModelGraph,
  type GraphEdge,
  type GraphNode,
  type LayerType,
} from '../../../../app/graph/schema';
import { kerasSpecOf } from '../../../../app/graph/layers';
import { kerasClassOf } from '../../../../app/graph/layers/keras-class';

/**
 * A Keras model config (Sequential or Functional, as written by Keras 2/3 and TF.js in
 * model.json, .h5 and .keras files) → a Layerlab ModelGraph. Keras' class names and config keys
 * are ours too, so a layer's settings carry over as they are; what the palette lacks is
 * collected and reported in one message, never dropped.
 */
export class ModelImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelImportError';
  }
}

export interface KerasGraph {
  graph: ModelGraph;
  /** Keras layer name → graph node id (weights are stored per node id). */
  nodeOf: Map<string, string>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Settings of any Keras layer whose value is the only one Layerlab (and tfjs) implements: accepted
 * when they hold it. A class's own such settings (an RNN's unroll, GRU's reset_after, a
 * convolution's groups) are its catalogue entry's `keras.fixed` (app/graph/layers).
 */
const FIXED_SETTINGS: Record<string, unknown> = {
  data_format: 'channels_last',
  sparse: false,
  ragged: false,
};
const holdsFixed = (fixed: unknown, value: unknown) => {
  const text = JSON.stringify(fixed);
  return (
    JSON.stringify(value ?? null) === text ||
    (Array.isArray(value) && value.length > 0 && value.every((v) => JSON.stringify(v) === text))
  );
};
/** Bookkeeping of any Keras layer that does not change what it computes (a class's own: its entry's `keras.ignored`). */
const IGNORED_SETTINGS = new Set([
  'name',
  'trainable',
  'dtype',
  'dtype_policy',
  'batch_input_shape',
  'batch_shape',
  'batch_size',
  'input_dim',
  'seed',
  'autocast',
  'build_config',
]);
/** One-dimensional settings Keras writes as a one-element list ([3]) where Layerlab has a number. */
const SINGLE_LISTS = new Set(['kernel_size', 'strides', 'dilation_rate', 'pool_size', 'axis']);

const CAMEL_TO_SNAKE = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** {class_name: 'GlorotUniform'} or tfjs' VarianceScaling → a Keras initializer name. */
function initializerName(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!isObject(value) || typeof value.class_name !== 'string') return null;
  if (value.class_name === 'VarianceScaling' && isObject(value.config)) {
    const { scale, mode, distribution } = value.config;
    const family =
      scale === 1 && mode === 'fan_avg'
        ? 'glorot'
        : scale === 2 && mode === 'fan_in'
          ? 'he'
          : scale === 1 && mode === 'fan_in'
            ? 'lecun'
            : null;
    const kind =
      distribution === 'uniform'
        ? 'uniform'
        : distribution === 'normal' || distribution === 'truncated_normal'
          ? 'normal'
          : null;
    return family && kind ? `${family}_${kind}` : null;
  }
  const name = CAMEL_TO_SNAKE(value.class_name);
  return name === 'lecun_uniform' || name === 'le_cun_uniform'
    ? 'lecun_uniform'
    : name === 'le_cun_normal'
      ? 'lecun_normal'
      : name;
}

function regularizerValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (isObject(value) && isObject(value.config) && ['L1L2', 'L1', 'L2', 'l1_l2'].includes(String(value.class_name))) {
    return { l1: Number(value.config.l1 ?? 0), l2: Number(value.config.l2 ?? 0) };
  }
  return value;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Whether a zod field takes a list (then a one-element list is that list, not a number in brackets). */
function acceptsList(field: unknown): boolean {
  return (field as { safeParse: (v: unknown) => { success: boolean } }).safeParse([1]).success;
}

/** A backward_layer that is the forward layer run backwards (what Keras builds when none is given). */
function isMirroredBackwardLayer(forward: unknown, backward: unknown): boolean {
  if (
    !isObject(forward) ||
    !isObject(backward) ||
    forward.class_name !== backward.class_name ||
    !isObject(forward.config) ||
    !isObject(backward.config)
  )
    return false;
  const strip = ({ name: _name, go_backwards: _backwards, ...rest }: Json) => JSON.stringify(rest);
  return backward.config.go_backwards === true && strip(forward.config) === strip(backward.config);
}

/** One layer's Keras config → our config; problems are pushed to `problems`, naming the layer and setting. */
function convertConfig(type: LayerType, layer: string, keras: Json, problems: string[]): unknown {
  const schema = CONFIG_SCHEMAS[type] as unknown as {
    shape: Record<string, unknown>;
    safeParse: (v: unknown) => {
      success: boolean;
      data?: unknown;
      error?: { issues: { path: PropertyKey[]; message: string }[] };
    };
  };
  const known = new Set(Object.keys(schema.shape));
  const own = kerasSpecOf(kerasClassOf(type));
  const fixed: Record<string, unknown> = { ...FIXED_SETTINGS, ...own.fixed };
  const ignored = (key: string) => IGNORED_SETTINGS.has(key) || (own.ignored?.includes(key) ?? false);
  const out: Json = {};
  for (const [key, raw] of Object.entries(keras)) {
    if (ignored(key) && !known.has(key)) continue;
    const value =
      SINGLE_LISTS.has(key) &&
      Array.isArray(raw) &&
      raw.length === 1 &&
      typeof schema.shape[key] === 'object' &&
      !acceptsList(schema.shape[key])
        ? raw[0]
        : raw;
    if (key === 'layer' && isObject(value) && known.has('layer')) {
      // Bidirectional / TimeDistributed wrap one layer, written the same way.
      const innerType = String(value.class_name);
      if (!(innerType in CONFIG_SCHEMAS)) {
        problems.push(`layer "${layer}" wraps an unsupported layer ${innerType}`);
        continue;
      }
      out.layer = {
        class_name: innerType,
        config: convertConfig(
          innerType as LayerType,
          `${layer}/${innerType}`,
          isObject(value.config) ? value.config : {},
          problems,
        ),
      };
      continue;
    }
    if (key.endsWith('_initializer')) {
      // Initializers only matter for a fresh start: the imported weights replace them.
      if (!known.has(key)) continue;
      const name = initializerName(value);
      if (name === null) problems.push(`layer "${layer}": ${key} ${describe(value)} is not supported`);
      else out[key] = name;
      continue;
    }
    if (key.endsWith('_regularizer') || key.endsWith('_constraint')) {
      const converted = regularizerValue(value);
      if (known.has(key)) out[key] = converted;
      else if (converted !== null) problems.push(`layer "${layer}": ${key} ${describe(value)} is not supported`);
      continue;
    }
    if (known.has(key)) {
      out[key] = value;
      continue;
    }
    if (Object.hasOwn(fixed, key) && holdsFixed(fixed[key], value)) continue;
    // Keras 3 writes a Bidirectional's backward copy out in full; the usual one mirrors the forward layer.
    if (key === 'backward_layer' && isMirroredBackwardLayer(keras.layer, value)) continue;
    if (value === null) continue;
    problems.push(`layer "${layer}": setting ${key} = ${describe(value)} is not supported`);
  }
  const parsed = schema.safeParse(out);
  if (!parsed.success) {
    for (const issue of parsed.error!.issues)
      problems.push(
        `layer "${layer}" (${type}): ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`,
      );
    return out;
  }
  return out;
}

interface KerasLayer {
  className: string;
  name: string;
  config: Json;
  /** Names of the layers feeding this one, in order (Functional models). */
  inbound: string[];
}

/** Keras 2 / TF.js: [[["dense", 0, 0, {}], ...]]; Keras 3: [{args: [{config: {keras_history: ["dense", 0, 0]}}]}]. */
function inboundNames(layer: string, nodes: unknown, problems: string[]): string[] {
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  if (nodes.length > 1)
    problems.push(`layer "${layer}" is shared (called ${nodes.length} times); shared layers are not supported`);
  const names: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && typeof v[1] === 'number') names.push(v[0]);
      else v.forEach(walk);
    } else if (isObject(v)) {
      if (Array.isArray(v.keras_history) && typeof v.keras_history[0] === 'string') names.push(v.keras_history[0]);
      else Object.values(v).forEach(walk);
    }
  };
  walk(nodes[0]);
  return names;
}

function nodeIdFor(name: string, taken: Set<string>): string {
  const base = (name.replace(/[^A-Za-z0-9_-]/g, '_') || 'layer').slice(0, 56);
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}_${i}`;
  taken.add(id);
  return id;
}

function shapeOf(config: Json): unknown[] | null {
  const full = config.batch_input_shape ?? config.batch_shape;
  return Array.isArray(full) ? full.slice(1) : null;
}

/** A model config as found in model.json's modelTopology.model_config, an .h5's model_config or a .keras config.json. */
export function kerasConfigToGraph(modelConfig: unknown, source: string): KerasGraph {
  if (!isObject(modelConfig) || typeof modelConfig.class_name !== 'string' || !isObject(modelConfig.config)) {
    throw new ModelImportError(
      `${source} has no Keras model config (class_name and config); it is not a Keras or TF.js Layers model.`,
    );
  }
  const { class_name: kind, config } = modelConfig;
  const problems: string[] = [];
  const rawLayers = Array.isArray(config.layers) ? config.layers : [];
  if (rawLayers.length === 0) throw new ModelImportError(`${source}: the ${kind} model has no layers.`);
  const layers: KerasLayer[] = rawLayers.map((raw: unknown, i: number) => {
    const l = isObject(raw) ? raw : {};
    const cfg = isObject(l.config) ? l.config : {};
    const name = String(l.name ?? cfg.name ?? `layer_${i}`);
    return {
      className: String(l.class_name),
      name,
      config: cfg,
      inbound: inboundNames(name, l.inbound_nodes, problems),
    };
  });

  let outputNames: string[];
  if (kind === 'Sequential') {
    // A Sequential model is a chain; its input is an InputLayer or the first layer's batch shape.
    const chain: KerasLayer[] = [];
    if (layers[0]!.className !== 'InputLayer') {
      const shape = shapeOf(layers[0]!.config);
      if (!shape)
        throw new ModelImportError(
          `${source}: the first layer "${layers[0]!.name}" has no input shape; build the model with an input shape before saving it.`,
        );
      chain.push({
        className: 'InputLayer',
        name: 'input',
        config: { batch_input_shape: [null, ...shape] },
        inbound: [],
      });
    }
    for (const l of layers) chain.push({ ...l, inbound: chain.length ? [chain[chain.length - 1]!.name] : [] });
    layers.splice(0, layers.length, ...chain);
    outputNames = [layers[layers.length - 1]!.name];
  } else if (kind === 'Functional' || kind === 'Model') {
    // [["head", 0, 0], ...], or Keras 3's flat ["head", 0, 0] for a single output.
    const outputs: unknown[] = Array.isArray(config.output_layers) ? config.output_layers : [];
    outputNames =
      typeof outputs[0] === 'string'
        ? [outputs[0]]
        : outputs.flatMap((o) => (Array.isArray(o) && typeof o[0] === 'string' ? [o[0]] : []));
    if (outputNames.length === 0)
      throw new ModelImportError(`${source}: the Functional model config names no output layers.`);
  } else {
    throw new ModelImportError(
      `${source}: ${kind} models are not supported; Layerlab imports Sequential and Functional models.`,
    );
  }

  const taken = new Set<string>();
  const nodeOf = new Map<string, string>();
  for (const l of layers) nodeOf.set(l.name, nodeIdFor(l.name, taken));
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const outputs = new Set(outputNames);
  layers.forEach((l, i) => {
    const id = nodeOf.get(l.name)!;
    // A column in model order; the editor's auto-layout arranges branches.
    const position = { x: 80, y: 40 + 110 * i };
    const trainable = l.config.trainable === false ? { trainable: false } : {};
    let type: LayerType;
    let nodeConfig: unknown;
    if (l.className === 'InputLayer') {
      const shape = shapeOf(l.config);
      if (!shape || shape.some((d) => typeof d !== 'number'))
        problems.push(`input "${l.name}" has shape ${describe(shape)}; every dimension except the batch must be fixed`);
      type = 'Input';
      nodeConfig = { shape: shape ?? [] };
    } else if (outputs.has(l.name)) {
      // Our Output node is the prediction head: a Dense layer with a bias.
      if (l.className !== 'Dense')
        problems.push(
          `output layer "${l.name}" is a ${l.className}; Layerlab's Output is a Dense layer, so the model must end in Dense`,
        );
      else if (l.config.use_bias === false)
        problems.push(`output layer "${l.name}" has no bias (use_bias false); Layerlab's Output always has one`);
      type = 'Output';
      const { use_bias: _useBias, ...rest } = l.config;
      nodeConfig = convertConfig('Output', l.name, rest, problems);
    } else if (l.className in CONFIG_SCHEMAS && l.className !== 'Input' && l.className !== 'Output') {
      type = l.className as LayerType;
      nodeConfig = convertConfig(type, l.name, l.config, problems);
    } else {
      problems.push(`layer "${l.name}" is a ${l.className}, which Layerlab does not have`);
      return;
    }
    nodes.push({
      id,
      type,
      position,
      ...(l.name !== id ? { name: l.name } : {}),
      ...trainable,
      config: nodeConfig,
    } as GraphNode);
    l.inbound.forEach((from, k) => {
      const source = nodeOf.get(from);
      if (!source) problems.push(`layer "${l.name}" takes its input from "${from}", which is not in the model`);
      else edges.push({ id: `e-${source}-${id}-${k}`, source, target: id });
    });
  });
  if (problems.length) {
    throw new ModelImportError(
      `${source} cannot be imported as it is: ${problems.join('; ')}. Nothing was dropped: rebuild the model without these, or build it in the editor.`,
    );
  }
  const graph = ModelGraph.safeParse({ version: GRAPH_SCHEMA_VERSION, nodes, edges });
  if (!graph.success)
    throw new ModelImportError(
      `${source}: the imported graph is not valid: ${graph.error.issues[0]?.message ?? 'unknown problem'}`,
    );
  return { graph: graph.data, nodeOf };
}
