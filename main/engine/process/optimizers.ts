import * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from '../../../app/training/config';
import { FusedAdamOptimizer } from './accelerations/fused-adam';
import { engineNativeKernels } from './accelerations/wasm-kernel-fixes';

/** Keras' default momentum; the config offers "momentum" as a name, not a second number. */
export const MOMENTUM = 0.9;

/**
 * A fresh optimizer (its slot variables belong to one run; dispose it with the run). On the
 * wasm backend with the engine's own kernels, Adam updates each variable with one kernel.
 */
export function createOptimizer(
  name: OptimizerName,
  learningRate: number,
  options: { nesterov?: boolean } = {},
): tf.Optimizer {
  switch (name) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, MOMENTUM, options.nesterov ?? false);
    case 'adam': {
      const native = tf.getBackend() === 'wasm' ? engineNativeKernels() : null;
      return native ? new FusedAdamOptimizer(learningRate, native) : tf.train.adam(learningRate);
    }
    case 'adamax':
      // tfjs' defaults for Adamax are Keras' (β1 0.9, β2 0.999); its decay stays 0: schedules do that.
      return tf.train.adamax(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
    case 'adadelta':
      // Keras' rho; tfjs' own default (0.95) would differ from what users read in Keras docs.
      return tf.train.adadelta(learningRate, 0.95);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
  }
}

/**
 * Change the rate of a live optimizer between steps. SGD and momentum cache −lr as a tensor
 * (setLearningRate refreshes it); the others read their `learningRate` field on every step.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}

/** tfjs-core's NamedTensor (the tfjs bundle does not re-export the type). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

interface NamedSlot {
  originalName: string;
  variable: tf.Variable;
}
interface AdamaxInternals {
  accumulatedFirstMoment: NamedSlot[];
  accumulatedWeightedInfNorm: NamedSlot[];
  iteration: tf.Variable;
  accBeta1: tf.Variable;
}

// Not instanceof: tfjs' Optimizer classes answer instanceof by duck typing (any optimizer is "an AdamaxOptimizer").
const isAdamax = (optimizer: tf.Optimizer) => optimizer.getClassName() === 'Adamax';

/**
 * The optimizer's slot values (moments, accumulators, step count) for a checkpoint. tfjs 4.22
 * implements getWeights for every optimizer but Adamax, whose fields are read directly. The
 * tensors are the live slots except the step count ("iter"), which is a fresh tensor to dispose.
 */
export async function optimizerWeights(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  if (isAdamax(optimizer)) {
    const a = optimizer as unknown as AdamaxInternals;
    return [
      { name: 'iteration', tensor: a.iteration },
      { name: 'accBeta1', tensor: a.accBeta1 },
      ...a.accumulatedFirstMoment.map((s) => ({ name: s.originalName, tensor: s.variable })),
      ...a.accumulatedWeightedInfNorm.map((s) => ({ name: s.originalName, tensor: s.variable })),
    ];
  }
  return optimizer.getWeights();
}

/** The inverse of optimizerWeights; copies the tensors (the caller still disposes them). */
export async function setOptimizerWeights(optimizer: tf.Optimizer, weights: NamedTensor[]): Promise<void> {
  if (isAdamax(optimizer)) {
    const a = optimizer as unknown as AdamaxInternals;
    const [iteration, accBeta1, ...slots] = weights;
    if (!iteration || !accBeta1 || slots.length % 2 !== 0)
      throw new Error('The checkpoint holds an incomplete Adamax state.');
    a.iteration.assign(iteration.tensor);
    a.accBeta1.assign(accBeta1.tensor);
    const half = slots.length / 2;
    tf.dispose([...a.accumulatedFirstMoment, ...a.accumulatedWeightedInfNorm].map((s) => s.variable));
    // variable() copies; the caller disposes the tensors it passed in, as for the others.
    const slot = (w: NamedTensor): NamedSlot => ({ originalName: w.name, variable: w.tensor.variable(false) });
    a.accumulatedFirstMoment = slots.slice(0, half).map(slot);
    a.accumulatedWeightedInfNorm = slots.slice(half).map(slot);
    return;
  }
  await optimizer.setWeights(weights);
}
