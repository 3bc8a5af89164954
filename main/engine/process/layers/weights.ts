import * as tf from '@tensorflow/tfjs';
import type { Initializer, Regularizer } from '../../../../app/graph';
import { nextIntSeed } from '../../../../app/math/seeded-random';

/**
 * Keras initializer and regularizer settings → tfjs objects. Random initializers take their
 * seed from the model's seeded stream, so one seed gives one start; zeros and ones draw none
 * (which keeps the seeds of graphs saved before initializers were configurable unchanged).
 */
export function initializer(name: Initializer, random: () => number): ReturnType<typeof tf.initializers.zeros> {
  const seed = () => nextIntSeed(random);
  switch (name) {
    case 'zeros':
      return tf.initializers.zeros();
    case 'ones':
      return tf.initializers.ones();
    case 'glorot_uniform':
      return tf.initializers.glorotUniform({ seed: seed() });
    case 'glorot_normal':
      return tf.initializers.glorotNormal({ seed: seed() });
    case 'he_uniform':
      return tf.initializers.heUniform({ seed: seed() });
    case 'he_normal':
      return tf.initializers.heNormal({ seed: seed() });
    case 'lecun_uniform':
      return tf.initializers.leCunUniform({ seed: seed() });
    case 'lecun_normal':
      return tf.initializers.leCunNormal({ seed: seed() });
    case 'orthogonal':
      return tf.initializers.orthogonal({ seed: seed(), gain: 1 });
    // Keras' defaults for the plain random initializers.
    case 'random_normal':
      return tf.initializers.randomNormal({ mean: 0, stddev: 0.05, seed: seed() });
    case 'random_uniform':
      return tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed() });
    case 'truncated_normal':
      return tf.initializers.truncatedNormal({ mean: 0, stddev: 0.05, seed: seed() });
  }
}

export function regularizer(setting: Regularizer | undefined): ReturnType<typeof tf.regularizers.l1l2> | undefined {
  if (!setting || (setting.l1 === 0 && setting.l2 === 0)) return undefined;
  return tf.regularizers.l1l2({ l1: setting.l1, l2: setting.l2 });
}

/** useBias, initializers and regularizers of a layer with a kernel, in tfjs' argument names. */
export function kernelArgs(
  c: {
    use_bias: boolean;
    kernel_initializer: Initializer;
    bias_initializer: Initializer;
    kernel_regularizer: Regularizer;
    bias_regularizer: Regularizer;
  },
  random: () => number,
) {
  return {
    useBias: c.use_bias,
    kernelInitializer: initializer(c.kernel_initializer, random),
    biasInitializer: initializer(c.bias_initializer, random),
    ...(regularizer(c.kernel_regularizer) ? { kernelRegularizer: regularizer(c.kernel_regularizer) } : {}),
    ...(c.use_bias && regularizer(c.bias_regularizer) ? { biasRegularizer: regularizer(c.bias_regularizer) } : {}),
  };
}
