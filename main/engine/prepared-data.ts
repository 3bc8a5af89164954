import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PreparedData } from '../../app/engine/protocol';

/** Prepared data that is missing or does not match its description; the message names the file. */
export class PreparedDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreparedDataError';
  }
}

export type SplitName = 'x_train' | 'y_train' | 'x_val' | 'y_val';

export interface LoadedSplits {
  xTrain: Float32Array;
  yTrain: Float32Array;
  xVal: Float32Array;
  yVal: Float32Array;
}

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/** One little-endian float32 matrix file, checked against the rows × width it should hold. */
export async function readMatrix(data: PreparedData, split: SplitName): Promise<Float32Array> {
  const file = path.join(data.dir, `${split}.f32`);
  const rows = split.endsWith('train') ? data.trainRows : data.valRows;
  const width = split.startsWith('x') ? data.inputWidth : data.outputWidth;
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    throw new PreparedDataError(`Cannot read the prepared data file ${file}: ${why}. Prepare the dataset again.`);
  }
  const expected = rows * width * 4;
  if (bytes.byteLength !== expected) {
    throw new PreparedDataError(
      `The prepared data file ${file} has ${bytes.byteLength} bytes, but ${rows} rows × ${width} values of float32 need ${expected}. Prepare the dataset again.`,
    );
  }
  const out = new Float32Array(rows * width);
  if (LITTLE_ENDIAN_HOST) {
    // Copy: a Buffer may sit at an offset of a shared pool that is not 4-byte aligned.
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new PreparedDataError(
        `The prepared data file ${file} holds a missing or infinite value at row ${Math.floor(i / width) + 1}, column ${(i % width) + 1}. Prepare the dataset again.`,
      );
    }
  }
  return out;
}

export async function readSplits(data: PreparedData): Promise<LoadedSplits> {
  const settled = await Promise.allSettled((['x_train', 'y_train', 'x_val', 'y_val'] as const).map((split) => readMatrix(data, split)));
  // Report the first problem in file order, not whichever read happened to fail first.
  const values = settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  const [xTrain, yTrain, xVal, yVal] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
  return { xTrain, yTrain, xVal, yVal };
}
