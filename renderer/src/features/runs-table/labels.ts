import type { RunRow } from '../../../../app/experiments/runs-table';
import { formatDateTime, formatPercent, formatStat } from '../../lib/format';

/** A run's label: its name, else when it started. */
export const runLabel = (row: Pick<RunRow, 'name' | 'startedAt'>) => row.name ?? formatDateTime(row.startedAt);

/** A run's score in its own metric: accuracy as a percentage, MAE as a number. */
export const formatMetric = (row: Pick<RunRow, 'metric'>, value: number | null | undefined) =>
  row.metric === 'accuracy' ? formatPercent(value) : formatStat(value);
