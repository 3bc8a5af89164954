import type { ClassWeights } from './config';

/** The class of one encoded target row: argmax of a one-hot row, or y > 0.5 for one column. */
export function classOfRow(y: ArrayLike<number>, offset: number, width: number): number {
  if (width === 1) return y[offset]! > 0.5 ? 1 : 0;
  let best = 0;
  for (let j = 1; j < width; j++) if (y[offset + j]! > y[offset + best]!) best = j;
  return best;
}

/** Rows per class in a row-major target matrix. */
export function classCounts(y: ArrayLike<number>, width: number, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  const rows = Math.floor(y.length / width);
  for (let r = 0; r < rows; r++) counts[classOfRow(y, r * width, width)]!++;
  return counts;
}

/**
 * One weight per class. "balanced" is scikit-learn's rule, n / (classes × count), so every
 * class contributes equally to the loss; a class absent from the training rows gets 0.
 */
export function classWeightsFor(setting: ClassWeights, counts: readonly number[]): number[] {
  if (setting !== 'balanced') return [...setting];
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (c > 0 ? n / (counts.length * c) : 0));
}
