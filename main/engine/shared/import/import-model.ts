import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type H5Module from 'h5wasm/node';
import { unzipBounded, UnzipLimitError } from '../../../data/bounded-unzip';
import { keras3WeightGroups } from '../keras-weight-names';
import { kerasConfigToGraph, ModelImportError, type KerasGraph } from './keras-graph';
import type { NamedWeight, NodeWeights } from './weights-file';

export interface ImportedModel extends KerasGraph {
  /** Imported weights per graph node id, in each layer's weight order. */
  weights: NodeWeights;
}

/**
 * All of a model's weights together, as float32: 128 M parameters. Checked before anything is
 * allocated for them (a model.json naming one 8 MiB shard 100 times asked for 800 MiB; a 1.8 MiB
 * .keras unpacked to 1.8 GiB).
 */
export const MAX_MODEL_WEIGHT_BYTES = 512 * 1024 * 1024;
/** A .keras archive: config, metadata and the weights file, unpacked, at most 20× its size past 16 MiB (float weights barely compress). */
const KERAS_LIMITS = {
  maxTotalBytes: MAX_MODEL_WEIGHT_BYTES + 64 * 1024 * 1024,
  maxRatio: 20,
  ratioFloorBytes: 16 * 1024 * 1024,
};

export interface ImportModelOptions {
  /**
   * Files a model file names (a model.json's weight shards) are read only where this accepts
   * them (host mode: inside the workspace or a --data-root, after symlinks). Resolves or throws.
   */
  fileAllowed?: (file: string) => Promise<unknown>;
}

const MiB = (n: number) => `${Math.ceil(n / 2 ** 20)} MiB`;

/** Counts weight bytes as they are found, refusing past MAX_MODEL_WEIGHT_BYTES before allocating. */
class WeightBudget {
  private used = 0;
  constructor(private readonly source: string) {}
  take(bytes: number, what: string): void {
    this.used += bytes;
    if (!Number.isFinite(bytes) || this.used > MAX_MODEL_WEIGHT_BYTES)
      throw new ModelImportError(
        `${this.source} is refused: its weights come to more than ${MiB(MAX_MODEL_WEIGHT_BYTES)} (at ${what}); Layerlab imports models up to ${MiB(MAX_MODEL_WEIGHT_BYTES)} of float32 weights.`,
      );
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ModelImportError(`${what} is not valid JSON.`);
  }
}

/** Raw weights per Keras layer name → per node id; a weight whose layer is not in the graph is an error. */
function weightsByNode(byLayer: Map<string, NamedWeight[]>, imported: KerasGraph, source: string): NodeWeights {
  const out: NodeWeights = new Map();
  for (const [layer, list] of byLayer) {
    const id = imported.nodeOf.get(layer);
    if (!id)
      throw new ModelImportError(`${source} holds weights for a layer "${layer}" that the model config does not have.`);
    out.set(id, list);
  }
  return out;
}

/** A TF.js Layers model.json and the weight shards its manifest names (beside it). */
async function importTfjs(file: string, options: ImportModelOptions): Promise<ImportedModel> {
  const json = parseJson(await fs.readFile(file, 'utf8'), file);
  if (!isObject(json) || !isObject(json.modelTopology))
    throw new ModelImportError(
      `${file} has no modelTopology: it is not a TF.js Layers model (graph models from the TF.js converter cannot be edited).`,
    );
  const topology = json.modelTopology;
  const imported = kerasConfigToGraph(isObject(topology.model_config) ? topology.model_config : topology, file);
  const byLayer = new Map<string, NamedWeight[]>();
  const dir = path.dirname(file);
  const groups: Json[] = [];
  const named = new Set<string>();
  const budget = new WeightBudget(file);
  // Everything is checked before a byte is read: the shards (each named once, regular files,
  // allowed), their sizes and the manifest's weights against the limit.
  const shardsOf = new Map<Json, { path: string; size: number }[]>();
  let shardBytes = 0;
  for (const group of Array.isArray(json.weightsManifest) ? json.weightsManifest : []) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw new ModelImportError(`${file}: weightsManifest is malformed.`);
    groups.push(group);
    const shards: { path: string; size: number }[] = [];
    for (const p of group.paths as unknown[]) {
      const shard = path.resolve(dir, String(p));
      if (path.relative(dir, shard).startsWith('..'))
        throw new ModelImportError(`${file} names a weights file outside its folder (${String(p)}).`);
      if (named.has(shard))
        throw new ModelImportError(`${file} is refused: it names the weights file ${String(p)} more than once.`);
      named.add(shard);
      if (options.fileAllowed) await options.fileAllowed(shard);
      const info = await fs.stat(shard).catch(() => {
        throw new ModelImportError(`${file} needs the weights file ${String(p)} beside it, but it is missing.`);
      });
      if (!info.isFile()) throw new ModelImportError(`${file}: the weights file ${String(p)} is not a regular file.`);
      shardBytes += info.size;
      if (shardBytes > MAX_MODEL_WEIGHT_BYTES) budget.take(shardBytes, String(p));
      shards.push({ path: shard, size: info.size });
    }
    for (const spec of group.weights as unknown[]) {
      const shape = isObject(spec) && Array.isArray(spec.shape) ? (spec.shape as unknown[]) : [];
      if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0))
        throw new ModelImportError(
          `${file}: weight ${String(isObject(spec) ? spec.name : spec)} has a malformed shape.`,
        );
      budget.take(
        (shape as number[]).reduce((a, b) => a * b, 1) * 4,
        `weight ${String(isObject(spec) ? spec.name : '?')}`,
      );
    }
    shardsOf.set(group, shards);
  }
  for (const group of groups) {
    const shards = await Promise.all(
      shardsOf.get(group)!.map((shard) =>
        fs.readFile(shard.path).catch(() => {
          throw new ModelImportError(
            `${file} needs the weights file ${path.basename(shard.path)} beside it, but it cannot be read.`,
          );
        }),
      ),
    );
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const spec of group.weights as Json[]) {
      const name = String(spec.name);
      if (spec.dtype !== 'float32' || spec.quantization)
        throw new ModelImportError(
          `${file}: weight ${name} is ${spec.quantization ? 'quantized' : String(spec.dtype)}; only float32 weights can be imported.`,
        );
      const shape = (spec.shape as number[]) ?? [];
      const n = shape.reduce((a, b) => a * b, 1);
      if (offset + n * 4 > bytes.length)
        throw new ModelImportError(`${file}: the weights files are shorter than the manifest says (at ${name}).`);
      const values = new Float32Array(n);
      new Uint8Array(values.buffer).set(bytes.subarray(offset, offset + n * 4));
      offset += n * 4;
      // tfjs names a weight "<layer>/<weight>" (deeper for wrapped layers): the first part is the layer.
      const layer = name.split('/')[0]!;
      byLayer.set(layer, [...(byLayer.get(layer) ?? []), { name, shape, values }]);
    }
  }
  return { ...imported, weights: weightsByNode(byLayer, imported, file) };
}

