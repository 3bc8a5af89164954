import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../data/atomic-write';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
/** Written beside every saved model: how raw rows become its inputs (app/dataset Preprocessing). */
export const PREPROCESSING_JSON = 'preprocessing.json';

/** A model folder that cannot be read; the message names the folder or file. */
export class ModelReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelReadError';
  }
}

function toArrayBuffer(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return tf.io.concatenateArrayBuffers(data);
}

/**
 * model.json as TF.js writes it (the same fields, in the same layout as tfjs-node's file://
 * handler and tfjs' http handler), with every weight in one weights.bin beside it: stock
 * `tf.loadLayersModel('…/model.json')` in a browser loads the same two files.
 */
function modelJsonFor(artifacts: tf.io.ModelArtifacts): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer != null) json.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature != null) json.initializerSignature = artifacts.initializerSignature;
  return json;
}

async function readJson(file: string, dir: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new ModelReadError(`There is no model in ${dir}: ${MODEL_JSON} is missing.`);
    throw new ModelReadError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ModelReadError(
      `${file} is not valid JSON; the model folder is damaged. Train or export the model again.`,
    );
  }
}

/**
 * A tf.io.IOHandler for a folder on disk (pure tfjs has no file:// handler in Node).
 * Save writes model.json + weights.bin, each file whole (temp file + rename); the folder is
 * created if needed. Load reads any standard TF.js Layers folder, including several weight
 * shards, but refuses weight paths that point outside the folder.
 */
export function dirHandler(dir: string): tf.io.IOHandler {
  const folder = path.resolve(dir);
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('This handler saves Layers models only (model topology as JSON).');
      }
      await fs.mkdir(folder, { recursive: true });
      const weights = toArrayBuffer(artifacts.weightData);
      await writeFileAtomic(path.join(folder, WEIGHTS_BIN), new Uint8Array(weights));
      // model.json last: whoever sees it can rely on the weights it names being there.
      await writeFileAtomic(path.join(folder, MODEL_JSON), JSON.stringify(modelJsonFor(artifacts)));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const file = path.join(folder, MODEL_JSON);
      const json = (await readJson(file, folder)) as Partial<tf.io.ModelJSON> | null;
      if (
        json === null ||
        typeof json !== 'object' ||
        json.modelTopology == null ||
        !Array.isArray(json.weightsManifest)
      ) {
        throw new ModelReadError(`${file} is not a TF.js Layers model (it has no modelTopology or weightsManifest).`);
      }
      return tf.io.getModelArtifactsForJSON(json as tf.io.ModelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const shard = path.resolve(folder, p);
            if (path.relative(folder, shard).startsWith('..') || path.isAbsolute(path.relative(folder, shard))) {
              throw new ModelReadError(`${file} names a weights file outside its folder (${p}); refusing to read it.`);
            }
            let bytes: Buffer;
            try {
              bytes = await fs.readFile(shard);
            } catch {
              throw new ModelReadError(
                `The model in ${folder} is incomplete: its weights file ${p} is missing or unreadable.`,
              );
            }
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(dirHandler(dir));
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(dirHandler(dir));
}
