import { z } from 'zod';

/**
 * How far a long piece of work is (building an image cache, exporting a model): `done` of `total`
 * in `unit`, the rate so far and the time left at that rate. The rate is computed here, once, by
 * whoever does the work (`withRate`); the UI and the CLI only show it (`workProgressText`).
 */
export const ProgressUnit = z.enum(['files', 'bytes', 'rows', 'steps']);
export type ProgressUnit = z.infer<typeof ProgressUnit>;

export const WorkCounts = z.object({
  done: z.number().nonnegative(),
  total: z.number().nonnegative(),
  unit: ProgressUnit,
  /** Units per second so far; absent in the first half second, when it means little. */
  perSecond: z.number().nonnegative().optional(),
  /** The time left at that rate, in seconds. */
  secondsLeft: z.number().nonnegative().optional(),
});
export type WorkCounts = z.infer<typeof WorkCounts>;

/** Below this the rate is mostly start-up noise. */
const MIN_SECONDS = 0.5;

/** `done` of `total` `unit` after `seconds`, with the rate and time left once they mean something. */
export function withRate(done: number, total: number, unit: ProgressUnit, seconds: number): WorkCounts {
  const counts: WorkCounts = { done: Math.min(done, total), total, unit };
  if (seconds < MIN_SECONDS || counts.done === 0) return counts;
  const perSecond = counts.done / seconds;
  return { ...counts, perSecond, secondsLeft: (total - counts.done) / perSecond };
}

const intFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

function bytesText(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** "12 s", "3 min 5 s". */
export function secondsText(seconds: number): string {
  const s = Math.ceil(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Whole percent done, 100 when there is nothing to do. */
export function percentOf(p: Pick<WorkCounts, 'done' | 'total'>): number {
  return p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
}

/** "42% · 4,200 of 10,000 files · 1,350 files/s · about 5 s left": the same words in the app and the CLI. */
export function workProgressText(p: WorkCounts): string {
  const amount =
    p.unit === 'bytes'
      ? `${bytesText(p.done)} of ${bytesText(p.total)}`
      : `${intFormat.format(p.done)} of ${intFormat.format(p.total)} ${p.unit}`;
  const parts = [`${percentOf(p)}%`, amount];
  if (p.perSecond !== undefined)
    parts.push(p.unit === 'bytes' ? `${bytesText(p.perSecond)}/s` : `${intFormat.format(p.perSecond)} ${p.unit}/s`);
  if (p.secondsLeft !== undefined && p.done < p.total) parts.push(`about ${secondsText(p.secondsLeft)} left`);
  return parts.join(' · ');
}

/** A CSV import's progress (main/data/csv-reader.ts computes it): bytes and rows read, then the columns profiled. */
export interface CsvImportCounts {
  bytesRead: number;
  totalBytes: number;
  rows: number;
  /** Bytes read per second so far; absent in the first half second, when it means little. */
  bytesPerSecond?: number;
  /** The time left at that rate, in seconds. */
  secondsLeft?: number;
  /** A file too large for memory, after its last byte: its columns profiled so far. */
  profiled?: { done: number; total: number };
}

/** "42% · 4,200,000 rows · 690.00 MiB of 1.60 GiB · 45.00 MiB/s · about 31 s left": the same words in the app and the CLI. */
export function csvImportProgressText(p: CsvImportCounts): string {
  const percent = p.totalBytes > 0 ? Math.round((100 * p.bytesRead) / p.totalBytes) : 0;
  const parts = [
    `${percent}%`,
    `${intFormat.format(p.rows)} rows`,
    `${bytesText(p.bytesRead)} of ${bytesText(p.totalBytes)}`,
  ];
  if (p.profiled) return [...parts, `profiling column ${p.profiled.done} of ${p.profiled.total}`].join(' · ');
  if (p.bytesPerSecond !== undefined) parts.push(`${bytesText(p.bytesPerSecond)}/s`);
  if (p.secondsLeft !== undefined && p.bytesRead < p.totalBytes) parts.push(`about ${secondsText(p.secondsLeft)} left`);
  return parts.join(' · ');
}

/**
 * Progress of an export: which step of how many (the steps depend on the format and options),
 * in words ("Writing the ONNX files and reloading them for the parity check").
 */
export const ExportProgress = WorkCounts.extend({ unit: z.literal('steps'), step: z.string() });
export type ExportProgress = z.infer<typeof ExportProgress>;

/** "Step 2 of 4: Writing the ONNX files…", then "Done: 4 of 4 steps": the same words in the app and the CLI. */
export function exportProgressText(p: ExportProgress): string {
  return p.done >= p.total ? `Done: ${p.total} of ${p.total} steps` : `Step ${p.done + 1} of ${p.total}: ${p.step}`;
}

/**
 * Work in phases, each counted on its own (preparing a table for a run: reading its targets,
 * fitting the statistics, encoding the rows; then the LR range test's steps): phase `index`
 * (0-based) of `phases`, named, with its own done of total, rate and time left.
 */
export const PhaseProgress = WorkCounts.extend({
  phase: z.string(),
  index: z.number().int().nonnegative(),
  phases: z.number().int().positive(),
});
export type PhaseProgress = z.infer<typeof PhaseProgress>;

/** The LR range test's steps before a run's first batch (learning rate 'auto'), as run.prepareProgress names them. */
export const LR_TEST_PHASE = 'Finding the learning rate (LR range test)';

/** The `index`th of `phases` phases, named `phase`, at `done` of `total` after `seconds` in it. */
export function phaseAt(
  phase: string,
  index: number,
  phases: number,
  counts: { done: number; total: number; unit: ProgressUnit; seconds: number },
): PhaseProgress {
  return { ...withRate(counts.done, counts.total, counts.unit, counts.seconds), phase, index, phases };
}

/**
 * "Step 2 of 3: Fitting the statistics on the training rows · 40% · 1,200,000 of 3,000,000 rows ·
 * 800,000 rows/s · about 3 s left" (a single phase: its name, then the counts): the same words in
 * the app and the CLI.
 */
export function phaseProgressText(p: PhaseProgress): string {
  const name = p.phases > 1 ? `Step ${p.index + 1} of ${p.phases}: ${p.phase}` : p.phase;
  return `${name} · ${workProgressText(p)}`;
}
