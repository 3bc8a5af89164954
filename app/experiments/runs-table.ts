import { z } from 'zod';
import { diagnoseRun } from '../diagnostics/from-run';
import { keptEpoch } from '../project/kept-epoch';
import { RunId, RunStatus, type RunSummary } from '../project/schema';
import { metricFor } from '../training/config';

/**
 * The runs table (issue 16.1): one row per run with what MLflow and W&B users compare runs by,
 * computed here once for every view. Scores are the kept epoch's (app/project/kept-epoch.ts:
 * the restored best, else the last), beside the last epoch's.
 */

/** A run's own label and star, kept beside run.json in runs/<id>/tags.json. */
export const RunTags = z.object({
  name: z.string().trim().min(1).max(120).nullable(),
  starred: z.boolean(),
});
export type RunTags = z.infer<typeof RunTags>;
export const NO_TAGS: RunTags = { name: null, starred: false };

export const SettingValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type SettingValue = z.infer<typeof SettingValue>;

const Scores = z.object({ val_loss: z.number().nullable(), metric: z.number().nullable() });

export const RunCurvePoint = z.object({
  epoch: z.number().int().nonnegative(),
  loss: z.number().nullable(),
  val_loss: z.number().nullable(),
  metric: z.number().nullable(),
  val_metric: z.number().nullable(),
});
export type RunCurvePoint = z.infer<typeof RunCurvePoint>;

export const RunRow = z.object({
  id: RunId,
  name: z.string().nullable(),
  starred: z.boolean(),
  status: RunStatus,
  task: z.enum(['classification', 'regression']),
  /** accuracy (classification) or mae (regression): the metric of `best`, `last`, `baseline` and curves. */
  metric: z.enum(['accuracy', 'mae']),
  startedAt: z.string(),
  durationS: z.number().nullable(),
  backend: z.string().nullable(),
  epochsRun: z.number().int().nonnegative(),
  /** 0-based, as in metrics.json: the epoch whose weights the model holds. */
  keptEpoch: z.number().int().nonnegative().nullable(),
  best: Scores,
  last: Scores,
  baseline: Scores.nullable(),
  /** Every setting the run trained with, flattened ("earlyStopping.patience"), and the model's shape ("model.units"). */
  settings: z.record(z.string(), SettingValue),
  /** The first 12 hex digits of manifest.json's dataset SHA-256; null for runs from before manifests. */
  dataFingerprint: z.string().nullable(),
  /** The diagnosis' headlines ("Overfitting"), most severe first. */
  verdicts: z.array(z.string()),
  diskBytes: z.number().int().nonnegative(),
  curves: z.array(RunCurvePoint),
});
export type RunRow = z.infer<typeof RunRow>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A run's settings as one flat record: trainConfig's fields (objects by dotted key) and the model's shape. */
export function flattenSettings(run: Pick<RunSummary, 'trainConfig' | 'graph'>): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  const visit = (prefix: string, value: unknown) => {
    if (value === null || value === undefined) {
      if (prefix) out[prefix] = null;
    } else if (Array.isArray(value)) out[prefix] = value.join(', ');
    else if (typeof value === 'object')
      for (const [k, v] of Object.entries(value)) visit(prefix ? `${prefix}.${k}` : k, v);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[prefix] = value;
  };
  visit('', run.trainConfig);
  const hidden = run.graph.nodes.filter((n) => n.type !== 'Input' && n.type !== 'Output');
  out['model.layers'] = hidden.length;
  const widths = hidden.flatMap((n) =>
    'units' in n.config && typeof n.config.units === 'number'
      ? [n.config.units]
      : 'filters' in n.config && typeof n.config.filters === 'number'
        ? [n.config.filters]
        : [],
  );
  out['model.units'] = widths.length ? widths.join('-') : null;
  const dropout = hidden.flatMap((n) =>
    n.type === 'Dropout' && typeof n.config.rate === 'number' ? [n.config.rate] : [],
  );
  out['model.dropout'] = dropout.length ? Math.max(...dropout) : 0;
  return out;
}

