import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of a bucket of records put in order in memory at a time, by default. */
export const BUCKET_BYTES = 32 * 1024 * 1024;
/** Bytes of records gathered for one bucket before they are appended to its file. */
const PENDING_BYTES = 1024 * 1024;

/**
 * How a record lies in a bucket file: slots of one size, its place in its bucket first, then its
 * `width` values.
 */
export interface RecordLayout<V extends Float32Array | Float64Array> {
  /** What a record is called: the bucket files' ending (`<bucket>.<noun>`) and the messages' word. */
  noun: string;
  /** Bytes of a slot. */
  slotBytes: number;
  /** A view of `length` values on `buffer` from `byteOffset`. */
  values(buffer: ArrayBuffer, byteOffset: number, length: number): V;
  /** A view of the same slots as places, whole numbers that the values' type might not hold exactly. */
  places(buffer: ArrayBuffer, byteOffset: number, length: number): Int32Array | Float64Array;
}

/** Rows of float32 values, each place an int32 (a float32 is exact only to 2^24). */
export const FLOAT32_ROWS: RecordLayout<Float32Array> = {
  noun: 'rows',
  slotBytes: 4,
  values: (buffer, byteOffset, length) => new Float32Array(buffer, byteOffset, length),
  places: (buffer, byteOffset, length) => new Int32Array(buffer, byteOffset, length),
};

/** Records of float64 values, each place a float64 too. */
export const FLOAT64_RECORDS: RecordLayout<Float64Array> = {
  noun: 'records',
  slotBytes: 8,
  values: (buffer, byteOffset, length) => new Float64Array(buffer, byteOffset, length),
  places: (buffer, byteOffset, length) => new Float64Array(buffer, byteOffset, length),
};

/**
 * Records of `width` values that arrive in any order, put in the order of their places (an
 * external bucket sort). With more records than one bucket of `bucketRows`, each record goes
 * (with its place) to the temporary file of its bucket of places, in this machine's byte order
 * (this process alone reads it back); inOrder() then reads a bucket at a time, puts its records in
 * place and yields them. So the memory is one bucket, not every record, and the data is written
 * twice and read once more: time in proportion to its size. Records that fit one bucket stay in
 * memory (`whole`, a small table).
 */
export class BucketOrder<V extends Float32Array | Float64Array> {
  private readonly buckets: number;
  /** Every record in place when they fit one bucket (no files are written); else null. */
  protected readonly whole: V | null;
  /** Slots a record takes in a bucket file: its place in the bucket, then its values. */
  private readonly record: number;
  private readonly pendingRecords: number;
  private readonly pending: ({ places: Int32Array | Float64Array; values: V; used: number } | undefined)[] = [];
  private full: { bucket: number; bytes: Uint8Array }[] = [];
  private made = false;

  constructor(
    private readonly layout: RecordLayout<V>,
    protected readonly dir: string,
    protected readonly rows: number,
    protected readonly width: number,
    private readonly bucketRows: number,
  ) {
    this.buckets = Math.max(1, Math.ceil(rows / bucketRows));
    this.whole = this.buckets === 1 ? this.array(rows * width) : null;
    this.record = width + 1;
    this.pendingRecords = Math.max(1, Math.floor(PENDING_BYTES / (layout.slotBytes * this.record)));
  }

  private array(length: number): V {
    return this.layout.values(new ArrayBuffer(length * this.layout.slotBytes), 0, length);
  }

  private file(bucket: number): string {
    return join(this.dir, `${bucket}.${this.layout.noun}`);
  }

  /** Record `place`: `width` values of `source` from `offset`. */
  put(place: number, source: ArrayLike<number>, offset = 0): void {
    // Value by value, not subarray + set: a view per row was a third of the garbage of preparing 1M rows.
    const width = this.width;
    if (this.whole) {
      const whole = this.whole;
      const to = place * width;
      for (let k = 0; k < width; k++) whole[to + k] = source[offset + k]!;
      return;
    }
    const bucket = Math.floor(place / this.bucketRows);
    let pending = this.pending[bucket];
    if (!pending) {
      const slots = this.pendingRecords * this.record;
      const buffer = new ArrayBuffer(slots * this.layout.slotBytes);
      pending = { places: this.layout.places(buffer, 0, slots), values: this.layout.values(buffer, 0, slots), used: 0 };
      this.pending[bucket] = pending;
    }
    const at = pending.used * this.record;
    pending.places[at] = place - bucket * this.bucketRows;
    const values = pending.values;
    for (let k = 0; k < width; k++) values[at + 1 + k] = source[offset + k]!;
    pending.used += 1;
    if (pending.used === this.pendingRecords) this.queue(bucket);
  }

  private queue(bucket: number): void {
    const pending = this.pending[bucket];
    if (!pending || pending.used === 0) return;
    const bytes = new Uint8Array(pending.values.buffer, 0, pending.used * this.record * this.layout.slotBytes);
    this.full.push({ bucket, bytes });
    this.pending[bucket] = undefined;
  }

  /** Append the full pending records to their bucket files. */
  async drain(): Promise<void> {
    if (this.full.length === 0) return;
    if (!this.made) await mkdir(this.dir, { recursive: true });
    this.made = true;
    const full = this.full;
    this.full = [];
    for (const { bucket, bytes } of full) await appendFile(this.file(bucket), bytes);
  }

  /**
   * Every record is in: the values in place order, a bucket at a time (records × width each; the
   * bucket's file is removed once read), or `whole` when they fit one bucket.
   */
  async *inOrder(): AsyncGenerator<V> {
    if (this.whole) {
      yield this.whole;
      return;
    }
    for (let b = 0; b < this.buckets; b++) this.queue(b);
    await this.drain();
    const { slotBytes } = this.layout;
    for (let b = 0; b < this.buckets; b++) {
      const rows = Math.min(this.bucketRows, this.rows - b * this.bucketRows);
      const out = this.array(rows * this.width);
      const read = await readFile(this.file(b));
      // A view needs its slots' alignment, which a Buffer from fs may not have.
      const bytes = read.byteOffset % slotBytes === 0 ? read : new Uint8Array(read);
      const slots = Math.floor(bytes.byteLength / slotBytes);
      const places = this.layout.places(bytes.buffer, bytes.byteOffset, slots);
      const values = this.layout.values(bytes.buffer, bytes.byteOffset, slots);
      const records = slots / this.record;
      if (records !== rows)
        throw new Error(`Bucket ${b} of ${this.dir} holds ${records} ${this.layout.noun}, not ${rows}.`);
      for (let k = 0; k < records; k++) {
        const at = k * this.record;
        out.set(values.subarray(at + 1, at + this.record), places[at]! * this.width);
      }
      await rm(this.file(b), { force: true });
      yield out;
    }
  }
}
