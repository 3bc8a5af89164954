import { littleEndianBytes } from './binary';
import { BUCKET_BYTES, BucketOrder, FLOAT32_ROWS } from './bucket-order';

/** Rows of `width` float32 values in one bucket of BUCKET_BYTES. */
export const bucketRowsFor = (width: number): number =>
  Math.max(1, Math.floor(BUCKET_BYTES / (4 * Math.max(1, width))));

/**
 * A matrix file written in its split's row order from rows that arrive in dataset order: its rows
 * of float32 values are put in order through bucket files (BucketOrder; a matrix of one bucket
 * stays in memory), and blocks() gives the file's bytes a bucket at a time.
 */
export class ScatterMatrix extends BucketOrder<Float32Array> {
  constructor(dir: string, rows: number, width: number, bucketRows: number = bucketRowsFor(width)) {
    super(FLOAT32_ROWS, dir, rows, width, bucketRows);
  }

  /** The matrix's little-endian bytes, a bucket at a time in row order. */
  async *blocks(): AsyncGenerator<Uint8Array> {
    for await (const rows of this.inOrder()) yield littleEndianBytes(rows);
  }
}
