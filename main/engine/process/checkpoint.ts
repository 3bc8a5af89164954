import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CHECKPOINT_STATE, type CheckpointState } from '../../../app/training/checkpoint';
import { checkpointDir, OLD_CHECKPOINT_SUFFIX, readCheckpointState } from '../shared/checkpoint-state';

/**
 * runs/<id>/checkpoint/: weights.bin (model), optimizer.bin (slots), best.bin (best epoch's
 * weights, when kept) and state.json. A new checkpoint is written whole into a sibling folder
 * and swapped in with two renames, so a crash at any moment leaves one complete checkpoint:
 * the new one, or the previous one under checkpoint.old (a crash of the process, not of the
 * machine: see writeCheckpoint).
 */

export interface CheckpointData {
  state: CheckpointState;
  weights: Float32Array[];
  optimizer: Float32Array[];
  best: Float32Array[] | null;
}

/**
 * The arrays end to end, as bytes. Arrays that already lie end to end in one buffer (a snapshot
 * from copyOut) are written as they are, without another copy.
 */
function concat(arrays: readonly Float32Array[]): Uint8Array {
  const first = arrays[0];
  let contiguous = first !== undefined;
  for (let i = 1; contiguous && i < arrays.length; i++) {
    const prev = arrays[i - 1]!;
    contiguous = arrays[i]!.buffer === first!.buffer && arrays[i]!.byteOffset === prev.byteOffset + prev.byteLength;
  }
  if (contiguous) {
    const last = arrays[arrays.length - 1]!;
    return new Uint8Array(first!.buffer, first!.byteOffset, last.byteOffset + last.byteLength - first!.byteOffset);
  }
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return new Uint8Array(out.buffer);
}

/**
 * Where an epoch's snapshot of tensors is copied: one buffer, reused every epoch, viewed as one
 * array per tensor. A fresh 2 MB array costs ~10 ms of CPU here (zeroed pages faulted in, then
 * collected) against ~0.5 ms to refill one, and an MLP epoch takes ~200 ms; the wasm backend's
 * data() is such a fresh copy too, so its tensors are read straight from the wasm heap.
 * The views stay valid until the next take(): keep a copy of what must outlive it.
 */
export class SnapshotBuffer {
  private buffer = new Float32Array(0);

  async take(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
    const total = tensors.reduce((n, t) => n + t.size, 0);
    if (this.buffer.length !== total) this.buffer = new Float32Array(total);
    const views: Float32Array[] = [];
    let offset = 0;
    for (const t of tensors) {
      const view = this.buffer.subarray(offset, offset + t.size);
      await readInto(t, view);
      views.push(view);
      offset += t.size;
    }
    return views;
  }

  /** A copy of `values` (another buffer's views) in this buffer, as views of the same sizes. */
  copy(values: readonly Float32Array[]): Float32Array[] {
    const total = values.reduce((n, v) => n + v.length, 0);
    if (this.buffer.length !== total) this.buffer = new Float32Array(total);
    let offset = 0;
    return values.map((v) => {
      const view = this.buffer.subarray(offset, offset + v.length);
      view.set(v);
      offset += v.length;
      return view;
    });
  }
}

/** The part of tfjs-backend-wasm's backend that holds a tensor's bytes. */
interface WasmHeap {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

/** Copy a float32 tensor's values into `view` (its size). */
async function readInto(t: tf.Tensor, view: Float32Array): Promise<void> {
  if (t.dtype === 'float32' && tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as WasmHeap;
    const entry = backend.dataIdMap.get(t.dataId);
    if (entry) {
      const at = entry.memoryOffset / 4;
      view.set(backend.wasm.HEAPF32.subarray(at, at + t.size));
      return;
    }
  }
  view.set((await t.data()) as Float32Array);
}

function split(buffer: Buffer, shapes: ReadonlyArray<readonly number[]>, file: string): Float32Array[] {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (buffer.byteLength !== expected)
    throw new Error(
      `${file} holds ${buffer.byteLength} bytes, but state.json describes ${expected}; the checkpoint is damaged.`,
    );
  const all = new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
  let offset = 0;
  return sizes.map((n) => {
    const part = all.subarray(offset, offset + n);
    offset += n;
    return part;
  });
}

export async function writeCheckpoint(runDir: string, data: CheckpointData): Promise<void> {
  const target = checkpointDir(runDir);
  const staged = `${target}.tmp-${process.pid}`;
  const old = `${target}${OLD_CHECKPOINT_SUFFIX}`;
  await fs.rm(staged, { recursive: true, force: true });
  await fs.mkdir(staged, { recursive: true });
  // Not fsynced, on purpose: a checkpoint guards against the engine process dying (the page
  // cache outlives a process), not against a power cut. Fsyncing its files and folders added
  // 40-55 ms to every checkpoint on the (shared, loaded) development machine, paired medians,
  // whether the checkpoint held 2 kB or 3.8 MB: more than a small model's whole epoch. The run's
  // model/ and every project file are fsynced (main/data/atomic-write.ts).
  await fs.writeFile(path.join(staged, 'weights.bin'), concat(data.weights));
  await fs.writeFile(path.join(staged, 'optimizer.bin'), concat(data.optimizer));
  if (data.best) await fs.writeFile(path.join(staged, 'best.bin'), concat(data.best));
  // state.json last: a folder with it is complete.
  await fs.writeFile(path.join(staged, CHECKPOINT_STATE), JSON.stringify(data.state));
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
  const read = async (name: string, specs: CheckpointState['weights']) =>
    split(
      await fs.readFile(path.join(dir, name)),
      specs.map((s) => s.shape),
      path.join(dir, name),
    );
  return {
    state,
    weights: await read('weights.bin', state.weights),
    optimizer: await read('optimizer.bin', state.optimizer.weights),
    best: state.hasBest ? await read('best.bin', state.weights) : null,
  };
}

/** The model's weights in getWeights order: names and shapes, and their values taken into `into`. */
export async function readWeights(
  model: tf.LayersModel,
  into: SnapshotBuffer,
): Promise<{ specs: CheckpointState['weights']; values: Float32Array[] }> {
  const weights = model.weights;
  const values = await into.take(weights.map((w) => w.read()));
  return { specs: weights.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[] })), values };
}

/** Put snapshot values back into the model. */
export function writeWeights(model: tf.LayersModel, values: readonly Float32Array[]): void {
  const weights = model.weights;
  if (weights.length !== values.length)
    throw new Error(
      `The checkpoint holds ${values.length} weight tensors, but the model has ${weights.length}; it belongs to another graph.`,
    );
  const tensors = weights.map((w, i) => tf.tensor(values[i]!, w.shape as number[]));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}
