import { describe, expect, it } from 'vitest';
import {
  autoBatchSize,
  autoEpochs,
  autoFields,
  resolveAutoSettings,
  withPlaceholderSizes,
} from '../../../app/training/auto-settings';
import { DEFAULT_TRAIN_CONFIG, resolveTrainConfig, TrainConfig, TrainConfigError } from '../../../app/training/config';

describe('settings chosen from the data', () => {
  it('keeps batches of 32 on small data and grows them (powers of two, at most 512) to keep an epoch near 256 steps', () => {
    expect(autoBatchSize({ kind: 'table', trainRows: 142 })).toBe(32);
    expect(autoBatchSize({ kind: 'images', trainRows: 1437 })).toBe(32);
    expect(autoBatchSize({ kind: 'table', trainRows: 8192 })).toBe(32);
    expect(autoBatchSize({ kind: 'table', trainRows: 20_000 })).toBe(128);
    expect(autoBatchSize({ kind: 'table', trainRows: 800_000 })).toBe(512);
  });

  it('bounds epochs by ~6,000 steps, between 10 and 200 (50 for images, whose epochs cost more)', () => {
    expect(autoEpochs({ kind: 'table', trainRows: 455 })).toBe(200);
    expect(autoEpochs({ kind: 'images', trainRows: 1437 })).toBe(50);
    expect(autoEpochs({ kind: 'table', trainRows: 20_000 })).toBe(39);
    expect(autoEpochs({ kind: 'table', trainRows: 800_000 })).toBe(10);
  });

  it('resolves only what was left to it, turns early stopping on unless it was switched off (null), and says what was auto', () => {
    const auto = resolveAutoSettings(DEFAULT_TRAIN_CONFIG, { kind: 'images', trainRows: 1437 });
    expect(auto).toMatchObject({
      epochs: 50,
      batchSize: 32,
      earlyStopping: { monitor: 'val_loss', patience: 5, restoreBestWeights: true },
    });
    expect(autoFields(DEFAULT_TRAIN_CONFIG)).toEqual(['epochs', 'batchSize', 'earlyStopping', 'learningRate']);
    const given = resolveAutoSettings(
      { ...DEFAULT_TRAIN_CONFIG, epochs: 7, batchSize: 9, earlyStopping: null },
      { kind: 'table', trainRows: 100 },
    );
    expect([given.epochs, given.batchSize, given.earlyStopping]).toEqual([7, 9, null]);
    expect(resolveAutoSettings(DEFAULT_TRAIN_CONFIG, { kind: 'table', trainRows: 100 }).earlyStopping?.patience).toBe(
      10,
    );
  });

  it('"auto" parses for epochs and batch size, and an unresolved one never reaches training', () => {
    expect(TrainConfig.safeParse({ ...DEFAULT_TRAIN_CONFIG, epochs: 'auto', batchSize: 'auto' }).success).toBe(true);
    expect(TrainConfig.safeParse({ ...DEFAULT_TRAIN_CONFIG, epochs: 'lots' }).error?.issues[0]?.message).toBe(
      'epochs must be a whole number or "auto"',
    );
    expect(() => resolveTrainConfig(DEFAULT_TRAIN_CONFIG, { task: 'classification', classes: 3 })).toThrow(
      TrainConfigError,
    );
    expect(
      resolveTrainConfig(withPlaceholderSizes(DEFAULT_TRAIN_CONFIG), { task: 'classification', classes: 3 }).loss,
    ).toBe('categoricalCrossentropy');
  });
});