/**
 * h5wasm, loaded on first use: its WebAssembly heap costs ~600 MB of resident memory from the
 * moment it is imported, which every process that imports the services (the host, the CLI)
 * would otherwise carry through a 10M-row import it never reads an HDF5 file in.
 */
let h5wasm: typeof H5Module = null as unknown as typeof H5Module;
let h5Ready: Promise<unknown> | null = null;
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

type H5Group = InstanceType<typeof H5Module.Group>;
type H5Dataset = InstanceType<typeof H5Module.Dataset>;

function datasetWeight(ds: H5Dataset, name: string, source: string, budget: WeightBudget): NamedWeight {
  // Its size from the shape, before HDF5 inflates it: a compressed dataset can be a bomb.
  budget.take((ds.shape ?? []).reduce((a, b) => a * b, 1) * 4, `weight ${name}`);
  const value = ds.value;
  if (!(value instanceof Float32Array))
    throw new ModelImportError(`${source}: weight ${name} is ${ds.dtype}; only float32 weights can be imported.`);
  return { name, shape: [...(ds.shape ?? [])], values: new Float32Array(value) };
}

/** Keras 2 HDF5: attrs model_config; model_weights/<layer> lists weight_names, each a dataset under that group. */
function readKeras2Weights(root: H5Group, imported: KerasGraph, source: string): NodeWeights {
  const budget = new WeightBudget(source);
  const weights = root.get('model_weights');
  if (!(weights instanceof h5wasm.Group))
    throw new ModelImportError(`${source} has no model_weights group: it holds a config without weights.`);
  const byLayer = new Map<string, NamedWeight[]>();
  for (const layer of weights.keys()) {
    const group = weights.get(layer);
    if (!(group instanceof h5wasm.Group)) continue;
    const names = group.attrs.weight_names?.json_value;
    const list = (Array.isArray(names) ? names : []).map((n) => {
      const ds = group.get(String(n));
      if (!(ds instanceof h5wasm.Dataset))
        throw new ModelImportError(`${source}: weight ${String(n)} of layer "${layer}" is missing.`);
      return datasetWeight(ds, String(n), source, budget);
    });
    if (list.length) byLayer.set(layer, list);
  }
  return weightsByNode(byLayer, imported, source);
}

/**
 * Keras 3 model.weights.h5: each layer under its snake_cased class name ("dense", "dense_1", in
 * config order, not its own name), its variables in vars/0, 1, ... of the object that owns them
 * (an RNN's cell, a Bidirectional's forward_layer and backward_layer cells, a TimeDistributed's layer).
 */
function readKeras3Weights(root: H5Group, configLayers: unknown[], imported: KerasGraph, source: string): NodeWeights {
  const budget = new WeightBudget(source);
  const byLayer = new Map<string, NamedWeight[]>();
  for (const { name, groups } of keras3WeightGroups(configLayers)) {
    const list = groups.flatMap((groupPath) => {
      const vars = root.get(groupPath);
      if (!(vars instanceof h5wasm.Group)) return [];
      return vars
        .keys()
        .map(Number)
        .sort((a, b) => a - b)
        .map((i) => {
          const ds = vars.get(String(i));
          if (!(ds instanceof h5wasm.Dataset))
            throw new ModelImportError(`${source}: weight ${groupPath}/${i} of layer "${name}" is not a dataset.`);
          return datasetWeight(ds, `${groupPath}/${i}`, source, budget);
        });
    });
    if (list.length) byLayer.set(name, list);
  }
  return weightsByNode(byLayer, imported, source);
}

