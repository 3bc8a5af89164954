import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CHECKPOINT_STATE, type CheckpointState } from '../../app/training/checkpoint';
import { checkpointDir, OLD_CHECKPOINT_SUFFIX, readCheckpointState } from './checkpoint-state';

/**
 * runs/<id>/checkpoint/: weights.bin (model), optimizer.bin (slots), best.bin (best epoch's
 * weights, when kept) and state.json. A new checkpoint is written whole into a sibling folder
 * and swapped in with two renames, so a crash at any moment leaves one complete checkpoint:
 * the new one, or the previous one under checkpoint.old.
 */

export interface CheckpointData {
  state: CheckpointState;
  weights: Float32Array[];
  optimizer: Float32Array[];
  best: Float32Array[] | null;
}

function concat(arrays: readonly Float32Array[]): Uint8Array {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return new Uint8Array(out.buffer);
}

function split(buffer: Buffer, shapes: ReadonlyArray<readonly number[]>, file: string): Float32Array[] {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (buffer.byteLength !== expected) throw new Error(`${file} holds ${buffer.byteLength} bytes, but state.json describes ${expected}; the checkpoint is damaged.`);
  const all = new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
  let offset = 0;
  return sizes.map((n) => {
    const part = all.subarray(offset, offset + n);
    offset += n;
    return part;
  });
}

/**
 * No fsync: a checkpoint guards against the engine process dying, not the machine, and the page
 * cache outlives a process. Syncing four files every epoch would cost more than small epochs.
 */
const writeFileAtomic = (file: string, data: string | Uint8Array) => fs.writeFile(file, data);

export async function writeCheckpoint(runDir: string, data: CheckpointData): Promise<void> {
  const target = checkpointDir(runDir);
  const staged = `${target}.tmp-${process.pid}`;
  const old = `${target}${OLD_CHECKPOINT_SUFFIX}`;
  await fs.rm(staged, { recursive: true, force: true });
  await fs.mkdir(staged, { recursive: true });
  await writeFileAtomic(path.join(staged, 'weights.bin'), concat(data.weights));
  await writeFileAtomic(path.join(staged, 'optimizer.bin'), concat(data.optimizer));
  if (data.best) await writeFileAtomic(path.join(staged, 'best.bin'), concat(data.best));
  // state.json last: a folder with it is complete.
  await writeFileAtomic(path.join(staged, CHECKPOINT_STATE), JSON.stringify(data.state));
  await fs.rm(old, { recursive: true, force: true });
  await fs.rename(target, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await fs.rename(staged, target);
  await fs.rm(old, { recursive: true, force: true });
}

/** The newest complete checkpoint of a run, or null when it has none yet. */
export async function readCheckpoint(runDir: string): Promise<CheckpointData | null> {
  const found = await readCheckpointState(runDir);
  if (!found) return null;
  const { dir, state } = found;
  const read = async (name: string, specs: CheckpointState['weights']) => split(await fs.readFile(path.join(dir, name)), specs.map((s) => s.shape), path.join(dir, name));
  return {
    state,
    weights: await read('weights.bin', state.weights),
    optimizer: await read('optimizer.bin', state.optimizer.weights),
    best: state.hasBest ? await read('best.bin', state.weights) : null,
  };
}

/** The model's weights as plain arrays, in getWeights order (a snapshot, not live tensors). */
export async function readWeights(model: tf.LayersModel): Promise<{ specs: CheckpointState['weights']; values: Float32Array[] }> {
  const weights = model.weights;
  const values = await Promise.all(weights.map(async (w) => (await w.read().data()) as Float32Array));
  return { specs: weights.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[] })), values: values.map((v) => Float32Array.from(v)) };
}

/** Put snapshot values back into the model. */
export function writeWeights(model: tf.LayersModel, values: readonly Float32Array[]): void {
  const weights = model.weights;
  if (weights.length !== values.length) throw new Error(`The checkpoint holds ${values.length} weight tensors, but the model has ${weights.length}; it belongs to another graph.`);
  const tensors = weights.map((w, i) => tf.tensor(values[i]!, w.shape as number[]));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}
