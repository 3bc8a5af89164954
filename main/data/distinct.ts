/**
 * The number of distinct values among the non-NaN doubles of a column, exact, in linear time
 * and a few typed arrays of memory, where a Set of a million numbers costs ~50 MB and sorting a
 * copy costs seconds per column. +0 and -0 count as one value (they compare equal), as in a Set.
 *
 * Most columns of a CSV are decimals written with a fixed number of places in a bounded range
 * (prices, measurements, counts): on such a "grid" every value v is m / 10^places for an integer
 * m, and the distinct values are the set bits of a bitmap indexed by m - the smallest m (at most
 * 4 MB: it stays in the cache). A value counts on the grid only when m / 10^places gives v back
 * exactly, so two values share a bit only when they are the same double, and a value off the
 * grid can equal none on it: the few off the grid are counted by the hash tables below and
 * added. 10M values of 0-100 with 4 places took 0.55 s with the hash tables, ~0.1 s this way.
 *
 * Otherwise, open-addressing hash tables over the values' bit patterns. One table for a million
 * values is 16 MB, and nearly every lookup in it misses the cache: 21 such columns took 1.5 s.
 * So a large column is first split by the top bits of each value's hash into buckets of a few
 * thousand values (a pass that reads and writes memory in order), and the distinct values of
 * each bucket are counted in one small table that stays in the cache.
 */

/** Values per bucket aimed at: a table of twice as many doubles fits in a core's L2 cache. */
const BUCKET_VALUES = 4096;

