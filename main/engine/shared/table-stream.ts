import { open, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PreparedData } from '../../../app/engine/protocol';
import { deriveSeed, mulberry32, shuffledIndices } from '../../../app/math/seeded-random';

/**
 * A large table's training rows streamed from x_train.f32 instead of held in memory (images
 * stream from their shards the same way). Each epoch's order is a seeded chunked permutation:
 * the rows are cut into blocks of BLOCK_ROWS, the blocks are shuffled, and each window of
 * WINDOW_BLOCKS consecutive blocks of that order is read from disk and its rows shuffled
 * together. Batches are consecutive rows of that order, so the same (seed, epoch) gives the same
 * batches, a resumed run sees what it would have, and every row comes once per epoch.
 * Memory: the order (4 bytes a row), two windows of rows, and y_train (kept whole: class weights
 * count it, and it is one value a row for most tasks).
 */

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/** Rows read as one piece: the unit the epoch's permutation moves. */
export const BLOCK_ROWS = 256;
/** Blocks read and shuffled together: 65,536 rows (5 MB for 20 inputs). */
export const WINDOW_BLOCKS = 256;

export interface StreamedBatch {
  x: Float32Array;
  y: Float32Array;
  size: number;
}

/** Prepared data that is missing or does not match its description; the message names the file. */
export class PreparedDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreparedDataError';
  }
}