/** A table row for a run (main/services/runs-table.ts adds the disk use, tags and fingerprint it reads from disk). */
export function runRow(
  run: RunSummary,
  extra: { tags: RunTags; diskBytes: number; dataFingerprint: string | null },
): RunRow {
  const metric = metricFor(run.task);
  const kept = keptEpoch(run);
  const last = run.epochs.at(-1);
  const scores = (logs: Record<string, unknown> | undefined) => ({
    val_loss: num(logs?.['val_loss']),
    metric: num(logs?.[`val_${metric}`]),
  });
  const ended = run.endedAt ? Date.parse(run.endedAt) : null;
  const severity: Record<string, number> = { critical: 0, warning: 1, info: 2 };
  let verdicts: string[];
  try {
    verdicts = [...diagnoseRun(run)]
      .sort((a, b) => (severity[a.severity] ?? 9) - (severity[b.severity] ?? 9))
      .map((v) => v.title);
  } catch {
    verdicts = [];
  }
  return {
    id: run.id,
    name: extra.tags.name,
    starred: extra.tags.starred,
    status: run.status,
    task: run.task,
    metric,
    startedAt: run.startedAt,
    durationS: ended !== null ? Math.max(0, (ended - Date.parse(run.startedAt)) / 1000) : null,
    backend: run.backend?.name ?? null,
    epochsRun: run.epochs.length,
    keptEpoch: kept?.epoch ?? null,
    best: scores(kept?.logs),
    last: scores(last),
    baseline: run.baseline
      ? {
          val_loss: num(run.baseline.val_loss),
          metric: num(metric === 'accuracy' ? run.baseline.val_accuracy : run.baseline.val_mae),
        }
      : null,
    settings: flattenSettings(run),
    dataFingerprint: extra.dataFingerprint ? extra.dataFingerprint.slice(0, 12) : null,
    verdicts,
    diskBytes: extra.diskBytes,
    curves: run.epochs.map((e) => {
      const logs = e as Record<string, unknown>;
      return {
        epoch: e.epoch,
        loss: num(logs['loss']),
        val_loss: num(logs['val_loss']),
        metric: num(logs[metric]),
        val_metric: num(logs[`val_${metric}`]),
      };
    }),
  };
}

/** The settings whose values are not the same in every run given, in the order they first appear. */
export function differingSettings(rows: readonly Pick<RunRow, 'settings'>[]): string[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.settings)))];
  return keys.filter((k) => new Set(rows.map((r) => JSON.stringify(r.settings[k] ?? null))).size > 1);
}

/**
 * The axes of a parallel-coordinates plot: the settings that differ across the runs (numbers on
 * their own scale, log when they span 100× or more of positive values; anything else by its
 * distinct values), then the score.
 */
export interface Axis {
  key: string;
  kind: 'number' | 'category';
  log: boolean;
  min: number;
  max: number;
  categories: string[];
}

export function parallelAxes(rows: readonly Pick<RunRow, 'settings'>[]): Axis[] {
  return differingSettings(rows).map((key) => {
    const values = rows.map((r) => r.settings[key] ?? null);
    const numbers = values.filter((v): v is number => typeof v === 'number');
    if (numbers.length === values.length) {
      const min = Math.min(...numbers);
      const max = Math.max(...numbers);
      return { key, kind: 'number', log: min > 0 && max / min >= 100, min, max, categories: [] };
    }
    const categories = [...new Set(values.map((v) => String(v)))].sort();
    return { key, kind: 'category', log: false, min: 0, max: categories.length - 1, categories };
  });
}

/** Where a value sits on an axis, 0 (bottom) to 1 (top); null when it cannot be placed. */
export function axisPosition(axis: Axis, value: SettingValue | undefined): number | null {
  if (axis.kind === 'category') {
    const i = axis.categories.indexOf(String(value ?? null));
    if (i < 0) return null;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  if (typeof value !== 'number') return null;
  if (axis.max === axis.min) return 0.5;
  if (axis.log) return (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  return (value - axis.min) / (axis.max - axis.min);
}
