import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { Quantize } from '../../../../app/engine/export-options';
import { dirHandler, MODEL_JSON, WEIGHTS_BIN } from '../model-io';
import type { FormatWriter } from './format-writer';
import { maxAbsDiff } from './predictions';
import { quantizeWeights } from './quantize';

/** The model's saved artifacts (topology + weights), as model.save hands them to a handler. */
async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (captured === null) throw new Error('tfjs did not hand over the model artifacts.');
  return captured;
}

/**
 * What a user's code does with the export, run in a fresh Node process: plain @tensorflow/tfjs
 * (none of the engine's accelerations, custom layers or kernels), model.json and the weight
 * files it names read from the folder, tf.loadLayersModel, predict. Arguments: tfjs' path, the
 * folder, the inputs (float32 file) and their shape, the output file; it writes the predictions
 * there and prints the tfjs version. CommonJS, so it runs as `node -e` from any build.
 */
const FRESH_RELOAD = `
const [tfPath, dir, xFile, shapeJson, outFile] = process.argv.slice(1);
const fs = require('node:fs');
const path = require('node:path');
const tf = require(tfPath);
(async () => {
  await tf.setBackend('cpu');
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const model = await tf.loadLayersModel({
    load: () =>
      tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = [];
        const buffers = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const b = fs.readFileSync(path.join(dir, p));
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      }),
  });
  const x = fs.readFileSync(xFile);
  const input = tf.tensor(new Float32Array(x.buffer, x.byteOffset, x.byteLength / 4), JSON.parse(shapeJson));
  const y = model.predict(input);
  const out = await y.data();
  fs.writeFileSync(outFile, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  process.stdout.write(tf.version.tfjs);
})().catch((error) => {
  process.stderr.write(String(error && error.message ? error.message : error));
  process.exit(1);
});
`;

const execFileAsync = promisify(execFile);
const requireHere = createRequire(import.meta.url);

/**
 * Loads the written folder as a user's code would, in a fresh process with plain TensorFlow.js
 * (FRESH_RELOAD), and returns its predictions on `x` and the tfjs version that made them. Under
 * Electron the engine's execPath is Electron, which ELECTRON_RUN_AS_NODE makes a plain Node.
 */
export async function reloadInFreshProcess(
  dir: string,
  x: tf.Tensor,
): Promise<{ predictions: Float32Array; version: string }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-tfjs-check-'));
  try {
    const xFile = path.join(tmp, 'x.f32');
    const outFile = path.join(tmp, 'y.f32');
    const values = (await x.data()) as Float32Array;
    await writeFile(xFile, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    let version: string;
    try {
      const args = [
        '-e',
        FRESH_RELOAD,
        requireHere.resolve('@tensorflow/tfjs'),
        dir,
        xFile,
        JSON.stringify(x.shape),
        outFile,
      ];
      const run = await execFileAsync(process.execPath, args, {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        timeout: 120_000,
        maxBuffer: 1 << 20,
      });
      version = run.stdout.trim();
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
      const why = stderr
        .split('\n')
        .filter((l) => l.trim() !== '' && !/TensorFlow\.js in Node\.js|tfjs-node|^=+$/.test(l))
        .at(0);
      throw new Error(
        `plain TensorFlow.js in a fresh Node process could not load and run the exported model: ${why ?? (error instanceof Error ? error.message : String(error))}`,
        { cause: error },
      );
    }
    const bytes = await readFile(outFile);
    return {
      predictions: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
      version,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * TF.js Layers: model.json + weights.bin, float32 or quantized (float16, uint8). Proven by
 * loading the written folder in a fresh process with plain tf.loadLayersModel (which also
 * dequantizes; reloadInFreshProcess) and predicting the validation rows.
 */
export function tfjsWriter(quantize: Quantize | null): FormatWriter {
  return async (job) => {
    const mode = quantize ?? (job.float16 ? 'float16' : null);
    if (mode === null) {
      await job.model.save(dirHandler(job.dir));
    } else {
      const artifacts = await artifactsOf(job.model);
      const weights = tf.io.concatenateArrayBuffers(
        artifacts.weightData === undefined
          ? []
          : Array.isArray(artifacts.weightData)
            ? artifacts.weightData
            : [artifacts.weightData],
      );
      const quantized = quantizeWeights(artifacts.weightSpecs ?? [], weights, mode);
      const { save } = dirHandler(job.dir);
      if (!save) throw new Error('The folder handler cannot save.');
      await save({ ...artifacts, weightSpecs: quantized.specs, weightData: quantized.data });
    }
    // Reload through the path a user's code takes, in a runtime the engine has not touched.
    const { predictions, version } = await reloadInFreshProcess(job.dir, job.x);
    return {
      files: [MODEL_JSON, WEIGHTS_BIN],
      maxAbsDiff: maxAbsDiff(job.expected, predictions),
      checkedWith: `tf.loadLayersModel in a fresh process (plain tfjs ${version})`,
      predictions,
    };
  };
}
