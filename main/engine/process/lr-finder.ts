import type * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from '../../../app/training/config';
import {
  finderRate,
  finderPastRange,
  finderShouldStop,
  LossSmoother,
  suggestRate,
  type LrFinderResult,
} from '../../../app/training/lr-finder';
import { readWeights, SnapshotBuffer, writeWeights } from './checkpoint';
import { createOptimizer, setLearningRate } from './optimizers';
import type { ModelBatch } from '../shared/prepared-data';
import { deriveSeed, mulberry32 } from '../../../app/math/seeded-random';

export interface LrFinderJob {
  model: tf.LayersModel;
  optimizer: OptimizerName;
  nesterov: boolean;
  seed: number;
  /** Steps planned (finderSteps); fewer when the loss blows up first. */
  steps: number;
  /** The run's training batches of one epoch (the same seeded streams training reads). */
  batches(epoch: number): AsyncIterable<ModelBatch>;
  /** The run's own training step with optimizer `opt`: its read-back, the loss first. */
  step(opt: tf.Optimizer, batch: ModelBatch, dropoutRandom: () => number): Promise<Float32Array>;
  /** Polled between steps (pause and cancel); true stops the test. */
  stopped(): Promise<boolean>;
  /** Told after each step: how many have been taken (progress). */
  onStep?(done: number): void;
}

/**
 * The LR range test on the run's model: from its initial weights, with a fresh optimizer of the
 * run's kind, one step per training batch (cycling through epochs of batches as needed) at a
 * rate growing exponentially (finderRate), until the planned steps are done or the smoothed
 * loss blows up. Afterwards every weight (batch-norm statistics included) is put back and the
 * test's optimizer is thrown away, so training starts exactly as it would have without the test.
 * Deterministic for a seed: the batches are the run's seeded epochs, Dropout has its own stream.
 * Null when stopped (cancelled) before it finished.
 */
export async function findLearningRate(job: LrFinderJob): Promise<LrFinderResult | null> {
  const started = performance.now();
  const initial = await readWeights(job.model, new SnapshotBuffer());
  const opt = createOptimizer(job.optimizer, finderRate(0, job.steps), { nesterov: job.nesterov });
  const dropoutRandom = mulberry32(deriveSeed(job.seed, 'lr-finder:dropout'));
  const smoother = new LossSmoother(job.steps);
  const rates: number[] = [];
  const losses: Array<number | null> = [];
  const raw: Array<number | null> = [];
  let best = Infinity;
  let cancelled = false;
  try {
    let done = false;
    for (let epoch = 0; !done; epoch++) {
      let any = false;
      for await (const batch of job.batches(epoch)) {
        any = true;
        const i = rates.length;
        const rate = finderRate(i, job.steps);
        setLearningRate(opt, rate);
        const values = await job.step(opt, batch, dropoutRandom);
        const loss = values[0]!;
        const smoothed = Number.isFinite(loss) && Number.isFinite(values[1]!) ? smoother.add(loss) : NaN;
        rates.push(rate);
        losses.push(Number.isFinite(smoothed) ? smoothed : null);
        raw.push(Number.isFinite(smoothed) ? loss : null);
        if (Number.isFinite(smoothed)) best = Math.min(best, smoothed);
        job.onStep?.(rates.length);
        if (finderShouldStop(smoothed, best, i) || finderPastRange(rate, job.optimizer) || rates.length >= job.steps) {
          done = true;
          break;
        }
        if (await job.stopped()) {
          cancelled = true;
          done = true;
          break;
        }
      }
      if (!any) break;
    }
  } finally {
    opt.dispose();
    writeWeights(job.model, initial.values);
  }
  if (cancelled) return null;
  const { suggestion, steepest, minimum, rule } = suggestRate(rates, raw, job.optimizer);
  return {
    rates,
    losses,
    suggestion,
    steps: rates.length,
    plannedSteps: job.steps,
    seconds: (performance.now() - started) / 1000,
    steepest,
    minimum,
    rule,
  };
}
