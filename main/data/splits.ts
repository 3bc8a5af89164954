import { UserError } from '../../app/ipc/errors';
import { seededShuffle } from '../../app/math/seeded-random';

/**
 * Train / validation / test splits of row indices, seeded and deterministic, shared by every
 * kind of prepared data (tables here; windows and images can split their sample indices the
 * same way). Shares are of all the rows given; the test split is carved out first and does not
 * depend on the validation share, so tuning the validation share never moves a test row.
 */
export interface SplitRows {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/** Row indices as given: an array or a typed array (4 bytes a row: a 10M-row table's splits are held as these, issue 19). */
export type RowList = ArrayLike<number>;

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

/** Consecutive blocks of an ordered list, views of it: training first, then validation, then test. */
function blocks(ordered: Int32Array, counts: { validation: number; test: number }): SplitRows {
  const n = ordered.length;
  return {
    train: ordered.subarray(0, n - counts.validation - counts.test),
    validation: ordered.subarray(n - counts.validation - counts.test, n - counts.test),
    test: ordered.subarray(n - counts.test),
  };
}

/**
 * A seeded shuffle, then blocks. Without a test share this is exactly the split prepare.ts made
 * before test splits existed (the same rows for the same seed), so old runs retrain alike.
 */
export function randomSplit(rows: RowList, shares: SplitShares, seed: number): SplitRows {
  const shuffled = seededShuffle(Int32Array.from(rows), seed);
  return blocks(shuffled, splitCounts(rows.length, shares));
}

/**
 * Each class gives round(its rows × share) to validation and to test, so every class keeps its
 * proportion in every split within one row. Rows keep the seeded shuffle's order within each
 * split, so classes stay interleaved in batches.
 */
export function stratifiedSplit(
  rows: RowList,
  classOf: (row: number) => number,
  shares: SplitShares,
  seed: number,
): SplitRows {
  checkShares(shares);
  const shuffled = seededShuffle(Int32Array.from(rows), seed);
  // Per class: its rows, and the last `test` of them in shuffled order go to test, the
  // `validation` before those to validation. Counted first, then placed by each row's ordinal in
  // its class, so nothing per row is kept but the split itself.
  const byClass = new Map<number, { size: number; seen: number; test: number; validation: number }>();
  for (const row of shuffled) {
    const k = classOf(row);
    const members = byClass.get(k);
    if (members) members.size += 1;
    else byClass.set(k, { size: 1, seen: 0, test: 0, validation: 0 });
  }
  for (const members of byClass.values()) {
    const m = members.size;
    members.test = Math.round(m * shares.test);
    // A class of one row stays in training: it cannot be on both sides.
    members.validation = Math.min(Math.max(0, m - 1 - members.test), Math.round(m * shares.validation));
  }
  /** 0: training, 1: validation, 2: test, by place in the shuffled order. */
  const where = new Uint8Array(shuffled.length);
  const sizes = [0, 0, 0];
  shuffled.forEach((row, i) => {
    const members = byClass.get(classOf(row))!;
    const j = members.seen++;
    const s = j >= members.size - members.test ? 2 : j >= members.size - members.test - members.validation ? 1 : 0;
    where[i] = s;
    sizes[s]! += 1;
  });
  const parts = sizes.map((n) => new Int32Array(n));
  const filled = [0, 0, 0];
  shuffled.forEach((row, i) => void (parts[where[i]!]![filled[where[i]!]!++] = row));
  const split: SplitRows = { train: parts[0]!, validation: parts[1]!, test: parts[2]! };
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
  rows: RowList,
  keyOf: (row: number) => number,
  shares: SplitShares,
  describeMissing: (row: number) => string,
): SplitRows {
  const keys = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const key = keyOf(row);
    if (Number.isNaN(key))
      throw new UserError(
        `${describeMissing(row)}: a time-ordered split needs a time in every row. Fill it in, or choose a random split.`,
      );
    keys[i] = key;
  }
  const order = new Uint32Array(rows.length)
    .map((_, i) => i)
    .sort((a, b) => keys[a]! - keys[b]! || rows[a]! - rows[b]!);
  return blocks(
    Int32Array.from(order, (i) => rows[i]!),
    splitCounts(rows.length, shares),
  );
}
