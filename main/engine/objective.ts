import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../../app/dataset/schema';
import { headFor, metricFor, type LossName } from '../../app/training/config';

/**
 * What a run minimises and what it reports beside the loss, for one task and output width.
 * Per-sample functions, so batches of any size and the validation split (evaluated in chunks)
 * are averaged the same way.
 */
export interface Objective {
  loss: LossName;
  metric: 'accuracy' | 'mae';
  /** The Output head the loss needs (units and activation). */
  head: ReturnType<typeof headFor>;
  perSampleLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor;
  perSampleMetric(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor;
  /** Regression only: multipliers from standardized units back to the user's target units. */
  lossScale: number;
  metricScale: number;
}

export function objectiveFor(preprocessing: Preprocessing, outputWidth: number): Objective {
  const task = preprocessing.task;
  // One output column is a two-class (sigmoid) head, more is one-hot over classes: headFor's rule.
  const head = headFor(task, task === 'classification' && outputWidth === 1 ? 2 : outputWidth);
  const metric = metricFor(task);
  if (task === 'regression') {
    // The data layer standardizes the target ((y - mean) / std) so training is well conditioned.
    // Users think in their own units, so the engine reports MSE × std² and MAE × std: loss,
    // val_loss, mae and val_mae are in the original target's units (squared for the loss).
    const std = preprocessing.targetScaling?.std ?? 1;
    return {
      loss: 'meanSquaredError',
      metric,
      head,
      perSampleLoss: (y, p) => tf.metrics.meanSquaredError(y, p),
      perSampleMetric: (y, p) => tf.metrics.meanAbsoluteError(y, p),
      lossScale: std * std,
      metricScale: std,
    };
  }
  if (outputWidth === 1) {
    return {
      loss: 'binaryCrossentropy',
      metric,
      head,
      perSampleLoss: (y, p) => tf.metrics.binaryCrossentropy(y, p),
      // The sigmoid's probability of the positive class, thresholded at 0.5.
      perSampleMetric: (y, p) => tf.equal(tf.greater(p, 0.5), tf.greater(y, 0.5)).cast('float32').mean(-1),
      lossScale: 1,
      metricScale: 1,
    };
  }
  return {
    loss: 'categoricalCrossentropy',
    metric,
    head,
    perSampleLoss: (y, p) => tf.metrics.categoricalCrossentropy(y, p),
    perSampleMetric: (y, p) => tf.equal(tf.argMax(p, -1), tf.argMax(y, -1)).cast('float32'),
    lossScale: 1,
    metricScale: 1,
  };
}
