import { describe, expect, it } from 'vitest';
import { ProjectFile } from '../../../app/project/schema';
import { classCounts, classWeightsFor } from '../../../app/training/class-weights';
import {
  DEFAULT_TRAIN_CONFIG,
  resolveTrainConfig,
  TrainConfig,
  TrainConfigError,
  type LrSchedule,
  type TaskKind,
} from '../../../app/training/config';
import { initialEarlyStoppingState, observeForEarlyStopping } from '../../../app/training/early-stopping';
import {
  initialScheduleState,
  learningRateAt,
  learningRates,
  observeEpoch,
  type ScheduleSettings,
} from '../../../app/training/lr-schedule';
import { MetricAccumulator, rocAuc } from '../../../app/training/metrics';

const close = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v, `[${i}]`).toBeCloseTo(expected[i]!, 10));
};

/** The defaults with the sizes a run would have chosen from its rows ('auto' is resolved before resolveTrainConfig). */
const SIZED = { ...DEFAULT_TRAIN_CONFIG, epochs: 30, batchSize: 32 };

describe('TrainConfig', () => {
  it('still parses configs written before the new settings existed', () => {
    const old = { epochs: 30, batchSize: 32, optimizer: 'adam', learningRate: 0.01, validationSplit: 0.2, seed: 42 };
    expect(TrainConfig.parse(old)).toEqual(old);
    const project = {
      format: 'layerlab-project',
      version: 1,
      name: 'p',
      createdAt: 'x',
      updatedAt: 'x',
      datasetId: null,
      taskSpec: null,
      graph: null,
      trainConfig: old,
    };
    expect(ProjectFile.safeParse(project).success).toBe(true);
  });

  it('names the field of an impossible combination', () => {
    const issues = (input: object) =>
      TrainConfig.safeParse({ ...DEFAULT_TRAIN_CONFIG, ...input }).error?.issues.map(
        (i) => `${i.path.join('.')}: ${i.message}`,
      );
    expect(issues({ nesterov: true })).toEqual(['nesterov: Nesterov applies to the momentum optimizer only, not adam']);
    expect(issues({ optimizer: 'momentum', nesterov: true })).toBeUndefined();
    expect(issues({ epochs: 5, warmupEpochs: 5 })).toEqual([
      'warmupEpochs: warm-up epochs (5) must be fewer than epochs (5)',
    ]);
    expect(issues({ lrSchedule: { type: 'step', every: 0, factor: 0.5 } })).toEqual([
      'lrSchedule.every: step every must be at least 1 epoch',
    ]);
    expect(issues({ clipNorm: 0 })).toEqual(['clipNorm: clip norm must be above 0']);
    expect(issues({ metrics: ['mae', 'mae'] })).toEqual(['metrics: metrics lists a metric twice']);
  });

  it('fills in per-task defaults', () => {
    const binary = resolveTrainConfig(SIZED, { task: 'classification', classes: 2 });
    expect(binary).toMatchObject({
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
      nesterov: false,
      earlyStopping: null,
      lrSchedule: { type: 'none' },
      warmupEpochs: 0,
      classWeights: null,
      clipNorm: null,
    });
    expect(resolveTrainConfig(SIZED, { task: 'classification', classes: 3 }).loss).toBe('categoricalCrossentropy');
    expect(resolveTrainConfig(SIZED, { task: 'regression', classes: 1 })).toMatchObject({
      loss: 'meanSquaredError',
      metrics: ['mae'],
    });
  });

  it('refuses losses and metrics that cannot work for the task, and allows odd but valid ones', () => {
    const reg: TaskKind = { task: 'regression', classes: 1 };
    const three: TaskKind = { task: 'classification', classes: 3 };
    const two: TaskKind = { task: 'classification', classes: 2 };
    const fail = (config: Partial<TrainConfig>, kind: TaskKind) => {
      try {
        resolveTrainConfig({ ...SIZED, ...config }, kind);
      } catch (error) {
        expect(error).toBeInstanceOf(TrainConfigError);
        return `${(error as TrainConfigError).field} | ${(error as Error).message}`;
      }
      return 'accepted';
    };
    expect(fail({ loss: 'sparseCategoricalCrossentropy' }, reg)).toMatch(
      /^loss \| loss: sparseCategoricalCrossentropy compares class probabilities, but this is a regression task/,
    );
    expect(fail({ loss: 'binaryCrossentropy' }, three)).toMatch(/^loss \| .*this task has 3 classes/);
    expect(fail({ loss: 'categoricalCrossentropy' }, two)).toMatch(/^loss \| .*use binaryCrossentropy/);
    expect(fail({ loss: 'meanSquaredError' }, three)).toBe('accepted'); // MSE on a softmax head is allowed
    expect(fail({ loss: 'huber' }, reg)).toBe('accepted');
    expect(fail({ metrics: ['auc'] }, three)).toMatch(/^metrics \| metrics: auc is defined for two classes/);
    expect(fail({ metrics: ['r2'] }, two)).toMatch(/^metrics \| .*classification task/);
    expect(fail({ metrics: ['accuracy'] }, reg)).toMatch(/^metrics \| .*regression task/);
    expect(fail({ metrics: ['precision', 'recall', 'auc'] }, two)).toBe('accepted');
    expect(
      fail({ earlyStopping: { monitor: 'val_auc', patience: 2, minDelta: 0, restoreBestWeights: true } }, two),
    ).toMatch(/^earlyStopping \| .*"val_auc" is not reported/);
    expect(fail({ classWeights: 'balanced' }, reg)).toMatch(/^classWeights \| .*classification only/);
    expect(fail({ classWeights: [1, 2] }, three)).toMatch(
      /^classWeights \| .*2 weights given, but this task has 3 classes/,
    );
  });
});

