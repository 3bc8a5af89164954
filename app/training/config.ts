import { z } from 'zod';
import type { Task } from '../dataset/schema';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamax', 'adagrad', 'adadelta', 'rmsprop'] as const;
export const OptimizerName = z.enum(OPTIMIZERS);
export type OptimizerName = z.infer<typeof OptimizerName>;

export const LOSSES = [
  'meanSquaredError',
  'meanAbsoluteError',
  'huber',
  'binaryCrossentropy',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
] as const;
export const LossName = z.enum(LOSSES);
export type LossName = z.infer<typeof LossName>;

export const METRICS = ['accuracy', 'precision', 'recall', 'auc', 'mae', 'rmse', 'r2'] as const;
export const MetricName = z.enum(METRICS);
export type MetricName = z.infer<typeof MetricName>;

/** What early stopping and reduce-on-plateau may watch: a loss or a metric, on either split. */
export const MONITORS = ['val_loss', 'loss', ...METRICS.flatMap((m) => [`val_${m}`, m] as const)] as const;
export const MonitorName = z.enum(MONITORS as unknown as [string, ...string[]]);
export type MonitorName = (typeof MONITORS)[number];

export const EarlyStopping = z.object({
  monitor: MonitorName.default('val_loss'),
  patience: z.number().int('patience must be a whole number').min(1, 'patience must be at least 1').max(10_000),
  /** An epoch counts as better only when it beats the best by more than this. */
  minDelta: z.number().min(0, 'min delta must be 0 or more').default(0),
  restoreBestWeights: z.boolean().default(true),
});
export type EarlyStopping = z.infer<typeof EarlyStopping>;

const factor = z.number().gt(0, 'the factor must be above 0').lt(1, 'the factor must be below 1');
export const LrSchedule = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  /** lr × factor every `every` epochs. */
  z.object({
    type: z.literal('step'),
    every: z.number().int('step every must be a whole number of epochs').min(1, 'step every must be at least 1 epoch'),
    factor,
  }),
  /** lr × rate^epoch. */
  z.object({ type: z.literal('exponential'), rate: factor }),
  /** Half a cosine from lr down to minLearningRate over the epochs after warm-up. */
  z.object({
    type: z.literal('cosine'),
    minLearningRate: z.number().min(0, 'the minimum learning rate must be 0 or more').default(0),
  }),
  /** lr × factor when val_loss has not improved for `patience` epochs (Keras ReduceLROnPlateau). */
  z.object({
    type: z.literal('plateau'),
    factor,
    patience: z.number().int('plateau patience must be a whole number').min(1, 'plateau patience must be at least 1'),
    minDelta: z.number().min(0).default(0),
    minLearningRate: z.number().min(0).default(0),
  }),
]);
export type LrSchedule = z.infer<typeof LrSchedule>;

export const ClassWeights = z.union([
  z.literal('balanced'),
  z
    .array(z.number().min(0, 'a class weight must be 0 or more').max(1e6))
    .min(2, 'class weights need one number per class'),
]);
export type ClassWeights = z.infer<typeof ClassWeights>;

export const Epochs = z
  .number({ message: 'epochs must be a whole number or "auto"' })
  .int('epochs must be a whole number')
  .min(1, 'epochs must be at least 1')
  .max(10_000, 'epochs must be at most 10,000');
export const BatchSize = z
  .number({ message: 'batch size must be a whole number or "auto"' })
  .int('batch size must be a whole number')
  .min(1, 'batch size must be at least 1')
  .max(65_536, 'batch size must be at most 65,536');

/** A fixed learning rate. */
export const LearningRate = z
  .number({ message: 'learning rate must be a number or "auto"' })
  .gt(0, 'learning rate must be above 0')
  .max(10, 'learning rate must be at most 10');
/** 'auto': found by the LR range test before the first epoch; the run records the rate it found. */
export const LearningRateSetting = z.union([z.literal('auto'), LearningRate], {
  message: 'learning rate must be a number or "auto"',
});
export type LearningRateSetting = z.infer<typeof LearningRateSetting>;

/**
 * The settings of one run. Everything after `seed` is optional, so every project.json and
 * caller written before those settings existed still parses; resolveTrainConfig fills in the
 * defaults for a task. Combinations that can never work are refused here, naming the field.
 */
