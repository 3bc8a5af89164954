import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { littleEndianBytes } from './binary';

/** Bytes of a bucket of rows put in order in memory at a time (ScatterMatrix). */
export const BUCKET_BYTES = 32 * 1024 * 1024;
/** Bytes of rows gathered for one bucket before they are appended to its file. */
const PENDING_BYTES = 1024 * 1024;

/** Rows of `width` float32 values in one bucket of BUCKET_BYTES. */
export const bucketRowsFor = (width: number): number =>
  Math.max(1, Math.floor(BUCKET_BYTES / (4 * Math.max(1, width))));

/**
 * A matrix file written in its split's row order from rows that arrive in dataset order. With
 * more rows than one bucket, each row goes (with its place) to the temporary file of its bucket
 * of places; blocks() then reads a bucket at a time, puts its rows in place and yields it. So the
 * memory is one bucket, not the matrix, and the data is written twice and read once more: time in
 * proportion to its size. A matrix of one bucket stays in memory (a small table).
 */
export class ScatterMatrix {
  private readonly buckets: number;
  private readonly whole: Float32Array | null;
  /** Slots (4 bytes) a row takes in a bucket file: its place in the bucket, then its values. */
  private readonly record: number;
  private readonly pendingRecords: number;
  private readonly pending: ({ ints: Int32Array; floats: Float32Array; used: number } | undefined)[] = [];
  private full: { bucket: number; bytes: Uint8Array }[] = [];
  private made = false;

  constructor(
    private readonly dir: string,
    private readonly rows: number,
    private readonly width: number,
    private readonly bucketRows: number = bucketRowsFor(width),
  ) {
    this.buckets = Math.max(1, Math.ceil(rows / bucketRows));
    this.whole = this.buckets === 1 ? new Float32Array(rows * width) : null;
    this.record = width + 1;
    this.pendingRecords = Math.max(1, Math.floor(PENDING_BYTES / (4 * this.record)));
  }

  private file(bucket: number): string {
    return join(this.dir, `${bucket}.rows`);
  }

  /** Row `position` of the matrix: `width` values of `source` from `offset`. */
  put(position: number, source: Float32Array, offset: number): void {
    // Value by value, not subarray + set: a view per row was a third of the garbage of preparing 1M rows.
    const width = this.width;
    if (this.whole) {
      const whole = this.whole;
      const to = position * width;
      for (let k = 0; k < width; k++) whole[to + k] = source[offset + k]!;
      return;
    }
    const bucket = Math.floor(position / this.bucketRows);
    let pending = this.pending[bucket];
    if (!pending) {
      const buffer = new ArrayBuffer(this.pendingRecords * this.record * 4);
      pending = { ints: new Int32Array(buffer), floats: new Float32Array(buffer), used: 0 };
      this.pending[bucket] = pending;
    }
    const at = pending.used * this.record;
    pending.ints[at] = position - bucket * this.bucketRows;
    const floats = pending.floats;
    for (let k = 0; k < width; k++) floats[at + 1 + k] = source[offset + k]!;
    pending.used += 1;
    if (pending.used === this.pendingRecords) this.queue(bucket);
  }

  private queue(bucket: number): void {
    const pending = this.pending[bucket];
    if (!pending || pending.used === 0) return;
    const bytes = new Uint8Array(pending.ints.buffer, 0, pending.used * this.record * 4);
    this.full.push({ bucket, bytes });
    this.pending[bucket] = undefined;
  }

  /** Append the full pending rows to their bucket files. */
  async drain(): Promise<void> {
    if (this.full.length === 0) return;
    if (!this.made) await mkdir(this.dir, { recursive: true });
    this.made = true;
    const full = this.full;
    this.full = [];
    for (const { bucket, bytes } of full) await appendFile(this.file(bucket), bytes);
  }

  /** The matrix's little-endian bytes, a bucket at a time in row order. */
  async *blocks(): AsyncGenerator<Uint8Array> {
    if (this.whole) {
      yield littleEndianBytes(this.whole);
      return;
    }
    for (let b = 0; b < this.buckets; b++) this.queue(b);
    await this.drain();
    for (let b = 0; b < this.buckets; b++) {
      const rows = Math.min(this.bucketRows, this.rows - b * this.bucketRows);
      const out = new Float32Array(rows * this.width);
      const read = await readFile(this.file(b));
      // This process wrote the file in its own byte order; a view needs 4-byte alignment.
      const bytes = read.byteOffset % 4 === 0 ? read : new Uint8Array(read);
      const ints = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
      const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
      const records = ints.length / this.record;
      if (records !== rows) throw new Error(`Bucket ${b} of ${this.dir} holds ${records} rows, not ${rows}.`);
      for (let k = 0; k < records; k++) {
        const at = k * this.record;
        out.set(floats.subarray(at + 1, at + this.record), ints[at]! * this.width);
      }
      await rm(this.file(b), { force: true });
      yield littleEndianBytes(out);
    }
  }
}
