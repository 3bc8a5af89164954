/**
 * The number of distinct values among the non-NaN doubles of a column, with an open-addressing
 * hash table over their bit patterns: linear in the rows and a few typed arrays of memory, where
 * a Set of a million numbers costs ~50 MB and sorting a copy costs seconds per column.
 * +0 and -0 count as one value (they compare equal), as in a Set.
 */
export function countDistinct(values: Float64Array): number {
  let size = 16;
  while (size < values.length * 2) size *= 2;
  const mask = size - 1;
  const table = new Float64Array(size);
  const used = new Uint8Array(size);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  let distinct = 0;
  for (let i = 0; i < values.length; i += 1) {
    let v = values[i] as number;
    if (v !== v) continue;
    if (v === 0) v = 0; // -0 → +0
    bits[0] = v;
    let slot = (Math.imul((words[0] as number) ^ Math.imul(words[1] as number, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
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
