import {
  metricFor,
  metricsFor,
  resolveTrainConfig,
  TrainConfigError,
  type MetricName,
  type ResolvedTrainConfig,
  type TaskKind,
  type TrainConfig,
} from '../training/config';
import type { PreparedData, PreparedHead } from './protocol';

/**
 * The heads a run trains: those the prepared data lists, or the one head of a single-output run
 * (its target, task and scaling from preprocessing.json, all of y).
 */
export function headsOf(data: PreparedData): PreparedHead[] {
  if (data.heads) return data.heads;
  const p = data.preprocessing;
  return [
    {
      node: '',
      target: p.target,
      task: p.task,
      offset: 0,
      width: data.outputWidth,
      ...(p.labels ? { labels: p.labels } : {}),
      ...(p.targetScaling ? { scaling: p.targetScaling } : {}),
    },
  ];
}

/** One output column is a two-class (sigmoid) head, more is one-hot over classes (headFor's rule). */
export function headKind(head: Pick<PreparedHead, 'task' | 'width'>): TaskKind {
  return head.task === 'regression'
    ? { task: 'regression', classes: 1 }
    : { task: 'classification', classes: head.width === 1 ? 2 : head.width };
}

/**
 * Keys of a head's losses and metrics in epoch logs: Keras' names for a model with several
 * outputs ("<output>_loss", "val_<output>_mae"); a single head keeps the plain names.
 */
export function headPrefix(head: Pick<PreparedHead, 'node'>, heads: number): string {
  return heads > 1 ? `${head.node}_` : '';
}

export interface HeadsConfig {
  /** Every setting filled in; with several heads `loss` is the first head's (each head uses its task's own). */
  config: ResolvedTrainConfig;
  /** The metrics each head reports, in the order of `heads`. */
  metrics: MetricName[][];
}

/**
 * A run's settings for its heads. One head: resolveTrainConfig as always. Several: each head
 * trains with its task's default loss and reports the asked-for metrics that make sense for it
 * (its task's own metric when none does); settings that speak of one task are refused by name.
 */
export function resolveHeadsConfig(
  config: TrainConfig,
  heads: readonly Pick<PreparedHead, 'node' | 'target' | 'task' | 'width'>[],
): HeadsConfig {
  const first = heads[0];
  if (!first) throw new TrainConfigError('heads', 'the model has no Output head.');
  if (heads.length === 1) {
    const resolved = resolveTrainConfig(config, headKind(first));
    return { config: resolved, metrics: [resolved.metrics] };
  }
  const names = heads.map((h) => `"${h.target}"`).join(', ');
  if (config.loss !== undefined)
    throw new TrainConfigError(
      'loss',
      `loss: this model has ${heads.length} heads (${names}), and each trains with its own task's loss; leave the loss unset.`,
    );
  if (config.classWeights != null)
    throw new TrainConfigError(
      'classWeights',
      `classWeights: this model has ${heads.length} heads (${names}); class weights apply to a single classification head so far.`,
    );
  const monitor = config.earlyStopping?.monitor;
  if (monitor !== undefined && monitor !== 'val_loss' && monitor !== 'loss') {
    throw new TrainConfigError(
      'earlyStopping',
      `earlyStopping.monitor: this model has ${heads.length} heads; early stopping watches their total loss, so monitor val_loss.`,
    );
  }
  const { metrics: asked, ...rest } = config;
  const resolved = resolveTrainConfig(rest, headKind(first));
  const metrics = heads.map((h) => {
    const fits = metricsFor(headKind(h));
    const chosen = (asked ?? []).filter((m) => fits.includes(m));
    return chosen.length > 0 ? chosen : [metricFor(h.task)];
  });
  return { config: { ...resolved, metrics: [...new Set(metrics.flat())] }, metrics };
}
