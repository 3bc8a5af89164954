/**
 * Small, robust statistics on a metric curve (one value per epoch). Per-epoch values are noisy,
 * above all validation losses on small validation splits, so the rules never compare single
 * epochs: they compare smoothed levels and require changes well above the curve's own noise.
 */

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Median of 3 (removes a single-epoch spike entirely), then a centred mean of 3 (evens out the
 * rest). The ends use the neighbours they have.
 */
export function smooth(xs: readonly number[]): number[] {
  const med = xs.map((_, i) => median(xs.slice(Math.max(0, i - 1), i + 2)));
  return med.map((_, i) => mean(med.slice(Math.max(0, i - 1), i + 2)));
}

/**
 * The epoch-to-epoch noise of a curve, as a standard deviation, from its second differences:
 * a smooth trend (a decaying loss) has nearly none, white noise of std σ has std σ·√6. The median
 * of their sizes ignores the steep first epochs and the odd spike (0.6745 turns a median
 * absolute value into a std for a normal distribution).
 */
export function noiseLevel(xs: readonly number[]): number {
  if (xs.length < 3) return 0;
  const d2: number[] = [];
  for (let i = 1; i + 1 < xs.length; i++) d2.push(Math.abs(xs[i + 1]! - 2 * xs[i]! + xs[i - 1]!));
  return median(d2) / (0.6745 * Math.sqrt(6));
}

export function argMin(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[best]!) best = i;
  return best;
}

export function argMax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/** The mean of the last `k` values (or all of them): an end level a single noisy epoch cannot move much. */
export function tailMean(xs: readonly number[], k: number): number {
  return mean(xs.slice(Math.max(0, xs.length - k)));
}

/** Numbers for a sentence: 4 significant digits, no exponent for everyday sizes. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return n.toExponential(2);
  return String(Number(n.toPrecision(4)));
}

export function pct(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

/** How a curve moves from one epoch to the next (see swinging). */
export interface Swing {
  /** The mean size of the epoch-to-epoch changes. */
  meanChange: number;
  /** The share of consecutive changes that reverse direction (flat steps skipped): 1 for a zig-zag. */
  reversals: number;
  /** How much lower the window's second half is than its first (negative: higher). */
  drop: number;
}

export function swingOf(xs: readonly number[]): Swing {
  const changes: number[] = [];
  for (let i = 1; i < xs.length; i++) changes.push(xs[i]! - xs[i - 1]!);
  const signs = changes.filter((d) => d !== 0).map(Math.sign);
  let reversed = 0;
  for (let i = 1; i < signs.length; i++) if (signs[i] !== signs[i - 1]) reversed++;
  const half = xs.length >> 1;
  return {
    meanChange: mean(changes.map(Math.abs)),
    reversals: signs.length < 2 ? 0 : reversed / (signs.length - 1),
    drop: half === 0 ? 0 : mean(xs.slice(0, half)) - mean(xs.slice(xs.length - half)),
  };
}
