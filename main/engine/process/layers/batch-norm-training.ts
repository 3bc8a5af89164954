import * as tf from '@tensorflow/tfjs';

/** What tfjs' BatchNormalization calls on gamma, beta and its moving statistics. */
type Readable = { read(): tf.Tensor; shape: tf.Shape };
type BatchNormFields = { beta?: Readable; gamma?: Readable; movingMean?: Readable };

/**
 * tfjs 4.22's BatchNormalization trains only with both center and scale on: its training branch
 * calls `this.gamma.read()` and `this.beta.read()` unconditionally, and build() leaves the one
 * switched off undefined, so `center: false` or `scale: false` dies with "Cannot read properties
 * of undefined (reading 'read')" on every backend (inference checks for null and works). Null
 * cannot stand in (the gradient tape then meets an undefined kernel input), so the switched-off
 * weight reads as a constant: zeros for beta, ones for gamma, shaped like the moving mean. It is
 * no weight (nothing trains it, nothing saves it): the layer saves and exports exactly as Keras'
 * `center=False` / `scale=False` layer does, and computes the same thing.
 */
export function trainableWithoutCenterOrScale(
  layer: tf.layers.Layer,
  center: boolean,
  scale: boolean,
): tf.layers.Layer {
  const fields = layer as unknown as BatchNormFields;
  const constant = (fill: 0 | 1): Readable => ({
    // Read inside the layer's call (a tidy), which disposes the tensor after the step.
    read: () => tf.fill(fields.movingMean!.shape as number[], fill),
    get shape() {
      return fields.movingMean!.shape;
    },
  });
  if (!center) fields.beta = constant(0);
  if (!scale) fields.gamma = constant(1);
  return layer;
}
