import * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from '../../app/training/config';

/** Keras' default momentum; the config offers "momentum" as a name, not a second number. */
export const MOMENTUM = 0.9;

/** A fresh optimizer (its slot variables belong to one run; dispose it with the run). */
export function createOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, MOMENTUM);
    case 'adam':
      return tf.train.adam(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
  }
}
