import { UserError } from '../../app/ipc/errors';
import { seededShuffle } from '../../app/math/seeded-random';

/**
 * Train / validation / test splits of row indices, seeded and deterministic, shared by every
 * kind of prepared data (tables here; windows and images can split their sample indices the
 * same way). Shares are of all the rows given; the test split is carved out first and does not
 * depend on the validation share, so tuning the validation share never moves a test row.
 */
export interface SplitRows {
  train: number[];
  validation: number[];
  test: number[];
}

export interface SplitShares {
  /** In (0, 1). */
  validation: number;
  /** In [0, 0.5]; 0: no test split. */
  test: number;
}

function checkShares(shares: SplitShares): void {
  if (!(shares.validation > 0 && shares.validation < 1))
    throw new UserError(`The validation split must be between 0 and 1 (got ${shares.validation}).`);
  if (!(shares.test >= 0 && shares.test <= 0.5))
    throw new UserError(`The test split must be between 0 and 0.5 (got ${shares.test}).`);
  if (shares.validation + shares.test >= 0.9)
    throw new UserError(
      `The validation (${shares.validation}) and test (${shares.test}) splits leave less than 10% of the rows to train on.`,
    );
}

/**
 * Rows in each held-out split of n: at least one validation row, a test row whenever a test
 * share is asked for, and at least one training row. The validation count is the one
 * prepare.ts always used (round(n × share), within [1, n − 1]).
 */
export function splitCounts(n: number, shares: SplitShares): { validation: number; test: number } {
  checkShares(shares);
  const test = shares.test > 0 ? Math.max(1, Math.round(n * shares.test)) : 0;
  const validation = Math.min(n - 1, Math.max(1, Math.round(n * shares.validation)));
  if (n - validation - test < 1)
    throw new UserError(`${n} rows are too few to split into training, validation${test > 0 ? ' and test' : ''} rows.`);
  return { validation, test };
}

/** Consecutive blocks of an ordered list: training first, then validation, then test. */
function blocks(ordered: readonly number[], counts: { validation: number; test: number }): SplitRows {
  const n = ordered.length;
  return {
    train: ordered.slice(0, n - counts.validation - counts.test),
    validation: ordered.slice(n - counts.validation - counts.test, n - counts.test),
    test: ordered.slice(n - counts.test),
  };
}

/**
 * A seeded shuffle, then blocks. Without a test share this is exactly the split prepare.ts made
 * before test splits existed (the same rows for the same seed), so old runs retrain alike.
 */
export function randomSplit(rows: readonly number[], shares: SplitShares, seed: number): SplitRows {
  const shuffled = seededShuffle([...rows], seed);
  return blocks(shuffled, splitCounts(rows.length, shares));
}

/**
 * Each class gives round(its rows × share) to validation and to test, so every class keeps its
 * proportion in every split within one row. Rows keep the seeded shuffle's order within each
 * split, so classes stay interleaved in batches.
 */
export function stratifiedSplit(
  rows: readonly number[],
  classOf: (row: number) => number,
  shares: SplitShares,
  seed: number,
): SplitRows {
  checkShares(shares);
  const shuffled = seededShuffle([...rows], seed);
  const byClass = new Map<number, number[]>();
  for (const row of shuffled) {
    const k = classOf(row);
    const members = byClass.get(k);
    if (members) members.push(row);
    else byClass.set(k, [row]);
  }
  const where = new Map<number, 'validation' | 'test'>();
  for (const members of byClass.values()) {
    const m = members.length;
    const test = Math.round(m * shares.test);
    // A class of one row stays in training: it cannot be on both sides.
    const validation = Math.min(Math.max(0, m - 1 - test), Math.round(m * shares.validation));
    members.slice(m - test).forEach((r) => where.set(r, 'test'));
    members.slice(m - test - validation, m - test).forEach((r) => where.set(r, 'validation'));
  }
  const split: SplitRows = { train: [], validation: [], test: [] };
  for (const row of shuffled) split[where.get(row) ?? 'train'].push(row);
  if (split.validation.length === 0 || split.train.length === 0 || (shares.test > 0 && split.test.length === 0)) {
    throw new UserError(
      `${rows.length} rows in ${byClass.size} classes are too few to stratify into training, validation${shares.test > 0 ? ' and test' : ''} rows; use a random split or larger shares.`,
    );
  }
  return split;
}

/**
 * Ordered by `keyOf` (ties keep file order), training first, then validation, then test: every
 * held-out row comes after every training row, as when a model is used on the future.
 * `keyOf` returns NaN for a row without a time; `describeMissing` names it for the message.
 */
export function timeSplit(
  rows: readonly number[],
  keyOf: (row: number) => number,
  shares: SplitShares,
  describeMissing: (row: number) => string,
): SplitRows {
  const keys = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    const key = keyOf(row);
    if (Number.isNaN(key))
      throw new UserError(
        `${describeMissing(row)}: a time-ordered split needs a time in every row. Fill it in, or choose a random split.`,
      );
    keys[i] = key;
  });
  const order = rows.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || rows[a]! - rows[b]!);
  return blocks(
    order.map((i) => rows[i]!),
    splitCounts(rows.length, shares),
  );
}
