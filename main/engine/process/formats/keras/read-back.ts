import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import '../../layers/subtract-layer';
import { h5Ready, isGroup, openH5, readFloat32, readVars, type ReadWeight } from './h5-file';
import { isObject, KerasExportError } from '../../../shared/keras-names';
import { keras3WeightGroups } from './weight-layout';

/**
 * The independent half of the Keras parity check: open the written file fresh from disk, take
 * every weight from where Keras would look for it (by Keras' paths, not by our own bookkeeping),
 * put them into a tfjs model built anew, and predict.
 */
type Json = Record<string, unknown>;

export interface KerasFileContents {
  /** config.json (.keras) or the parsed model_config attribute (.h5). */
  config: Json;
  /** Weights per layer name, in the layer's weight order. */
  weights: Map<string, ReadWeight[]>;
}

function parse(text: string, what: string): Json {
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
  } catch {
    // reported below
  }
  throw new KerasExportError(`${what} is not a JSON object.`);
}

async function withH5File<T>(file: string, read: (root: ReturnType<typeof openH5>) => T): Promise<T> {
  await h5Ready();
  const h5 = openH5(file, 'r');
  try {
    return read(h5);
  } finally {
    h5.close();
  }
}

/** A .keras archive: config.json, metadata.json, and the weights from model.weights.h5 by Keras 3's paths. */
export async function readKerasArchive(file: string): Promise<KerasFileContents & { metadata: Json }> {
  const entries = unzipSync(await fs.readFile(file));
  const text = (name: string) => {
    const bytes = entries[name];
    if (!bytes) throw new KerasExportError(`${file} has no ${name}.`);
    return new TextDecoder().decode(bytes);
  };
  const config = parse(text('config.json'), `${file}: config.json`);
  const metadata = parse(text('metadata.json'), `${file}: metadata.json`);
  const h5bytes = entries['model.weights.h5'];
  if (!h5bytes) throw new KerasExportError(`${file} has no model.weights.h5.`);
  const layers = isObject(config.config) && Array.isArray(config.config.layers) ? config.config.layers : [];
  const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'layerlab-keras-read-'));
  try {
    const h5file = path.join(temp, 'model.weights.h5');
    await fs.writeFile(h5file, h5bytes);
    const weights = await withH5File(h5file, (root) => {
      const out = new Map<string, ReadWeight[]>();
      for (const { name, groups } of keras3WeightGroups(layers)) {
        const list = groups.flatMap((g) => readVars(root, g, `${file}: model.weights.h5`));
        if (list.length) out.set(name, list);
      }
      return out;
    });
    return { config, metadata, weights };
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
}

/** A legacy .h5: the model_config attribute, and model_weights/<layer>/<each of weight_names>. */
export async function readLegacyH5(file: string): Promise<KerasFileContents & { attrs: Json }> {
  return withH5File(file, (root) => {
    const attr = (name: string) => root.attrs[name]?.json_value;
    const rawConfig = attr('model_config');
    if (typeof rawConfig !== 'string') throw new KerasExportError(`${file} has no model_config attribute.`);
    const group = root.get('model_weights');
    if (!isGroup(group)) throw new KerasExportError(`${file} has no model_weights group.`);
    const weights = new Map<string, ReadWeight[]>();
    const layerNames = group.attrs.layer_names?.json_value;
    for (const layer of Array.isArray(layerNames) ? layerNames.map(String) : []) {
      const names = root.get(`model_weights/${layer}`);
      if (!isGroup(names)) throw new KerasExportError(`${file}: model_weights/${layer} is missing.`);
      const list = names.attrs.weight_names?.json_value;
      const read = (Array.isArray(list) ? list : []).map((n) =>
        readFloat32(root, `model_weights/${layer}/${String(n)}`, file),
      );
      if (read.length) weights.set(layer, read);
    }
    return {
      config: parse(rawConfig, `${file}: model_config`),
      weights,
      attrs: { keras_version: attr('keras_version'), backend: attr('backend'), layer_names: layerNames },
    };
  });
}

/** Keras spells two initializers "Lecun*", tfjs "LeCun*"; tfjs needs its own spelling to rebuild the model. */
function tfjsSpelling(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tfjsSpelling);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value))
    out[k] =
      k === 'class_name' && (v === 'LecunNormal' || v === 'LecunUniform')
        ? v.replace('Lecun', 'LeCun')
        : tfjsSpelling(v);
  return out;
}

/** Build a fresh tfjs model from a Keras 2 style topology, load `weights` into it by layer name, predict `x` (row-major). */
export async function predictWithWeights(
  topology: Json,
  weights: Map<string, ReadWeight[]>,
  x: tf.Tensor,
  source: string,
): Promise<Float32Array> {
  const model = await tf.models.modelFromJSON({
    modelTopology: tfjsSpelling(topology) as tf.io.ModelJSON['modelTopology'],
  } as tf.io.ModelJSON);
  try {
    for (const layer of model.layers) {
      const read = weights.get(layer.name) ?? [];
      if (read.length !== layer.weights.length)
        throw new KerasExportError(
          `${source}: layer "${layer.name}" has ${read.length} weights in the file but ${layer.weights.length} in the model.`,
        );
      read.forEach((w, i) => {
        const expected = layer.weights[i]!.shape.join(',');
        if (w.shape.join(',') !== expected)
          throw new KerasExportError(
            `${source}: ${w.path} has shape [${w.shape.join(', ')}], the model's weight [${expected}].`,
          );
      });
      if (read.length === 0) continue;
      const tensors = read.map((w) => tf.tensor(w.values, w.shape, 'float32'));
      try {
        layer.setWeights(tensors);
      } finally {
        tf.dispose(tensors);
      }
    }
    const y = model.predict(x) as tf.Tensor;
    try {
      return (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
  } finally {
    model.dispose();
  }
}
