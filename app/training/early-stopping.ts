import { lowerIsBetter, type EarlyStopping } from './config';

/** Early stopping's memory between epochs; serialisable, so it survives a checkpoint. */
export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number | null;
  /** Epochs since the monitored value last improved. */
  wait: number;
}

export const initialEarlyStoppingState = (): EarlyStoppingState => ({ best: null, bestEpoch: null, wait: 0 });

/**
 * After an epoch (Keras EarlyStopping): improved means better than the best by more than
 * minDelta, in the monitor's direction. `stop` once `patience` epochs pass without it.
 */
export function observeForEarlyStopping(
  settings: EarlyStopping,
  epoch: number,
  value: number | null,
  state: EarlyStoppingState,
): { state: EarlyStoppingState; improved: boolean; stop: boolean } {
  // A missing value (NaN metric) never counts as an improvement.
  const finite = value !== null && Number.isFinite(value);
  const down = lowerIsBetter(settings.monitor);
  const improved =
    finite &&
    (state.best === null || (down ? value < state.best - settings.minDelta : value > state.best + settings.minDelta));
  if (improved) return { state: { best: value, bestEpoch: epoch, wait: 0 }, improved, stop: false };
  const wait = state.wait + 1;
  return { state: { ...state, wait }, improved, stop: wait >= settings.patience };
}
