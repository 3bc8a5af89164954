import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
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
 * What a user's code does with the export, run in a fresh runtime: plain @tensorflow/tfjs (none
 * of the engine's accelerations, custom layers or kernels), model.json and the weight files it
 * names read from the folder, tf.loadLayersModel, predict. Arguments: tfjs' path, the folder,
 * the inputs (float32 file) and their shape, the output file; it writes the predictions there and
 * answers the tfjs version. CommonJS, so it runs as `node -e` or as a worker's eval from any build.
 */
const FRESH_RELOAD = `
const threads = require('node:worker_threads');
const [tfPath, dir, xFile, shapeJson, outFile] = threads.isMainThread ? process.argv.slice(1) : threads.workerData;
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
  if (threads.isMainThread) process.stdout.write(tf.version.tfjs);
  else threads.parentPort.postMessage(tf.version.tfjs);
})().catch((error) => {
  const message = String(error && error.message ? error.message : error);
  if (!threads.isMainThread) throw new Error(message);
  process.stderr.write(message);
  process.exit(1);
});
`;

/** The first line of a failure that says something (not tfjs' "install tfjs-node" banner). */
function firstWords(text: string): string | undefined {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !/TensorFlow\.js in Node\.js|tfjs-node|^=+$/.test(l))
    .at(0);
}

/** FRESH_RELOAD as a child Node process: the engine's execPath, which ELECTRON_RUN_AS_NODE makes Node under Electron. */
async function inProcess(args: string[], signal: AbortSignal | undefined): Promise<string> {
  try {
    const run = await execFileAsync(process.execPath, ['-e', FRESH_RELOAD, ...args], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      timeout: 120_000,
      maxBuffer: 1 << 20,
      // A cancelled export kills it at once.
      ...(signal ? { signal } : {}),
      killSignal: 'SIGKILL',
    });
    return run.stdout.trim();
  } catch (error) {
    throw new Error(firstWords(String((error as { stderr?: unknown }).stderr ?? '')) ?? String(error), {
      cause: error,
    });
  }
}

/** FRESH_RELOAD in a new worker thread: its own V8 isolate and module registry, so its tfjs is a fresh, unpatched copy. */
function inThread(args: string[], signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FRESH_RELOAD, { eval: true, workerData: args, stdout: true, stderr: true });
    // A cancelled export stops it at once (the 'exit' below then rejects).
    signal?.addEventListener('abort', () => void worker.terminate(), { once: true });
    worker.once('message', (version: unknown) => resolve(String(version)));
    worker.once('error', (error) => reject(new Error(firstWords(error.message) ?? error.message, { cause: error })));
    worker.once('exit', (code) => reject(new Error(`the worker thread exited with code ${code}`)));
  });
}

const execFileAsync = promisify(execFile);
const requireHere = createRequire(import.meta.url);

/**
 * Loads the written folder as a user's code would, with plain TensorFlow.js in a fresh runtime
 * (FRESH_RELOAD), and returns its predictions on `x`, the tfjs version that made them and where
 * they ran. A child Node process; in the packaged desktop app, whose Electron binary has its
 * RunAsNode fuse off (electron-builder.yml) and so cannot be started as Node, a new worker
 * thread, which loads its own unpatched copy of tfjs all the same.
 */
export async function reloadInFreshProcess(
  dir: string,
  x: tf.Tensor,
  runner: 'process' | 'thread' = process.versions['electron'] ? 'thread' : 'process',
  signal?: AbortSignal,
): Promise<{ predictions: Float32Array; version: string; where: string }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-tfjs-check-'));
  try {
    const xFile = path.join(tmp, 'x.f32');
    const outFile = path.join(tmp, 'y.f32');
    const values = (await x.data()) as Float32Array;
    await writeFile(xFile, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    const args = [requireHere.resolve('@tensorflow/tfjs'), dir, xFile, JSON.stringify(x.shape), outFile];
    const where = runner === 'process' ? 'a fresh process' : 'a fresh worker thread';
    let version: string;
    try {
      signal?.throwIfAborted();
      version = await (runner === 'process' ? inProcess(args, signal) : inThread(args, signal));
    } catch (error) {
      signal?.throwIfAborted();
      throw new Error(
        `plain TensorFlow.js in ${where} could not load and run the exported model: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const bytes = await readFile(outFile);
    return {
      predictions: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
      version,
      where,
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
    const { predictions, version, where } = await reloadInFreshProcess(job.dir, job.x, undefined, job.signal);
    return {
      files: [MODEL_JSON, WEIGHTS_BIN],
      maxAbsDiff: maxAbsDiff(job.expected, predictions),
      checkedWith: `tf.loadLayersModel in ${where} (plain tfjs ${version})`,
      predictions,
    };
  };
}
