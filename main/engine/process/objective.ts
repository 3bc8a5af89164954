import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../../../app/dataset/schema';
import {
  headFor,
  metricFor,
  type LossName,
  type ResolvedTrainConfig,
  type TaskKind,
} from '../../../app/training/config';
import { categoricalCrossentropy } from './cross-entropy';

/**
 * What a run minimises, for one task, output width and chosen loss. Per-sample functions, so
 * batches of any size and the validation split (evaluated in chunks) are averaged the same way.
 */
export interface Objective {
  loss: LossName;
  kind: TaskKind;
  /** The metric sent with every batch event (the charts' second curve). */
  primaryMetric: 'accuracy' | 'mae';
  /** The Output head the task needs (units and activation). */
  head: ReturnType<typeof headFor>;
  perSampleLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor;
  /** Regression only: multipliers from standardized units back to the user's target units. */
  lossScale: number;
  metricScale: number;
}

/** Keras' default Huber delta; applies to the standardized target (δ = one target std). */
const HUBER_DELTA = 1;

function perSampleLossFor(loss: LossName, outputWidth: number): (y: tf.Tensor, p: tf.Tensor) => tf.Tensor {
  switch (loss) {
    case 'meanSquaredError':
      return (y, p) => tf.metrics.meanSquaredError(y, p);
    case 'meanAbsoluteError':
      return (y, p) => tf.metrics.meanAbsoluteError(y, p);
    case 'huber':
      return (y, p) => tf.losses.huberLoss(y, p, undefined, HUBER_DELTA, tf.Reduction.NONE).mean(-1);
    case 'binaryCrossentropy':
      return (y, p) => tf.metrics.binaryCrossentropy(y, p);
    case 'categoricalCrossentropy':
      return categoricalCrossentropy;
    case 'sparseCategoricalCrossentropy':
      // The prepared targets are one-hot rows; sparse cross-entropy reads each row's class
      // index and takes −log of the probability predicted for that class alone.
      return (y, p) =>
        tf.tidy(() => categoricalCrossentropy(tf.oneHot(tf.argMax(y, -1), outputWidth).cast('float32'), p));
  }
}

/** What decides a head's objective: its task and (regression) the scaling of its target. */
export type HeadTarget = Pick<Preprocessing, 'task' | 'targetScaling'>;

export function taskKindOf(preprocessing: HeadTarget, outputWidth: number): TaskKind {
  if (preprocessing.task === 'regression') return { task: 'regression', classes: 1 };
  // One output column is a two-class (sigmoid) head, more is one-hot over classes: headFor's rule.
  return { task: 'classification', classes: outputWidth === 1 ? 2 : outputWidth };
}

export function objectiveFor(
  preprocessing: HeadTarget,
  outputWidth: number,
  config: Pick<ResolvedTrainConfig, 'loss'>,
): Objective {
  const kind = taskKindOf(preprocessing, outputWidth);
  const head = headFor(kind.task, kind.classes);
  const perSampleLoss = perSampleLossFor(config.loss, outputWidth);
  if (kind.task === 'regression') {
    // The data layer standardizes the target ((y - mean) / std) so training is well conditioned.
    // Users think in their own units, so losses and errors are reported in the target's units:
    // MSE and Huber (with δ = std) scale by std², MAE by std.
    const std = preprocessing.targetScaling?.std ?? 1;
    return {
      loss: config.loss,
      kind,
      primaryMetric: metricFor('regression'),
      head,
      perSampleLoss,
      lossScale: config.loss === 'meanAbsoluteError' ? std : std * std,
      metricScale: std,
    };
  }
  return {
    loss: config.loss,
    kind,
    primaryMetric: metricFor('classification'),
    head,
    perSampleLoss,
    lossScale: 1,
    metricScale: 1,
  };
}