describe('learning-rate schedules', () => {
  const settings = (schedule: LrSchedule, warmupEpochs = 0, epochs = 6): ScheduleSettings => ({
    learningRate: 0.1,
    epochs,
    warmupEpochs,
    schedule,
  });

  it('step, exponential and cosine give the hand-computed sequences', () => {
    close(learningRates(settings({ type: 'none' })), [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    close(learningRates(settings({ type: 'step', every: 2, factor: 0.5 })), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    close(learningRates(settings({ type: 'exponential', rate: 0.9 })), [0.1, 0.09, 0.081, 0.0729, 0.06561, 0.059049]);
    // min + ½(base − min)(1 + cos(π e / 4)), e = 0..3, over 4 epochs, base 0.1, min 0.02
    close(learningRates(settings({ type: 'cosine', minLearningRate: 0.02 }, 0, 4)), [
      0.1,
      0.02 + 0.04 * (1 + Math.SQRT1_2),
      0.06,
      0.02 + 0.04 * (1 - Math.SQRT1_2),
    ]);
  });

  it('linear warm-up comes first and the schedule starts after it', () => {
    close(learningRates(settings({ type: 'none' }, 4)), [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]);
    close(learningRates(settings({ type: 'step', every: 1, factor: 0.5 }, 2)), [0.05, 0.1, 0.1, 0.05, 0.025, 0.0125]);
  });

  it('reduce-on-plateau cuts the rate after `patience` epochs without improvement, not below its floor', () => {
    const s = settings({ type: 'plateau', factor: 0.5, patience: 2, minDelta: 0.01, minLearningRate: 0.03 }, 0, 10);
    let state = initialScheduleState(s);
    const rates: number[] = [];
    // val_loss: improves, improves, then flat (within minDelta) for good
    [1, 0.8, 0.795, 0.79, 0.79, 0.79, 0.79, 0.79].forEach((v, e) => {
      rates.push(learningRateAt(s, e, state));
      state = observeEpoch(s, e, v, state);
    });
    close(rates, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03]);
  });
});

describe('early stopping (pure)', () => {
  it('stops after patience epochs without beating the best by more than minDelta, in the monitor direction', () => {
    const run = (monitor: string, values: number[]) => {
      let state = initialEarlyStoppingState();
      for (const [e, v] of values.entries()) {
        const seen = observeForEarlyStopping(
          { monitor, patience: 2, minDelta: 0.05, restoreBestWeights: true },
          e,
          v,
          state,
        );
        state = seen.state;
        if (seen.stop) return { stoppedAt: e, best: state.bestEpoch };
      }
      return { stoppedAt: null, best: state.bestEpoch };
    };
    expect(run('val_loss', [1, 0.9, 0.88, 0.87, 0.5])).toEqual({ stoppedAt: 3, best: 1 });
    expect(run('val_accuracy', [0.5, 0.7, 0.72, 0.9, 0.91, 0.92])).toEqual({ stoppedAt: 5, best: 3 });
  });
});

describe('metrics, by hand', () => {
  it('binary: accuracy, precision, recall and AUC', () => {
    const y = [1, 1, 1, 0, 0, 0, 0];
    const p = [0.9, 0.4, 0.7, 0.6, 0.2, 0.1, 0.7];
    // predicted positive (> 0.5): rows 0, 2, 3, 6 → TP 2 (0, 2), FP 2 (3, 6), FN 1 (1), TN 2 (4, 5)
    const m = new MetricAccumulator(
      { task: 'classification', classes: 2 },
      ['accuracy', 'precision', 'recall', 'auc'],
      1,
    );
    m.add(y.slice(0, 3), p.slice(0, 3)); // in two batches: ratios are over the epoch
    m.add(y.slice(3), p.slice(3));
    const r = m.results();
    expect(r.accuracy).toBeCloseTo(4 / 7, 12);
    expect(r.precision).toBeCloseTo(2 / 4, 12);
    expect(r.recall).toBeCloseTo(2 / 3, 12);
    // Pairs (positive, negative) with positive scoring higher: 0.9 beats 4, 0.4 beats 2 (0.2, 0.1),
    // 0.7 beats 3 and ties 1 (0.7) → (4 + 2 + 3.5) / 12
    expect(r.auc).toBeCloseTo(9.5 / 12, 12);
    expect(rocAuc([0.3, 0.4], [1, 1])).toBeNull();
  });

  it('multi-class accuracy by argmax', () => {
    const m = new MetricAccumulator({ task: 'classification', classes: 3 }, ['accuracy'], 3);
    m.add([1, 0, 0, 0, 1, 0, 0, 0, 1], [0.5, 0.3, 0.2, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8]);
    expect(m.results().accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('regression: MAE and RMSE in target units, R² unit-free', () => {
    // Standardized targets and predictions; the target's std is 10.
    const y = [1, -1, 0.5, -0.5];
    const p = [0.5, -1, 1, 0];
    const m = new MetricAccumulator({ task: 'regression', classes: 1 }, ['mae', 'rmse', 'r2'], 1, 10);
    m.add(y, p);
    const r = m.results();
    expect(r.mae).toBeCloseTo(((0.5 + 0 + 0.5 + 0.5) / 4) * 10, 10);
    expect(r.rmse).toBeCloseTo(Math.sqrt(0.75 / 4) * 10, 10);
    // SSres 0.75; mean y 0, SStot 1 + 1 + 0.25 + 0.25 = 2.5
    expect(r.r2).toBeCloseTo(1 - 0.75 / 2.5, 10);
  });
});

describe('class weights', () => {
  it('"balanced" is n / (classes × count), counted from one-hot or 0/1 targets', () => {
    const counts = classCounts([1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0], 3, 3);
    expect(counts).toEqual([3, 1, 0]);
    expect(classWeightsFor('balanced', counts)).toEqual([4 / 9, 4 / 3, 0]);
    expect(classCounts([1, 0, 0, 0.9], 1, 2)).toEqual([2, 2]);
    expect(classWeightsFor([1, 5], [10, 2])).toEqual([1, 5]);
  });
});
