import { SplitMethod, SplitSpec } from '../../app/dataset/schema';
import type { RunSummary } from '../../app/project/schema';
import { UsageError } from './cli-error';

/** `layerlab train`'s split flags: how rows are split, and whether the test split is scored at the end. */
export const SPLIT_FLAGS = {
  split: { type: 'string' },
  'test-split': { type: 'string' },
  'split-column': { type: 'string' },
  'evaluate-test': { type: 'boolean' },
} as const;

interface SplitFlagValues {
  split?: string | undefined;
  'test-split'?: string | undefined;
  'split-column'?: string | undefined;
  'evaluate-test'?: boolean | undefined;
}

/**
 * --split random|stratified|time, --test-split SHARE, --split-column C → the task's SplitSpec
 * (undefined without any: the random validation split of before). The split is seeded with
 * --seed, like the rest of the run.
 */
export function splitSpecFrom(values: SplitFlagValues, seed: number): SplitSpec | undefined {
  const { split, 'split-column': column } = values;
  const share = values['test-split'];
  if (values['evaluate-test'] && share === undefined)
    throw new UsageError('--evaluate-test needs --test-split SHARE (the rows held out to evaluate on).');
  if (split === undefined && share === undefined) {
    if (column !== undefined) throw new UsageError('--split-column needs --split time.');
    return undefined;
  }
  const method = SplitMethod.safeParse(split ?? 'random');
  if (!method.success)
    throw new UsageError(`--split must be one of ${SplitMethod.options.join(', ')}, not "${split}".`);
  if (method.data === 'time' && column === undefined)
    throw new UsageError('--split time needs --split-column COLUMN (a date or numeric column that orders the rows).');
  if (method.data !== 'time' && column !== undefined)
    throw new UsageError(`--split-column applies to --split time only, not ${method.data}.`);
  const testShare = share === undefined ? 0 : Number(share);
  if (share !== undefined && (share.trim() === '' || !Number.isFinite(testShare)))
    throw new UsageError(`--test-split must be a number, not "${share}".`);
  if (values['evaluate-test'] && testShare <= 0) throw new UsageError('--evaluate-test needs a --test-split above 0.');
  const parsed = SplitSpec.safeParse({
    method: method.data,
    testShare,
    seed,
    ...(column !== undefined ? { column } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `${issue?.path[0] === 'testShare' ? '--test-split' : '--seed'}: ${issue?.message ?? 'invalid'}.`,
    );
  }
  return parsed.data;
}

/** metrics.json's final.test_loss and test_accuracy / test_mae, once the test split was scored. */
export function testFinal(run: RunSummary): Record<string, number | null> {
  const score = run.testScore;
  if (!score) return {};
  return {
    test_loss: score.loss,
    ...(score.accuracy !== undefined ? { test_accuracy: score.accuracy } : {}),
    ...(score.mae !== undefined ? { test_mae: score.mae } : {}),
    test_rows: score.rows,
  };
}
