import { createStore } from 'zustand/vanilla';
import type { BatchLogs } from '../../../../app/engine/protocol';
import type { EpochLogs, RunSummary } from '../../../../app/project/schema';
import type { PhaseProgress } from '../../../../app/progress/work-progress';

/** A run's data being prepared before it trains: the phase it is in, and the run's id. */
export type PreparingProgress = PhaseProgress & { runId: string };

/** One point of the smoothed per-batch training loss (y), at a fractional epoch (x): ready to plot. */
export interface BatchPoint {
  x: number;
  y: number;
}

/** What this window saw of a run while it trained (epoch logs also live in the run's summary). */
export interface LiveRun {
  runId: string;
  epochs: EpochLogs[];
  batches: BatchPoint[];
  lastBatch: BatchLogs | null;
  /** Exponential moving average state (debiased as TensorBoard does). */
  ema: { value: number; weight: number };
}

export interface RunState {
  live: Record<string, LiveRun>;
  /** The run started from this window that has not ended yet. */
  activeRunId: string | null;
  /** The run whose curves are shown; null means the latest. */
  selectedRunId: string | null;
  starting: boolean;
  /** While a run started here has its data prepared (run.prepareProgress): the phase, and the run id Cancel stops. */
  preparing: PreparingProgress | null;
  cancelling: boolean;
  /** A pause or resume request is on its way (the run's summary says when it took effect). */
  pausing: boolean;
  startError: string | null;
}

/**
 * Smoothing follows the epoch length: about half an epoch's batches weigh in, so the line is
 * calm on long epochs yet does not trail epochs behind when there are only a few batches.
 */
export function emaAlpha(batchesPerEpoch: number): number {
  return Math.min(0.6, Math.max(0.02, 2 / (Math.max(1, batchesPerEpoch) / 2 + 1)));
}
/** Beyond this many per-batch points the older half is thinned, so charts stay fast on long runs. */
const MAX_BATCH_POINTS = 1500;

export type RunStore = ReturnType<typeof createRunStore>;

export type RunEvent =
  { kind: 'batch'; runId: string; logs: BatchLogs } | { kind: 'epoch'; runId: string; logs: EpochLogs };

/**
 * Fold events into the live runs, copying each touched run once. Only the arrays an event
 * changes are copied: a flush of batch events keeps the epochs array as it was, so everything
 * that depends on the epochs alone (the metric chart, the diagnosis) skips its redraw.
 */
export function applyEvents(live: Record<string, LiveRun>, events: readonly RunEvent[]): Record<string, LiveRun> {
  const next = { ...live };
  const copied = new Map<string, { epochs: boolean; batches: boolean }>();
  for (const event of events) {
    let run = next[event.runId] ?? emptyLive(event.runId);
    let own = copied.get(event.runId);
    if (!own) {
      run = { ...run };
      own = { epochs: false, batches: false };
      copied.set(event.runId, own);
    }
    if (event.kind === 'batch' && !own.batches) {
      run.batches = [...run.batches];
      own.batches = true;
    }
    if (event.kind === 'epoch' && !own.epochs) {
      run.epochs = [...run.epochs];
      own.epochs = true;
    }
    if (event.kind === 'batch') {
      const logs = event.logs;
      run.lastBatch = logs;
      if (logs.loss !== null && Number.isFinite(logs.loss)) {
        const alpha = emaAlpha(logs.batches);
        const weight = run.ema.weight * (1 - alpha) + alpha;
        const value = run.ema.value * (1 - alpha) + alpha * logs.loss;
        run.ema = { value, weight };
        // Epochs are counted from 0 in the logs; batch b of epoch e ends at e + (b + 1) / batches.
        run.batches.push({ x: logs.epoch + (logs.batch + 1) / Math.max(1, logs.batches), y: value / weight });
      }
    } else {
      const i = run.epochs.findIndex((e) => e.epoch === event.logs.epoch);
      if (i >= 0) run.epochs[i] = event.logs;
      else run.epochs.push(event.logs);
    }
    next[event.runId] = run;
  }
  for (const [id, own] of copied) {
    const run = next[id]!;
    if (own.epochs) run.epochs.sort((a, b) => a.epoch - b.epoch);
    if (own.batches) run.batches = thin(run.batches);
  }
  return next;
}

function emptyLive(runId: string): LiveRun {
  return { runId, epochs: [], batches: [], lastBatch: null, ema: { value: 0, weight: 0 } };
}

function thin(points: BatchPoint[]): BatchPoint[] {
  if (points.length <= MAX_BATCH_POINTS) return points;
  const half = Math.floor(points.length / 2);
  return [...points.slice(0, half).filter((_, i) => i % 2 === 0), ...points.slice(half)];
}

export function createRunStore() {
  return createStore<
    RunState & {
      reset(): void;
      onBatch(runId: string, logs: BatchLogs): void;
      onEpoch(runId: string, logs: EpochLogs): void;
      /** Many events in one update: training can send hundreds a second. */
      apply(events: readonly RunEvent[]): void;
      select(runId: string | null): void;
    }
  >()((set) => ({
    live: {},
    activeRunId: null,
    selectedRunId: null,
    starting: false,
    preparing: null,
    cancelling: false,
    pausing: false,
    startError: null,
    reset: () =>
      set({
        live: {},
        activeRunId: null,
        selectedRunId: null,
        starting: false,
        preparing: null,
        cancelling: false,
        pausing: false,
        startError: null,
      }),
    onBatch: (runId, logs) => set((s) => ({ live: applyEvents(s.live, [{ kind: 'batch', runId, logs }]) })),
    onEpoch: (runId, logs) => set((s) => ({ live: applyEvents(s.live, [{ kind: 'epoch', runId, logs }]) })),
    apply: (events) => {
      if (events.length > 0) set((s) => ({ live: applyEvents(s.live, events) }));
    },
    select: (runId) => set({ selectedRunId: runId }),
  }));
}

/** The last merge of each saved epoch list, so the same inputs give the same array (and memoised views skip). */
const merges = new WeakMap<readonly EpochLogs[], { streamed: readonly EpochLogs[]; merged: EpochLogs[] }>();

/**
 * A run's epochs: the saved summary merged with what streamed in since (after a reload the
 * summary holds the first epochs and the stream the rest).
 */
export function runEpochs(summary: RunSummary | undefined, live: LiveRun | undefined): EpochLogs[] {
  const saved = summary?.epochs ?? [];
  const streamed = live?.epochs ?? [];
  if (streamed.length === 0) return saved;
  if (saved.length === 0) return streamed;
  const cached = merges.get(saved);
  if (cached?.streamed === streamed) return cached.merged;
  const merged = mergeEpochs(saved, streamed);
  merges.set(saved, { streamed, merged });
  return merged;
}

function mergeEpochs(saved: readonly EpochLogs[], streamed: readonly EpochLogs[]): EpochLogs[] {
  const last = saved[saved.length - 1]!.epoch;
  if (streamed[0]!.epoch > last) return [...saved, ...streamed];
  const byEpoch = new Map(saved.map((e) => [e.epoch, e]));
  for (const e of streamed) byEpoch.set(e.epoch, e);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}
