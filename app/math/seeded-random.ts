/**
 * Layerlab's one seeded random generator. Math.random cannot be seeded, and everything random
 * must be reproducible: the train/validation split (the same seed gives the same split on every
 * machine), the engine's initial weights, shuffling and dropout masks (streams seeded by
 * config.seed, so a run is reproducible on the same backend), image augmentation and previews,
 * and the tuner's trials.
 *
 * mulberry32: a tiny, fast PRNG with 32 bits of state, returning numbers in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Independent streams for independent purposes: changing one use never shifts another. */
export function deriveSeed(seed: number, purpose: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A whole-number seed for tfjs ops (their seeds go through toString, so keep them integral). */
export function nextIntSeed(random: () => number): number {
  return Math.floor(random() * 2 ** 31);
}

/** In-place Fisher–Yates shuffle of 0..n-1. */
export function shuffledIndices(n: number, random: () => number, out: Uint32Array = new Uint32Array(n)): Uint32Array {
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** Fisher–Yates in place (an array or a typed array) with a generator seeded by `seed` (the same seed, the same order everywhere). */
export function seededShuffle<A extends { length: number; [index: number]: unknown }>(items: A, seed: number): A {
  const random = mulberry32(seed);
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const a = items[i];
    items[i] = items[j];
    items[j] = a;
  }
  return items;
}