/** The epoch's row order: shuffled blocks, rows shuffled within each window of windowBlocks blocks. */
export function chunkedPermutation(rows: number, windowBlocks: number, seed: number, epoch: number): Uint32Array {
  const random = mulberry32(deriveSeed(seed, `shuffle:${epoch}`));
  // The full blocks shuffled, a last short block after them: every window but the last then
  // holds exactly windowBlocks × BLOCK_ROWS rows, so a row's window is its position's.
  const full = Math.floor(rows / BLOCK_ROWS);
  const blocks = new Uint32Array(Math.ceil(rows / BLOCK_ROWS));
  blocks.set(shuffledIndices(full, random));
  if (blocks.length > full) blocks[full] = full;
  const order = new Uint32Array(rows);
  let at = 0;
  for (let w = 0; w < blocks.length; w += windowBlocks) {
    const start = at;
    for (let b = w; b < Math.min(w + windowBlocks, blocks.length); b++) {
      const first = blocks[b]! * BLOCK_ROWS;
      const end = Math.min(first + BLOCK_ROWS, rows);
      for (let r = first; r < end; r++) order[at++] = r;
    }
    // Fisher–Yates over this window's rows.
    for (let i = at - 1; i > start; i--) {
      const j = start + Math.floor(random() * (i - start + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }
  return order;
}

/** Reads rows of a float32 matrix file by block; every value checked finite as it is read. */
export class MatrixFile {
  private constructor(
    private readonly handle: FileHandle,
    readonly file: string,
    readonly rows: number,
    readonly width: number,
  ) {}

  static async open(dir: string, name: string, rows: number, width: number): Promise<MatrixFile> {
    const file = path.join(dir, `${name}.f32`);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      const code = (error as { code?: string }).code;
      const why = code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
      throw new PreparedDataError(`Cannot read the prepared data file ${file}: ${why}. Prepare the dataset again.`);
    }
    const { size } = await handle.stat();
    const expected = rows * width * 4;
    if (size !== expected) {
      await handle.close();
      throw new PreparedDataError(
        `The prepared data file ${file} has ${size} bytes, but ${rows} rows × ${width} values of float32 need ${expected}. Prepare the dataset again.`,
      );
    }
    return new MatrixFile(handle, file, rows, width);
  }

  /** Rows [start, start + count) into `into` at row `at`. */
  async read(start: number, count: number, into: Float32Array, at = 0): Promise<void> {
    const bytes = new Uint8Array(into.buffer, into.byteOffset + at * this.width * 4, count * this.width * 4);
    for (let done = 0; done < bytes.length;) {
      const { bytesRead } = await this.handle.read(bytes, done, bytes.length - done, start * this.width * 4 + done);
      if (bytesRead === 0) throw new PreparedDataError(`The prepared data file ${this.file} ended early.`);
      done += bytesRead;
    }
    // The files are little-endian; a big-endian host swaps each value's bytes in place.
    if (!LITTLE_ENDIAN_HOST)
      for (let i = 0; i < bytes.length; i += 4) {
        const [a, b] = [bytes[i]!, bytes[i + 1]!];
        bytes[i] = bytes[i + 3]!;
        bytes[i + 1] = bytes[i + 2]!;
        bytes[i + 2] = b;
        bytes[i + 3] = a;
      }
    const values = into.subarray(at * this.width, (at + count) * this.width);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        throw new PreparedDataError(
          `The prepared data file ${this.file} holds a missing or infinite value at row ${start + Math.floor(i / this.width) + 1}, column ${(i % this.width) + 1}. Prepare the dataset again.`,
        );
      }
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * One epoch of training batches from x_train.f32 (rows in chunkedPermutation order) with their
 * targets from yTrain (in memory). A batch's arrays are reused for the next one.
 */
export async function* streamedTrainBatches(
  xTrain: MatrixFile,
  yTrain: Float32Array,
  outputWidth: number,
  options: { batchSize: number; seed: number; epoch: number; windowBlocks?: number },
): AsyncGenerator<StreamedBatch> {
  const { rows, width } = xTrain;
  const batchSize = Math.min(options.batchSize, rows);
  // A batch spans at most two windows: each window holds at least one batch.
  const windowBlocks = Math.max(options.windowBlocks ?? WINDOW_BLOCKS, Math.ceil(batchSize / BLOCK_ROWS));
  const windowRows = windowBlocks * BLOCK_ROWS;
  const order = chunkedPermutation(rows, windowBlocks, options.seed, options.epoch);
  // Two windows, alternating; each maps a block to its place in the window.
  const windows = [0, 1].map(() => ({
    index: -1,
    x: new Float32Array(windowRows * width),
    slot: new Map<number, number>(),
  }));
  const load = async (w: number) => {
    const window = windows[w % 2]!;
    if (window.index === w) return window;
    window.index = -1;
    window.slot.clear();
    const end = Math.min((w + 1) * windowRows, rows);
    const reads: Promise<void>[] = [];
    for (let i = w * windowRows; i < end; i++) {
      const block = Math.floor(order[i]! / BLOCK_ROWS);
      if (window.slot.has(block)) continue;
      const slot = window.slot.size;
      window.slot.set(block, slot);
      const first = block * BLOCK_ROWS;
      reads.push(xTrain.read(first, Math.min(BLOCK_ROWS, rows - first), window.x, slot * BLOCK_ROWS));
    }
    await Promise.all(reads);
    window.index = w;
    return window;
  };
  const xInto = new Float32Array(batchSize * width);
  const yInto = new Float32Array(batchSize * outputWidth);
  for (let start = 0; start < rows; start += batchSize) {
    const end = Math.min(start + batchSize, rows);
    const first = await load(Math.floor(start / windowRows));
    const last = await load(Math.floor((end - 1) / windowRows));
    for (let i = start; i < end; i++) {
      const row = order[i]!;
      const window = Math.floor(i / windowRows) === first.index ? first : last;
      const at = window.slot.get(Math.floor(row / BLOCK_ROWS))! * BLOCK_ROWS + (row % BLOCK_ROWS);
      xInto.set(window.x.subarray(at * width, at * width + width), (i - start) * width);
      yInto.set(yTrain.subarray(row * outputWidth, row * outputWidth + outputWidth), (i - start) * outputWidth);
    }
    const size = end - start;
    yield size === batchSize
      ? { x: xInto, y: yInto, size }
      : { x: xInto.subarray(0, size * width), y: yInto.subarray(0, size * outputWidth), size };
  }
}

/** The validation rows in file order, chunkRows at a time, read from x_val/y_val. */
export async function* streamedValidationBatches(
  xVal: MatrixFile,
  yVal: MatrixFile,
  chunkRows: number,
): AsyncGenerator<StreamedBatch> {
  for (let start = 0; start < xVal.rows; start += chunkRows) {
    const size = Math.min(chunkRows, xVal.rows - start);
    const x = new Float32Array(size * xVal.width);
    const y = new Float32Array(size * yVal.width);
    await Promise.all([xVal.read(start, size, x), yVal.read(start, size, y)]);
    yield { x, y, size };
  }
}

/** Bytes of a table's four matrices: above tableMemoryBytes() they stream from disk. */
export function tableBytes(data: PreparedData): number {
  return (data.trainRows + data.valRows) * (data.inputWidth + data.outputWidth) * 4;
}

/**
 * Tables whose matrices are larger than this stream (default 256 MiB: 10M rows × 21 columns are
 * 840 MB); LAYERLAB_TABLE_MEMORY_BYTES sets another bound (0: always stream).
 */
export function tableMemoryBytes(): number {
  const set = Number(process.env.LAYERLAB_TABLE_MEMORY_BYTES);
  return process.env.LAYERLAB_TABLE_MEMORY_BYTES !== undefined && Number.isFinite(set) && set >= 0
    ? set
    : 256 * 1024 * 1024;
}