/** h5wasm reads files through its own file system layer; bytes are written to a temp file first. */
async function withH5<T>(bytesOrFile: Uint8Array | string, read: (root: H5Group) => T): Promise<T> {
  h5Ready ??= import('h5wasm/node').then((loaded) => {
    h5wasm = loaded.default;
    return h5wasm.ready;
  });
  await h5Ready;
  let file = typeof bytesOrFile === 'string' ? bytesOrFile : '';
  let temp: string | null = null;
  if (typeof bytesOrFile !== 'string') {
    temp = await fs.mkdtemp(path.join(os.tmpdir(), 'layerlab-h5-'));
    file = path.join(temp, 'weights.h5');
    await fs.writeFile(file, bytesOrFile);
  }
  let h5: InstanceType<typeof H5Module.File> | null = null;
  try {
    // Checked first: HDF5 itself would print pages of diagnostics to stderr for a non-HDF5 file.
    const head = new Uint8Array(8);
    const handle = await fs.open(file, 'r');
    await handle.read(head, 0, 8, 0).finally(() => handle.close());
    if (!HDF5_SIGNATURE.every((b, i) => head[i] === b)) throw new Error('no HDF5 signature');
    h5 = new h5wasm.File(file, 'r');
    return read(h5);
  } catch (error) {
    if (error instanceof ModelImportError) throw error;
    throw new ModelImportError(
      `${typeof bytesOrFile === 'string' ? bytesOrFile : 'model.weights.h5'} is not a readable HDF5 file: ${(error as Error).message}`,
    );
  } finally {
    h5?.close();
    if (temp) await fs.rm(temp, { recursive: true, force: true });
  }
}

async function importH5(file: string): Promise<ImportedModel> {
  await fs.access(file).catch(() => {
    throw new ModelImportError(`${file} does not exist.`);
  });
  return withH5(file, (root) => {
    const raw = root.attrs.model_config?.json_value;
    if (typeof raw !== 'string')
      throw new ModelImportError(
        `${file} has no model_config attribute: it holds weights only (save the whole model with model.save, not save_weights).`,
      );
    const imported = kerasConfigToGraph(parseJson(raw, `${file}: model_config`), file);
    return { ...imported, weights: readKeras2Weights(root, imported, file) };
  });
}

async function importKeras(file: string): Promise<ImportedModel> {
  let entries: Record<string, Uint8Array>;
  try {
    const info = await fs.stat(file);
    if (info.size > KERAS_LIMITS.maxTotalBytes)
      throw new ModelImportError(
        `${file} is ${MiB(info.size)}; .keras files up to ${MiB(KERAS_LIMITS.maxTotalBytes)} can be imported.`,
      );
    // Only what is read, unpacked under limits checked on the bytes as they come out.
    entries = unzipBounded(await fs.readFile(file), path.basename(file), KERAS_LIMITS, (name) =>
      ['config.json', 'model.weights.h5'].includes(name),
    );
  } catch (error) {
    if (error instanceof ModelImportError) throw error;
    if (error instanceof UnzipLimitError) throw new ModelImportError(error.message);
    throw new ModelImportError(`${file} is not a .keras zip archive: ${(error as Error).message}`);
  }
  const config = entries['config.json'];
  if (!config) throw new ModelImportError(`${file} has no config.json; it is not a Keras 3 .keras file.`);
  const modelConfig = parseJson(new TextDecoder().decode(config), `${file}: config.json`);
  const imported = kerasConfigToGraph(modelConfig, file);
  const configLayers =
    isObject(modelConfig) && isObject(modelConfig.config) && Array.isArray(modelConfig.config.layers)
      ? modelConfig.config.layers
      : [];
  const weights = entries['model.weights.h5'];
  if (!weights) throw new ModelImportError(`${file} has no model.weights.h5.`);
  return {
    ...imported,
    weights: await withH5(weights, (root) =>
      readKeras3Weights(root, configLayers, imported, `${file}: model.weights.h5`),
    ),
  };
}

/** model.json (TF.js Layers), .h5 (Keras 2 HDF5) or .keras (Keras 3 zip) → graph + weights. */
export async function importModelFile(file: string, options: ImportModelOptions = {}): Promise<ImportedModel> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') {
    await fs.access(file).catch(() => {
      throw new ModelImportError(`${file} does not exist.`);
    });
    return importTfjs(file, options);
  }
  if (ext === '.h5' || ext === '.hdf5') return importH5(file);
  if (ext === '.keras') return importKeras(file);
  throw new ModelImportError(
    `${file}: Layerlab imports a TF.js model.json, a Keras .h5 or a Keras .keras file, not "${ext || 'a file without extension'}".`,
  );
}
