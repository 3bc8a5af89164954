import { z } from 'zod';
import { OPTIMIZERS } from '../training/config';
import { mulberry32 } from '../math/seeded-random';

/**
 * A study: a search over training settings, one trial after another. This file is its pure
 * scheduling logic (the space, which settings trial i gets, when ASHA stops a trial, which trial
 * is best); main/cli/tune-command.ts runs the trials as ordinary training runs and keeps the
 * study on disk.
 */

/** The settings a study can search, and the graph's own where the template has them. */
export const TUNABLE = ['learningRate', 'batchSize', 'optimizer', 'epochs', 'units', 'dropout'] as const;
export type Tunable = (typeof TUNABLE)[number];

const Value = z.union([z.number(), z.string()]);
export type ParamValue = z.infer<typeof Value>;

export const ParamSpec = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('float'),
      low: z.number(),
      high: z.number(),
      log: z.boolean().optional(),
      /** Grid search: how many points across the range (default 3). */
      steps: z.number().int().min(1).max(100).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('int'),
      low: z.number().int(),
      high: z.number().int(),
      log: z.boolean().optional(),
      steps: z.number().int().min(1).max(100).optional(),
    })
    .strict(),
  z.object({ type: z.literal('choice'), values: z.array(Value).min(1) }).strict(),
]);
export type ParamSpec = z.infer<typeof ParamSpec>;

export const SearchSpace = z.partialRecord(z.enum(TUNABLE), ParamSpec);
export type SearchSpace = z.infer<typeof SearchSpace>;

/** The range each setting may take, checked on every value a space can produce. */
const LIMITS: Record<Tunable, { min: number; max: number; int: boolean } | { values: readonly string[] }> = {
  learningRate: { min: Number.MIN_VALUE, max: 10, int: false },
  batchSize: { min: 1, max: 65536, int: true },
  optimizer: { values: OPTIMIZERS },
  epochs: { min: 1, max: 10000, int: true },
  units: { min: 1, max: 65536, int: true },
  dropout: { min: 0, max: 0.99, int: false },
};

export class SpaceError extends Error {}

/** A space from JSON (SPACE.json), every problem named by its setting; throws SpaceError. */
export function parseSpace(raw: unknown, where = 'the search space'): SearchSpace {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new SpaceError(`${where} must be an object of settings, {"learningRate": {...}, ...}.`);
  const stray = Object.keys(raw).find((k) => !(TUNABLE as readonly string[]).includes(k));
  if (stray !== undefined)
    throw new SpaceError(`${where}: "${stray}" is not a setting a study can search (${TUNABLE.join(', ')}).`);
  const parsed = SearchSpace.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.join('.');
    throw new SpaceError(`${where}: ${at || 'the space'}: ${issue.message}.`);
  }
  const space = parsed.data;
  if (Object.keys(space).length === 0) throw new SpaceError(`${where} names no setting to search.`);
  for (const [name, spec] of Object.entries(space) as [Tunable, ParamSpec][]) {
    const limit = LIMITS[name];
    if (spec.type === 'choice') {
      for (const v of spec.values) checkValue(name, v, where);
      continue;
    }
    if ('values' in limit) throw new SpaceError(`${where}: ${name} takes {"type": "choice", "values": [...]}.`);
    if (spec.low > spec.high) throw new SpaceError(`${where}: ${name}: low ${spec.low} is above high ${spec.high}.`);
    if (spec.log && spec.low <= 0)
      throw new SpaceError(`${where}: ${name}: a log range needs low > 0 (got ${spec.low}).`);
    if (limit.int && spec.type === 'float')
      throw new SpaceError(`${where}: ${name} is a whole number: use "type": "int".`);
    checkValue(name, spec.low, where);
    checkValue(name, spec.high, where);
  }
  return space;
}

