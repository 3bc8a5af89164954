/**
 * The number of distinct values among the non-NaN doubles of a column, with open-addressing
 * hash tables over their bit patterns: linear in the rows and a few typed arrays of memory, where
 * a Set of a million numbers costs ~50 MB and sorting a copy costs seconds per column.
 * +0 and -0 count as one value (they compare equal), as in a Set.
 *
 * One table for a million values is 16 MB, and nearly every lookup in it misses the cache: 21
 * such columns took 1.5 s. So a large column is first split by the top bits of each value's hash
 * into buckets of a few thousand values (a pass that reads and writes memory in order), and the
 * distinct values of each bucket are counted in one small table that stays in the cache.
 */

/** Values per bucket aimed at: a table of twice as many doubles fits in a core's L2 cache. */
const BUCKET_VALUES = 4096;

interface Scratch {
  /** The values regrouped by bucket. */
  grouped: Float64Array;
  /** Each value's bucket, so that its hash is computed once for counting and regrouping. */
  bucketOf: Uint16Array;
  table: Float64Array;
  used: Uint8Array;
}

/** bucketOf of a missing value: above any bucket (at most 2^15 of them). */
const MISSING = 0xffff;

/**
 * The last scratch space, for the next column of the same import: fresh memory is slow to touch
 * (page faults; on this project's VMs a fresh 16 MB array costs ~100 ms), and a WeakRef holds it
 * only as long as the garbage collector does not need the space back. An object from deref() is
 * kept at least until the current synchronous job ends, so one profile pass reuses it throughout.
 * Each array grows on its own, so growing one never drops what another holds.
 */
let last: WeakRef<Scratch> | null = null;

function scratch(): Scratch {
  const cached = last?.deref();
  if (cached) return cached;
  const fresh: Scratch = {
    grouped: new Float64Array(0),
    bucketOf: new Uint16Array(0),
    table: new Float64Array(0),
    used: new Uint8Array(0),
  };
  last = new WeakRef(fresh);
  return fresh;
}

function withTable(space: Scratch, size: number): Scratch {
  if (space.table.length < size) {
    space.table = new Float64Array(size);
    space.used = new Uint8Array(size);
  }
  return space;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** A well-mixed 32-bit hash of a double's bits (murmur3's finalizer over both words). */
function hashOf(v: number): number {
  bits[0] = v;
  let h = (words[0] as number) ^ Math.imul(words[1] as number, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function powerOfTwoAtLeast(n: number): number {
  let size = 16;
  while (size < n) size *= 2;
  return size;
}

/** Distinct values of values[start, end) (no NaN among them), with a table of `size` slots. */
function countIn(
  values: Float64Array,
  start: number,
  end: number,
  table: Float64Array,
  used: Uint8Array,
  size: number,
): number {
  const mask = size - 1;
  used.fill(0, 0, size);
  let distinct = 0;
  for (let i = start; i < end; i += 1) {
    const v = values[i] as number;
    let slot = hashOf(v) & mask;
    for (;;) {
      if (used[slot] === 0) {
        used[slot] = 1;
        table[slot] = v;
        distinct += 1;
        break;
      }
      if (table[slot] === v) break;
      slot = (slot + 1) & mask;
    }
  }
  return distinct;
}

export function countDistinct(values: Float64Array): number {
  const space = scratch();
  if (space.grouped.length < values.length) space.grouped = new Float64Array(values.length);
  const { grouped } = space;
  const shift = Math.max(0, Math.ceil(Math.log2(values.length / BUCKET_VALUES)));
  if (shift === 0) {
    // Small: one table, over the present values copied in order.
    let n = 0;
    for (let i = 0; i < values.length; i += 1) {
      const v = values[i] as number;
      if (v === v) grouped[n++] = v === 0 ? 0 : v;
    }
    if (n === 0) return 0;
    const size = powerOfTwoAtLeast(n * 2);
    const { table, used } = withTable(space, size);
    return countIn(grouped, 0, n, table, used, size);
  }
  // Sized from all the values, missing ones too: only the speed depends on the number of buckets.
  const buckets = 2 ** Math.min(shift, 15);
  const top = 32 - Math.log2(buckets);
  if (space.bucketOf.length < values.length) space.bucketOf = new Uint16Array(values.length);
  const { bucketOf } = space;
  // Where each bucket starts in `grouped`: counted first, then filled in order.
  const starts = new Int32Array(buckets + 1);
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] as number;
    if (v !== v) {
      bucketOf[i] = MISSING;
      continue;
    }
    const b = hashOf(v === 0 ? 0 : v) >>> top;
    bucketOf[i] = b;
    starts[b + 1] = (starts[b + 1] as number) + 1;
  }
  let largest = 0;
  for (let b = 0; b < buckets; b += 1) {
    largest = Math.max(largest, starts[b + 1] as number);
    starts[b + 1] = (starts[b + 1] as number) + (starts[b] as number);
  }
  const fill = starts.slice(0, buckets);
  for (let i = 0; i < values.length; i += 1) {
    const b = bucketOf[i] as number;
    if (b === MISSING) continue;
    const v = values[i] as number;
    grouped[fill[b] as number] = v === 0 ? 0 : v; // -0 → +0
    fill[b] = (fill[b] as number) + 1;
  }
  const { table, used } = withTable(space, powerOfTwoAtLeast(largest * 2));
  let distinct = 0;
  for (let b = 0; b < buckets; b += 1) {
    const start = starts[b] as number;
    const end = starts[b + 1] as number;
    if (end > start) distinct += countIn(grouped, start, end, table, used, powerOfTwoAtLeast((end - start) * 2));
  }
  return distinct;
}
