/** One point of a plotted line. */
export interface Point {
  x: number;
  y: number;
}

/** A round step (1, 1.5, 2, 2.5, 3 or 5 times a power of ten) that cuts `span` into at most `count` parts. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  return ([1, 1.5, 2, 2.5, 3, 5, 10].find((m) => m * p >= raw * (1 - 1e-12)) ?? 10) * p;
}

/**
 * Axis ticks at round values from `lo` to at least `hi` (about `count` intervals), as recharts'
 * 'auto' domain does: the axis then ends on the last tick. Values are rounded to the step's
 * precision so 0.1 + 0.2 prints as 0.3.
 */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi <= lo) hi = lo === 0 ? 1 : lo + Math.abs(lo) * 0.1;
  const step = niceStep(hi - lo, count);
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let i = 0; ; i++) {
    const t = Number((first + i * step).toFixed(digits));
    ticks.push(t);
    if (t >= hi - step * 1e-9 || i > 100) break;
  }
  return ticks;
}

const ROUND = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** 300, 0.25, 1.2: a round multiple of a power of ten. */
function isRound(step: number): boolean {
  const p = 10 ** Math.floor(Math.log10(step));
  return ROUND.some((m) => Math.abs(m * p - step) <= step * 1e-9);
}

/**
 * Ticks inside a fixed [lo, hi] (the ends are not extended): both ends and evenly spaced ticks
 * between when the range splits into 3–5 round steps (0, 300, …, 1200), else the round values
 * that fall inside it.
 */
export function ticksWithin(lo: number, hi: number, count = 4): number[] {
  if (Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) {
    for (const n of [count, count + 1, count - 1]) {
      const step = (hi - lo) / n;
      if (n > 1 && isRound(step))
        return Array.from({ length: n + 1 }, (_, i) => Number((lo + i * step).toPrecision(12)));
    }
  }
  return niceTicks(lo, hi, count).filter((t) => t >= lo - 1e-12 && t <= hi + 1e-12);
}

/**
 * At most `max` points that keep the line's shape: the points are cut into buckets of equal
 * count and each bucket keeps its lowest and highest point, in x order (so spikes and dips of
 * a long run survive, which plain striding drops). The first and last points are always kept.
 */
export function minMaxDownsample(points: readonly Point[], max: number): Point[] {
  if (points.length <= max || max < 4) return [...points];
  const out: Point[] = [points[0]!];
  const inner = points.length - 2;
  const buckets = Math.floor((max - 2) / 2);
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (points[i]!.y < points[lo]!.y) lo = i;
      if (points[i]!.y > points[hi]!.y) hi = i;
    }
    if (to <= from) continue;
    if (lo === hi) out.push(points[lo]!);
    else out.push(points[Math.min(lo, hi)]!, points[Math.max(lo, hi)]!);
  }
  out.push(points[points.length - 1]!);
  return out;
}

/** The index of the point whose x is nearest to `x` in points sorted by x, or -1 when there are none. */
export function nearestIndex(points: readonly Point[], x: number): number {
  if (points.length === 0) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.x < x) lo = mid;
    else hi = mid;
  }
  return Math.abs(points[lo]!.x - x) <= Math.abs(points[hi]!.x - x) ? lo : hi;
}