export const TrainConfig = z
  .object({
    /** A number, or 'auto': chosen from the training rows when the run starts (app/training/auto-settings.ts); the run records the number. */
    epochs: z.union([z.literal('auto'), Epochs], { message: 'epochs must be a whole number or "auto"' }),
    /** A number, or 'auto': chosen from the training rows when the run starts; the run records the number. */
    batchSize: z.union([z.literal('auto'), BatchSize], { message: 'batch size must be a whole number or "auto"' }),
    optimizer: OptimizerName,
    /** A number, or 'auto': the engine picks it with an LR range test before epoch 1 (app/training/lr-finder.ts). */
    learningRate: LearningRateSetting,
    validationSplit: z
      .number()
      .min(0.05, 'validation split must be at least 0.05')
      .max(0.5, 'validation split must be at most 0.5'),
    seed: z
      .number()
      .int('seed must be a whole number')
      .min(0)
      .max(2 ** 31 - 1),
    /** Default: the task's loss (headFor). */
    loss: LossName.optional(),
    /** Reported every epoch beside the loss. Default: accuracy for classes, MAE for numbers. */
    metrics: z.array(MetricName).max(METRICS.length).optional(),
    /** Nesterov momentum; only with the momentum optimizer. */
    nesterov: z.boolean().optional(),
    /** null: off. Absent: on, as chosen for the data (auto-settings.ts: val_loss, best weights restored). */
    earlyStopping: EarlyStopping.nullable().optional(),
    lrSchedule: LrSchedule.optional(),
    /** Epochs over which the learning rate ramps up linearly before the schedule starts. */
    warmupEpochs: z
      .number()
      .int('warm-up epochs must be a whole number')
      .min(0, 'warm-up epochs must be 0 or more')
      .max(10_000)
      .optional(),
    classWeights: ClassWeights.nullable().optional(),
    /** Gradients are scaled down so their global L2 norm is at most this. */
    clipNorm: z.number().gt(0, 'clip norm must be above 0').nullable().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.nesterov && c.optimizer !== 'momentum')
      ctx.addIssue({
        code: 'custom',
        path: ['nesterov'],
        message: `Nesterov applies to the momentum optimizer only, not ${c.optimizer}`,
      });
    if (c.warmupEpochs !== undefined && typeof c.epochs === 'number' && c.warmupEpochs >= c.epochs)
      ctx.addIssue({
        code: 'custom',
        path: ['warmupEpochs'],
        message: `warm-up epochs (${c.warmupEpochs}) must be fewer than epochs (${c.epochs})`,
      });
    if (c.metrics && new Set(c.metrics).size !== c.metrics.length)
      ctx.addIssue({ code: 'custom', path: ['metrics'], message: 'metrics lists a metric twice' });
  });
export type TrainConfig = z.infer<typeof TrainConfig>;

/**
 * The settings a run records: what it trained with, so epochs and batch size are numbers (a run
 * resolves 'auto' sizes from its training rows before it starts).
 */
export const RunTrainConfig = TrainConfig.safeExtend({ epochs: Epochs, batchSize: BatchSize });
export type RunTrainConfig = z.infer<typeof RunTrainConfig>;

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 'auto',
  batchSize: 'auto',
  optimizer: 'adam',
  learningRate: 'auto',
  validationSplit: 0.2,
  seed: 42,
};

/** The losses headFor picks by default (the user may choose another: config.loss). */
export type DefaultLoss = Extract<LossName, 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError'>;

/** The output head and default loss that fit a task: the editor and the engine both use this. */
export function headFor(
  task: Task,
  classes: number,
): { units: number; activation: 'softmax' | 'sigmoid' | 'linear'; loss: DefaultLoss } {
  if (task === 'regression') return { units: 1, activation: 'linear', loss: 'meanSquaredError' };
  if (classes <= 2) return { units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy' };
  return { units: classes, activation: 'softmax', loss: 'categoricalCrossentropy' };
}

/** The metric shown beside loss: accuracy for classes, mean absolute error for numbers. */
export function metricFor(task: Task): 'accuracy' | 'mae' {
  return task === 'classification' ? 'accuracy' : 'mae';
}

/** Metrics that lower is better for (early stopping and plateau watch them going down). */
export function lowerIsBetter(monitor: string): boolean {
  const name = monitor.replace(/^val_/, '');
  return name === 'loss' || name === 'mae' || name === 'rmse';
}

/** Every setting of a run made explicit for one task: what the engine actually uses. */
export interface ResolvedTrainConfig extends TrainConfig {
  epochs: number;
  batchSize: number;
  loss: LossName;
  metrics: MetricName[];
  nesterov: boolean;
  earlyStopping: EarlyStopping | null;
  lrSchedule: LrSchedule;
  warmupEpochs: number;
  classWeights: ClassWeights | null;
  clipNorm: number | null;
}

/** The shape of a run's problem: what decides which losses and metrics make sense. */
export interface TaskKind {
  task: Task;
  /** Number of classes (2 for a sigmoid head); 1 for regression. */
  classes: number;
}

/** A setting that cannot work for this task; `field` is the TrainConfig key to fix. */
export class TrainConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'TrainConfigError';
  }
}