function checkValue(name: Tunable, value: ParamValue, where: string): void {
  const limit = LIMITS[name];
  if ('values' in limit) {
    if (typeof value !== 'string' || !limit.values.includes(value))
      throw new SpaceError(`${where}: ${name}: "${value}" is not one of ${limit.values.join(', ')}.`);
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < limit.min || value > limit.max)
    throw new SpaceError(
      `${where}: ${name}: ${JSON.stringify(value)} is outside ${limit.min === Number.MIN_VALUE ? '(0' : `[${limit.min}`}, ${limit.max}].`,
    );
  if (limit.int && !Number.isInteger(value)) throw new SpaceError(`${where}: ${name}: ${value} is not a whole number.`);
}

/**
 * The space searched when none is given: the learning rate on a log scale, the batch size, and
 * for a model with hidden Dense layers (the mlp template) their width and dropout. Epochs are
 * not searched: every trial stops early on val_loss (the auto early stopping), and ASHA stops
 * poor ones sooner.
 */
export function defaultSpace(options: { hiddenLayers: boolean }): SearchSpace {
  return {
    learningRate: { type: 'float', low: 1e-4, high: 1e-1, log: true },
    batchSize: { type: 'choice', values: [16, 32, 64, 128] },
    ...(options.hiddenLayers
      ? {
          units: { type: 'int', low: 8, high: 128, log: true },
          dropout: { type: 'float', low: 0, high: 0.5 },
        }
      : {}),
  };
}

function trialSeed(seed: number, index: number): number {
  let h = 2166136261 ^ seed;
  for (const x of [index, index >>> 16, 0x9e37]) h = Math.imul(h ^ x, 16777619);
  return h >>> 0;
}

function sample(spec: ParamSpec, random: () => number): ParamValue {
  if (spec.type === 'choice')
    return spec.values[Math.min(spec.values.length - 1, Math.floor(random() * spec.values.length))]!;
  const u = random();
  if (spec.type === 'float')
    return spec.log
      ? Math.exp(Math.log(spec.low) + u * (Math.log(spec.high) - Math.log(spec.low)))
      : spec.low + u * (spec.high - spec.low);
  // int: every whole number in [low, high] (on a log scale: uniform in log, rounded).
  if (spec.log) {
    const v = Math.exp(Math.log(spec.low) + u * (Math.log(spec.high + 1) - Math.log(spec.low)));
    return Math.min(spec.high, Math.max(spec.low, Math.floor(v)));
  }
  return Math.min(spec.high, spec.low + Math.floor(u * (spec.high - spec.low + 1)));
}

/** Random search: trial `index`'s settings, from the study's seed alone (the same on every resume). */
export function randomParams(space: SearchSpace, seed: number, index: number): Record<string, ParamValue> {
  const random = mulberry32(trialSeed(seed, index));
  const params: Record<string, ParamValue> = {};
  for (const name of TUNABLE) {
    const spec = space[name];
    if (spec) params[name] = sample(spec, random);
  }
  return params;
}

/** The grid's values of one setting: a choice's values, or `steps` points across a range (log-spaced on a log scale). */
export function gridValues(spec: ParamSpec): ParamValue[] {
  if (spec.type === 'choice') return [...new Set(spec.values)];
  const steps = spec.steps ?? 3;
  if (steps === 1 || spec.low === spec.high) return [spec.low];
  const points = Array.from({ length: steps }, (_, i) => {
    const t = i / (steps - 1);
    return spec.log
      ? Math.exp(Math.log(spec.low) + t * (Math.log(spec.high) - Math.log(spec.low)))
      : spec.low + t * (spec.high - spec.low);
  });
  return spec.type === 'int' ? [...new Set(points.map(Math.round))] : points;
}

/** Every combination of the grid's values, in a fixed order (the first setting varies slowest). */
export function gridPoints(space: SearchSpace): Record<string, ParamValue>[] {
  let points: Record<string, ParamValue>[] = [{}];
  for (const name of TUNABLE) {
    const spec = space[name];
    if (!spec) continue;
    const values = gridValues(spec);
    points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  }
  return points;
}

export const Strategy = z.enum(['random', 'grid', 'asha']);
export type Strategy = z.infer<typeof Strategy>;

/**
 * Asynchronous successive halving (ASHA, Li et al. 2020), one trial at a time: rungs at
 * minEpochs·η^k epochs; a trial that reaches a rung goes on only if its score there is among
 * the top 1/η of every score recorded at that rung so far (itself included; at least the best
 * one goes on, as in Optuna's SuccessiveHalvingPruner). Scores are losses: lower is better.
 */
export interface AshaSettings {
  eta: number;
  minEpochs: number;
}
export const DEFAULT_ASHA: AshaSettings = { eta: 3, minEpochs: 1 };

/** The rung an epoch count (1-based) is, or null: 1, 3, 9, 27... for η 3 from 1 epoch. */
export function rungOf(epochs: number, asha: AshaSettings = DEFAULT_ASHA): number | null {
  for (let k = 0, r = asha.minEpochs; r <= epochs; k++, r *= asha.eta) if (r === epochs) return k;
  return null;
}

/** Whether a trial with `score` at a rung goes on, given the scores other trials recorded at that rung. */
export function ashaPromotes(score: number, others: readonly number[], asha: AshaSettings = DEFAULT_ASHA): boolean {
  const scores = [...others, score].map((s) => (Number.isFinite(s) ? s : Infinity));
  const keep = Math.max(1, Math.floor(scores.length / asha.eta));
  const own = Number.isFinite(score) ? score : Infinity;
  // Its rank among them: how many are strictly better (ties go on together).
  const better = scores.filter((s) => s < own).length;
  return own !== Infinity && better < keep;
}

export const TrialStatus = z.enum(['running', 'completed', 'pruned', 'failed']);
export type TrialStatus = z.infer<typeof TrialStatus>;

export const Trial = z.object({
  number: z.number().int().nonnegative(),
  params: z.record(z.string(), Value),
  status: TrialStatus,
  started_at: z.string(),
  ended_at: z.string().nullable(),
  duration_s: z.number().nullable(),
  epochs_run: z.number().int().nonnegative().nullable(),
  kept_epoch: z.number().int().nonnegative().nullable(),
  /** ASHA: val_loss at each rung the trial reached, by epoch count ("1", "3"...). */
  rungs: z.record(z.string(), z.number().nullable()),
  /** Pruned: the epoch count after which ASHA stopped it. */
  pruned_at: z.number().int().positive().nullable(),
  /** Like metrics.json's `final`: the kept epoch's scores and the naive baseline's. */
  final: z.record(z.string(), z.number().nullable()).nullable(),
  error: z.string().nullable(),
});
export type Trial = z.infer<typeof Trial>;

/** The score a study minimises: the kept epoch's val_loss (the model's, as metrics.json's final holds it). */
export function trialScore(trial: Pick<Trial, 'status' | 'final'>): number | null {
  if (trial.status !== 'completed') return null;
  const v = trial.final?.['val_loss'];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The completed trial with the lowest val_loss (the earliest on a tie), or null. */
export function bestTrial<T extends Pick<Trial, 'number' | 'status' | 'final'>>(trials: readonly T[]): T | null {
  let best: T | null = null;
  let bestScore = Infinity;
  for (const t of trials) {
    const s = trialScore(t);
    if (s !== null && s < bestScore) {
      best = t;
      bestScore = s;
    }
  }
  return best;
}

/** Scores recorded at the rung of `epochs` by trials other than `number`. */
export function rungScores(trials: readonly Trial[], epochs: number, number: number): number[] {
  const key = String(epochs);
  return trials.filter((t) => t.number !== number && t.rungs[key] !== undefined).map((t) => t.rungs[key] ?? Infinity);
}

/** How many trials a study runs: the grid's size for grid (at most `trials` when given), else `trials`. */
export function plannedTrials(strategy: Strategy, space: SearchSpace, trials: number | undefined): number {
  if (strategy === 'grid') {
    const size = gridPoints(space).length;
    return trials === undefined ? size : Math.min(trials, size);
  }
  return trials ?? 20;
}

/** Trial `index`'s settings under a strategy (random and ASHA sample; grid walks the grid). */
export function trialParams(
  strategy: Strategy,
  space: SearchSpace,
  seed: number,
  index: number,
): Record<string, ParamValue> {
  if (strategy === 'grid') {
    const points = gridPoints(space);
    const point = points[index];
    if (!point) throw new RangeError(`trial ${index} is beyond the grid's ${points.length} points`);
    return point;
  }
  return randomParams(space, seed, index);
}

/** DIR/study.json (`layerlab tune`): the study's settings and every trial so far; rewritten atomically after each. */
export const Study = z.object({
  version: z.literal(1),
  strategy: Strategy,
  seed: z.number().int(),
  asha: z.object({ eta: z.number(), minEpochs: z.number() }).nullable(),
  trials_planned: z.number().int().nonnegative(),
  time_budget_s: z.number().nullable(),
  space: SearchSpace,
  /** The train arguments every trial shares (the data, target, fixed settings); a trial adds its own. */
  train_args: z.array(z.string()),
  data: z.object({ path: z.string(), sha256: z.string() }),
  started_at: z.string(),
  updated_at: z.string(),
  /** Time spent on trials, across every resume: what --time-budget counts. */
  elapsed_s: z.number(),
  status: z.enum(['running', 'completed', 'budget_spent', 'interrupted']),
  best_trial: z.number().int().nullable(),
  trials: z.array(Trial.extend({ rss_mb: z.number().nullable().optional() })),
});
export type Study = z.infer<typeof Study>;
