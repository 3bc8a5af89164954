import * as tf from '@tensorflow/tfjs';

/**
 * Categorical cross-entropy per sample, exactly as Keras and tf.metrics.categoricalCrossentropy
 * compute it (probabilities rescaled to sum to 1 per row, clipped to [ε, 1 − ε], −Σ y·log p),
 * with its gradient written out instead of recorded op by op. Recorded, the ~8 forward ops and
 * the tape's ~35 backward ops (each a kernel dispatch) cost an MLP step more than its last
 * layer's matrix products; here the tape holds one node and the backward pass is a handful of
 * ops. With s = Σ p, q = p / s, c = clip(q) and m = 1 where q lies in [ε, 1 − ε] (that is, where
 * c = q; 0 where clipped, as clipByValue's gradient), ∂L/∂q = −m·y / c, so with h = m·y·dy / c
 * (dy: the upstream gradient of each row) ∂L/∂p = (Σ h·q − h) / s. y is data: it gets no gradient.
 */
export function categoricalCrossentropy(y: tf.Tensor, p: tf.Tensor): tf.Tensor {
  const epsilon = tf.backend().epsilon();
  const axis = p.rank - 1;
  const target = y.dtype === 'float32' ? y : tf.cast(y, 'float32');
  const loss = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [pred, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const s = tf.sum(pred, axis, true);
    const q = tf.div(pred, s);
    const clipped = tf.clipByValue(q, epsilon, 1 - epsilon);
    // y too: a caller's tidy may dispose its own y before the backward pass runs.
    save([s, q, clipped, target]);
    return {
      value: tf.neg(tf.sum(tf.mul(target, tf.log(clipped)), axis)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sum, probs, kept, labels] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const inside = tf.cast(tf.equal(probs, kept), 'float32');
        const h = tf.mul(tf.div(tf.mul(labels, inside), kept), tf.expandDims(dy, axis));
        return tf.div(tf.sub(tf.sum(tf.mul(h, probs), axis, true), h), sum);
      },
    };
  });
  return loss(p);
}
