import * as tf from '@tensorflow/tfjs';

/**
 * Keras' Subtract merge layer, which tfjs lacks: the first input minus the second. Registered
 * under Keras' class name, so a saved model that uses it loads back in this engine.
 */
export class Subtract extends tf.layers.Layer {
  static readonly className = 'Subtract';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shapes = inputShape as tf.Shape[];
    return shapes[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [a, b] = inputs as tf.Tensor[];
      if (!a || !b) throw new Error('Subtract needs exactly two inputs.');
      return tf.sub(a, b);
    });
  }

  override getClassName(): string {
    return Subtract.className;
  }
}
tf.serialization.registerClass(Subtract);
