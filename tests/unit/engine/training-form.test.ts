import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../../app/training/config';
import { createTrainFormStore, validate, valuesFrom } from '../../../renderer/src/features/train/train-form';

// The Train step's settings form: the advanced settings must round-trip through it, and a
// project saved before they existed must come back exactly as it was (nothing added).
describe('the training settings form', () => {
  it('round-trips an old config unchanged and a full one field by field', () => {
    expect(validate(valuesFrom(DEFAULT_TRAIN_CONFIG)).config).toEqual(DEFAULT_TRAIN_CONFIG);
    const full: TrainConfig = {
      ...DEFAULT_TRAIN_CONFIG,
      optimizer: 'momentum',
      nesterov: true,
      loss: 'huber',
      metrics: ['mae', 'r2'],
      earlyStopping: { monitor: 'val_r2', patience: 4, minDelta: 0.01, restoreBestWeights: false },
      lrSchedule: { type: 'plateau', factor: 0.2, patience: 3, minDelta: 0, minLearningRate: 1e-5 },
      warmupEpochs: 2,
      classWeights: [1, 3],
      clipNorm: 0.5,
    };
    expect(validate(valuesFrom(full)).config).toEqual(full);
  });

  it('names the advanced field that is wrong', () => {
    const store = createTrainFormStore();
    store.getState().set('schedule', 'step');
    store.getState().set('scheduleFactor', '1.5');
    expect(store.getState().config).toBeNull();
    expect(store.getState().errors.scheduleFactor).toBe('The factor must be below 1.');
    store.getState().set('scheduleFactor', '0.5');
    expect(store.getState().config?.lrSchedule).toEqual({ type: 'step', every: 10, factor: 0.5 });
    store.getState().set('epochs', '30');
    store.getState().set('warmupEpochs', '30');
    expect(store.getState().errors.warmupEpochs).toBe('Warm-up epochs (30) must be fewer than epochs (30).');
    store.getState().set('warmupEpochs', '0');
    store.getState().set('classWeights', 'custom');
    store.getState().set('customWeights', '1, x');
    expect(store.getState().errors.customWeights).toMatch(/^Weights are numbers/);
    store.getState().set('classWeights', 'balanced');
    expect(store.getState().config?.classWeights).toBe('balanced');
  });

  it('leaves epochs, batch size and early stopping to the data by default; a number, unticking or editing early stopping makes them explicit', () => {
    const store = createTrainFormStore();
    expect(store.getState().config).toMatchObject({ epochs: 'auto', batchSize: 'auto' });
    expect(store.getState().config).not.toHaveProperty('earlyStopping');
    expect(store.getState().values.earlyStopping).toBe(true);
    store.getState().set('epochs', '12');
    store.getState().set('batchSize', '');
    expect(store.getState().config).toMatchObject({ epochs: 12, batchSize: 'auto' });
    store.getState().set('esPatience', '3');
    expect(store.getState().config?.earlyStopping).toMatchObject({
      patience: 3,
      monitor: 'val_loss',
      restoreBestWeights: true,
    });
    store.getState().set('earlyStopping', false);
    expect(store.getState().config?.earlyStopping).toBeNull();
    // A saved config with early stopping off stays off when loaded again.
    store.getState().load(store.getState().config!);
    expect(store.getState().config?.earlyStopping).toBeNull();
  });
});
