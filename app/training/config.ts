import { z } from 'zod';
import type { Task } from '../dataset/schema';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adagrad', 'rmsprop'] as const;
export const OptimizerName = z.enum(OPTIMIZERS);
export type OptimizerName = z.infer<typeof OptimizerName>;

export const TrainConfig = z.object({
  epochs: z.number().int('epochs must be a whole number').min(1, 'epochs must be at least 1').max(10_000, 'epochs must be at most 10,000'),
  batchSize: z.number().int('batch size must be a whole number').min(1, 'batch size must be at least 1').max(65_536, 'batch size must be at most 65,536'),
  optimizer: OptimizerName,
  learningRate: z.number().gt(0, 'learning rate must be above 0').max(10, 'learning rate must be at most 10'),
  validationSplit: z.number().min(0.05, 'validation split must be at least 0.05').max(0.5, 'validation split must be at most 0.5'),
  seed: z.number().int('seed must be a whole number').min(0).max(2 ** 31 - 1),
});
export type TrainConfig = z.infer<typeof TrainConfig>;

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 30,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 0.01,
  validationSplit: 0.2,
  seed: 42,
};

export type LossName = 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

/** The output head and loss that fit a task: the editor and the engine both use this. */
export function headFor(task: Task, classes: number): { units: number; activation: 'softmax' | 'sigmoid' | 'linear'; loss: LossName } {
  if (task === 'regression') return { units: 1, activation: 'linear', loss: 'meanSquaredError' };
  if (classes <= 2) return { units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy' };
  return { units: classes, activation: 'softmax', loss: 'categoricalCrossentropy' };
}

/** The metric shown beside loss: accuracy for classes, mean absolute error for numbers. */
export function metricFor(task: Task): 'accuracy' | 'mae' {
  return task === 'classification' ? 'accuracy' : 'mae';
}
