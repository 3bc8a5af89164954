import * as tf from '@tensorflow/tfjs';

/** A model's outputs on `x`, row-major (one model output; what every parity check compares). */
export async function predictAll(model: tf.LayersModel, x: tf.Tensor): Promise<Float32Array> {
  const y = model.predict(x) as tf.Tensor;
  try {
    return (await y.data()) as Float32Array;
  } finally {
    y.dispose();
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
