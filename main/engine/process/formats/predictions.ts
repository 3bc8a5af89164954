import * as tf from '@tensorflow/tfjs';

/**
 * A model's outputs on `x`, row-major (what every parity check compares); a model with several
 * inputs takes one tensor each, one with several outputs gives each output's rows one after another.
 */
export async function predictAll(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[]): Promise<Float32Array> {
  const predicted = model.predict(x);
  const outputs = Array.isArray(predicted) ? predicted : [predicted];
  try {
    const parts = await Promise.all(outputs.map((y) => y.data() as Promise<Float32Array>));
    if (parts.length === 1) return parts[0]!;
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      all.set(part, at);
      at += part.length;
    }
    return all;
  } finally {
    tf.dispose(outputs);
  }
}

/** Largest |a − b|; Infinity when the lengths differ, and NaN anywhere counts as different. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}