interface Scratch {
  /** The values regrouped by bucket. */
  grouped: Float64Array;
  /** The grid's bitmap, one bit per grid point from the smallest value. */
  bitmap: Int32Array;
  /** The values off the grid. */
  offGrid: Float64Array;
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
    bitmap: new Int32Array(0),
    offGrid: new Float64Array(0),
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

/** The range of a column's values, when the caller knows it already (NaN left out). */
export interface ValueRange {
  min: number;
  max: number;
}

export function countDistinct(values: Float64Array, range?: ValueRange): number {
  const onGrid = countOnGrid(values, range ?? rangeOf(values));
  return onGrid ?? countHashed(values);
}

function rangeOf(values: Float64Array): ValueRange {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] as number;
    // NaN fails both comparisons.
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** 10^k for k ≤ 22: exact doubles, so m / 10^k is correctly rounded. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** At most this many decimal places for a grid (a double holds 15-17 significant digits). */
const MAX_PLACES = 15;
/** Values looked at to choose the places: spread over the column. */
const SAMPLE = 256;
/** Grid points at most: a bitmap of 4 MB still mostly hits the cache (16 MB did not). */
const MAX_GRID_BITS = 1 << 25;
/** Grid points per value at most, so that a small column never clears a large bitmap. */
const GRID_BITS_PER_VALUE = 64;
/**
 * |m| below this: m is an exact double, and v * 10^places, off m by at most |m| * 2^-52, rounds to m.
 */
const SAFE = 2 ** 50;

/** The fewest decimal places that give v back (m / 10^places === v), or -1 when none up to MAX_PLACES does. */
function placesOf(v: number): number {
  for (let places = 0; places <= MAX_PLACES; places += 1) {
    const p = POW10[places] as number;
    if (Math.round(v * p) / p === v) return places;
  }
  return -1;
}

/**
 * Distinct values counted on a decimal grid (see the top of the file), or null when the column is
 * not on one: its values need too many places, span too many grid points, or too many of them
 * fall off the grid (then the hash tables count the whole column).
 */
export function countOnGrid(values: Float64Array, range: ValueRange): number | null {
  // No value present (or a range of NaN): the hash tables say so.
  if (!(range.min <= range.max)) return null;
  let places = samplePlaces(values);
  // A sample can miss the values with the most places (every k-th row, say): one more try with theirs.
  for (let attempt = 0; attempt < 2 && places >= 0; attempt += 1) {
    const counted = countAt(values, range, places);
    if (counted === null || 'distinct' in counted) return counted?.distinct ?? null;
    if (counted.places <= places) return null;
    places = counted.places;
  }
  return null;
}

/** The most decimal places any of a sample of the values needs, -1 when one needs more than MAX_PLACES. */
function samplePlaces(values: Float64Array): number {
  const n = values.length;
  // How far each look goes past missing values: all the looks together read at most ~n values.
  const reach = Math.max(16, Math.ceil(n / SAMPLE));
  let places = 0;
  for (let k = 0; k < SAMPLE; k += 1) {
    // Spread by the golden ratio, so that no period of the rows lines up with the sample; then
    // the first value present from there on.
    let i = Math.floor(((k * 0.6180339887498949) % 1) * n);
    const end = Math.min(n, i + reach);
    while (i < end && values[i] !== values[i]) i += 1;
    if (i === end) continue;
    const needed = placesOf(values[i] as number);
    if (needed < 0) return -1;
    places = Math.max(places, needed);
  }
  return places;
}

/**
 * A column's decimal grid, cleared, for countAt's pass: m = Math.round(v * scale); v is on the
 * grid when m / scale === v, and then sets bit m - low; a value off it goes to offGrid, and past
 * offLimit of them the grid is given up.
 */
interface Grid {
  /** 10^places. */
  scale: number;
  places: number;
  /** m of bit 0. */
  low: number;
  bitmap: Int32Array;
  offGrid: Float64Array;
  offLimit: number;
  /** Words of the bitmap in use. */
  words: number;
}

/**
 * The grid of `places` places (by default the most a sample of the values needs) over `range`,
 * cleared; null when the column cannot use one (see countOnGrid).
 */
function gridOf(values: Float64Array, { min, max }: ValueRange, places = samplePlaces(values)): Grid | null {
  const n = values.length;
  if (!(min <= max) || places < 0) return null;
  const scale = POW10[places] as number;
  if (Math.abs(min) * scale >= SAFE || Math.abs(max) * scale >= SAFE) return null;
  // Rounding is monotonic, so every m of a value on the grid lies in [low, high].
  const low = Math.round(min * scale);
  const bits = Math.round(max * scale) - low + 1;
  if (bits > Math.min(MAX_GRID_BITS, Math.max(1 << 16, n * GRID_BITS_PER_VALUE))) return null;
  const space = scratch();
  const words = (bits + 31) >>> 5;
  if (space.bitmap.length < words) space.bitmap = new Int32Array(words);
  space.bitmap.fill(0, 0, words);
  // Values off the grid, counted apart; past this many, the grid is not worth it.
  const offLimit = Math.max(1024, n >>> 6);
  if (space.offGrid.length < offLimit) space.offGrid = new Float64Array(offLimit);
  return { scale, places, low, bitmap: space.bitmap, offGrid: space.offGrid, offLimit, words };
}

/** The distinct values of a marked grid with `off` values off it (offGrid[0, off)). */
function gridCount(grid: Grid, off: number): number {
  const { bitmap, words } = grid;
  let distinct = 0;
  for (let w = 0; w < words; w += 1) {
    const word = bitmap[w] as number;
    if (word !== 0) distinct += bitCount(word);
  }
  return off === 0 ? distinct : distinct + countHashed(grid.offGrid.subarray(0, off));
}

/**
 * One pass over the grid of `places` places: the distinct values, or the places the values that
 * fell off it need when there were too many of them, or null when this grid cannot be used.
 */
function countAt(
  values: Float64Array,
  range: ValueRange,
  places: number,
): { distinct: number } | { places: number } | null {
  const grid = gridOf(values, range, places);
  if (grid === null) return null;
  const { scale, low, bitmap, offGrid, offLimit } = grid;
  let off = 0;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] as number;
    if (v !== v) continue;
    const m = Math.round(v * scale);
    if (m / scale !== v) {
      if (off === offLimit) {
        let needed = places;
        for (let j = 0; j < off && needed >= 0; j += 1) {
          const more = placesOf(offGrid[j] as number);
          needed = more < 0 ? -1 : Math.max(needed, more);
        }
        return needed < 0 ? null : { places: needed };
      }
      offGrid[off++] = v;
      continue;
    }
    // -0 and +0 both land on the bit of 0.
    const k = m - low;
    bitmap[k >>> 5] = (bitmap[k >>> 5] as number) | (1 << (k & 31));
  }
  return { distinct: gridCount(grid, off) };
}

function bitCount(word: number): number {
  let x = word - ((word >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Distinct values by the hash tables (see the top of the file). */
function countHashed(values: Float64Array): number {
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
