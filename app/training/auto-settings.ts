import type { EarlyStopping, TrainConfig } from './config';

/**
 * The settings a user may leave to Layerlab ("auto"), chosen from the data by general rules, the
 * same in the app, the CLI and the run manager (the only place they are resolved, once the
 * training rows are known). The run then records the numbers it used, so it can be repeated.
 *
 * The rules, and why:
 * - batch size: 32 (Keras' and PyTorch's usual value, many steps per epoch, which small data
 *   needs) until an epoch would take more than ~256 steps; then the power of two that keeps it
 *   near 256 steps, at most 512, so a large table does not pay a step's fixed cost ~10^5 times.
 * - epochs: an upper bound, not a target, since early stopping on validation loss (restoring the
 *   best epoch's weights) is on by default: enough epochs for ~6,000 optimizer steps, between 10
 *   and 200 (images: at most 50, each of their epochs costs far more).
 * - early stopping: patience 10 epochs on a table or series (cheap epochs, noisy small
 *   validation sets), 5 on images; min delta 0; best weights restored.
 */
export type DataKind = 'table' | 'images' | 'windows';

export interface DataFacts {
  kind: DataKind;
  /** Rows (or images, or windows) the model trains on: the training split only. */
  trainRows: number;
}

const TARGET_STEPS_PER_EPOCH = 256;
const MIN_BATCH = 32;
const MAX_BATCH = 512;
const TARGET_TOTAL_STEPS = 6000;

export function autoBatchSize(facts: DataFacts): number {
  const wanted = facts.trainRows / TARGET_STEPS_PER_EPOCH;
  if (wanted <= MIN_BATCH) return MIN_BATCH;
  return Math.min(MAX_BATCH, 2 ** Math.ceil(Math.log2(wanted)));
}

export function autoEpochs(facts: DataFacts, batchSize: number = autoBatchSize(facts)): number {
  const steps = Math.max(1, Math.ceil(facts.trainRows / batchSize));
  const max = facts.kind === 'images' ? 50 : 200;
  return Math.max(10, Math.min(max, Math.ceil(TARGET_TOTAL_STEPS / steps)));
}

export function autoEarlyStopping(kind: DataKind): EarlyStopping {
  return { monitor: 'val_loss', patience: kind === 'images' ? 5 : 10, minDelta: 0, restoreBestWeights: true };
}

/** The fields of a run's settings that were left to Layerlab, as the run records them. */
export type AutoField = 'epochs' | 'batchSize' | 'earlyStopping' | 'learningRate';

/** Early stopping left out (not null, which is off): on, as chosen for this kind of data. */
export function withAutoEarlyStopping<C extends TrainConfig>(config: C, kind: DataKind): C {
  return config.earlyStopping === undefined ? { ...config, earlyStopping: autoEarlyStopping(kind) } : config;
}

/** Which settings of a request are auto (before resolveAutoSettings replaces them). */
export function autoFields(config: TrainConfig): AutoField[] {
  const out: AutoField[] = [];
  if (config.epochs === 'auto') out.push('epochs');
  if (config.batchSize === 'auto') out.push('batchSize');
  if (config.earlyStopping === undefined) out.push('earlyStopping');
  if (config.learningRate === 'auto') out.push('learningRate');
  return out;
}

/**
 * Epochs, batch size and early stopping left to Layerlab, chosen for the data; the learning rate
 * stays 'auto' (the engine's LR range test picks it, with the model in hand).
 */
export function resolveAutoSettings<C extends TrainConfig>(
  config: C,
  facts: DataFacts,
): C & { epochs: number; batchSize: number } {
  const batchSize = config.batchSize === 'auto' ? autoBatchSize(facts) : config.batchSize;
  // Auto epochs always leave room after a warm-up (which must be shorter than the run).
  const epochs =
    config.epochs === 'auto' ? Math.max(autoEpochs(facts, batchSize), (config.warmupEpochs ?? 0) + 10) : config.epochs;
  return { ...withAutoEarlyStopping(config, facts.kind), epochs, batchSize };
}

/** For checks made before the data is prepared: any valid numbers stand in for 'auto' sizes. */
export function withPlaceholderSizes<C extends TrainConfig>(config: C): C & { epochs: number; batchSize: number } {
  return {
    ...config,
    epochs: config.epochs === 'auto' ? 10 : config.epochs,
    batchSize: config.batchSize === 'auto' ? 32 : config.batchSize,
  };
}