function lossProblem(loss: LossName, kind: TaskKind): string | null {
  if (kind.task === 'regression') {
    if (
      loss === 'binaryCrossentropy' ||
      loss === 'categoricalCrossentropy' ||
      loss === 'sparseCategoricalCrossentropy'
    ) {
      return `${loss} compares class probabilities, but this is a regression task (numbers); use meanSquaredError, meanAbsoluteError or huber`;
    }
    return null;
  }
  if (kind.classes <= 2 && (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy')) {
    return `${loss} needs a softmax head over 3 or more classes, but this task has 2 classes and a sigmoid head; use binaryCrossentropy`;
  }
  if (kind.classes > 2 && loss === 'binaryCrossentropy') {
    return `binaryCrossentropy needs one sigmoid output (2 classes), but this task has ${kind.classes} classes; use categoricalCrossentropy or sparseCategoricalCrossentropy`;
  }
  // Squared, absolute and Huber losses on probabilities are unusual but well defined: allowed.
  return null;
}

function metricProblem(metric: MetricName, kind: TaskKind): string | null {
  if (
    kind.task === 'regression' &&
    (metric === 'accuracy' || metric === 'precision' || metric === 'recall' || metric === 'auc')
  ) {
    return `${metric} counts right and wrong classes, but this is a regression task; use mae, rmse or r2`;
  }
  if (kind.task === 'classification' && (metric === 'mae' || metric === 'rmse' || metric === 'r2')) {
    return `${metric} measures numeric error, but this is a classification task; use accuracy${kind.classes <= 2 ? ', precision, recall or auc' : ''}`;
  }
  if (
    kind.task === 'classification' &&
    kind.classes > 2 &&
    (metric === 'precision' || metric === 'recall' || metric === 'auc')
  ) {
    return `${metric} is defined for two classes (one positive class), but this task has ${kind.classes} classes; use accuracy`;
  }
  return null;
}

/** The losses and metrics that make sense for a task (what the settings form offers). */
export function lossesFor(kind: TaskKind): LossName[] {
  return LOSSES.filter((l) => lossProblem(l, kind) === null);
}
export function metricsFor(kind: TaskKind): MetricName[] {
  return METRICS.filter((m) => metricProblem(m, kind) === null);
}

/**
 * The config with every default filled in for a task, or a TrainConfigError naming the field
 * that cannot work (sparse cross-entropy on a regression, AUC on ten classes, ...).
 */
export function resolveTrainConfig(config: TrainConfig, kind: TaskKind): ResolvedTrainConfig {
  // 'auto' sizes depend on the training rows: resolveAutoSettings (auto-settings.ts) turns them into numbers first.
  const { epochs, batchSize } = config;
  if (epochs === 'auto' || batchSize === 'auto') {
    const field = epochs === 'auto' ? 'epochs' : 'batchSize';
    throw new TrainConfigError(
      field,
      `${field}: "auto" is chosen from the training rows when the run starts, and was not resolved here.`,
    );
  }
  const loss = config.loss ?? headFor(kind.task, kind.classes).loss;
  const lossWhy = lossProblem(loss, kind);
  if (lossWhy) throw new TrainConfigError('loss', `loss: ${lossWhy}.`);
  const metrics = config.metrics && config.metrics.length > 0 ? [...config.metrics] : [metricFor(kind.task)];
  for (const metric of metrics) {
    const why = metricProblem(metric, kind);
    if (why) throw new TrainConfigError('metrics', `metrics: ${why}.`);
  }
  const earlyStopping = config.earlyStopping ?? null;
  const lrSchedule = config.lrSchedule ?? { type: 'none' as const };
  for (const [field, monitor] of [['earlyStopping', earlyStopping?.monitor] as const]) {
    if (monitor === undefined) continue;
    const name = monitor.replace(/^val_/, '');
    if (name !== 'loss' && !metrics.includes(name as MetricName)) {
      throw new TrainConfigError(
        field,
        `${field}.monitor: "${monitor}" is not reported by this run; add "${name}" to metrics or monitor val_loss.`,
      );
    }
  }
  const classWeights = config.classWeights ?? null;
  if (classWeights !== null) {
    if (kind.task === 'regression')
      throw new TrainConfigError(
        'classWeights',
        'classWeights: class weights apply to classification only; this is a regression task.',
      );
    if (Array.isArray(classWeights) && classWeights.length !== kind.classes) {
      throw new TrainConfigError(
        'classWeights',
        `classWeights: ${classWeights.length} weights given, but this task has ${kind.classes} classes (one weight per class, in label order).`,
      );
    }
    if (Array.isArray(classWeights) && classWeights.every((w) => w === 0))
      throw new TrainConfigError('classWeights', 'classWeights: at least one class weight must be above 0.');
  }
  return {
    ...config,
    epochs,
    batchSize,
    loss,
    metrics,
    nesterov: config.nesterov ?? false,
    earlyStopping,
    lrSchedule,
    warmupEpochs: config.warmupEpochs ?? 0,
    classWeights,
    clipNorm: config.clipNorm ?? null,
  };
}
