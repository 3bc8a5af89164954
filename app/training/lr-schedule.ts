import type { LrSchedule } from './config';

/**
 * Learning rate per epoch: an optional linear warm-up, then a schedule. Pure and serialisable
 * (the plateau state travels in every checkpoint), so the UI, the engine and the tests agree,
 * and a run resumed after a crash continues with the rate it would have had.
 */
export interface ScheduleState {
  /** The rate the plateau schedule has reduced to (the base rate until it first reduces). */
  plateauRate: number;
  /** Best monitored value seen (plateau), and epochs since it improved. */
  best: number | null;
  wait: number;
}

export interface ScheduleSettings {
  learningRate: number;
  epochs: number;
  warmupEpochs: number;
  schedule: LrSchedule;
}

export function initialScheduleState(settings: ScheduleSettings): ScheduleState {
  return { plateauRate: settings.learningRate, best: null, wait: 0 };
}

/** The rate for epoch `epoch` (0-based). Warm-up epoch i of W uses base × (i + 1) / W. */
export function learningRateAt(settings: ScheduleSettings, epoch: number, state: ScheduleState): number {
  const { learningRate: base, warmupEpochs: w, schedule } = settings;
  if (epoch < w) return (base * (epoch + 1)) / w;
  const e = epoch - w;
  switch (schedule.type) {
    case 'none':
      return base;
    case 'step':
      return base * schedule.factor ** Math.floor(e / schedule.every);
    case 'exponential':
      return base * schedule.rate ** e;
    case 'cosine': {
      // Over the epochs left after warm-up: the first uses base, the last is one step above min.
      const span = Math.max(1, settings.epochs - w);
      const min = Math.min(schedule.minLearningRate, base);
      return min + 0.5 * (base - min) * (1 + Math.cos((Math.PI * e) / span));
    }
    case 'plateau':
      return state.plateauRate;
  }
}

/**
 * After epoch `epoch` ends with the monitored value (val_loss for plateau): the next state.
 * Keras ReduceLROnPlateau: better means below best − minDelta; after `patience` epochs without
 * it the rate is multiplied by factor (not below minLearningRate) and the count starts again.
 */
export function observeEpoch(
  settings: ScheduleSettings,
  epoch: number,
  value: number | null,
  state: ScheduleState,
): ScheduleState {
  const schedule = settings.schedule;
  if (schedule.type !== 'plateau' || epoch < settings.warmupEpochs || value === null || !Number.isFinite(value))
    return state;
  if (state.best === null || value < state.best - schedule.minDelta) return { ...state, best: value, wait: 0 };
  const wait = state.wait + 1;
  if (wait < schedule.patience) return { ...state, wait };
  return { ...state, wait: 0, plateauRate: Math.max(schedule.minLearningRate, state.plateauRate * schedule.factor) };
}

/** The whole sequence for schedules that need no observations (and for the UI's preview). */
export function learningRates(settings: ScheduleSettings): number[] {
  const state = initialScheduleState(settings);
  return Array.from({ length: settings.epochs }, (_, e) => learningRateAt(settings, e, state));
}
