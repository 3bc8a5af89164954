import { BATCH_EVENT_INTERVAL_MS } from '../../../app/engine/event-rate';
import { EngineRequest, type EngineEvent } from '../../../app/engine/protocol';
import { formatZodError } from '../../../app/ipc/errors';
import type { BackendReport } from '../../../app/project/schema';
import { evaluateModel } from './evaluate';
import { exportModel } from './export';
import { predictRows } from './predict';
import { train, type TrainJob } from './train';

export { BATCH_EVENT_INTERVAL_MS };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface ActiveRun {
  runId: string;
  cancelled: boolean;
  paused: boolean;
  /** Wakes the training loop held in whilePaused (on resume or cancel). */
  wake: (() => void) | null;
}

/**
 * The engine's request handling, separate from its transport (engine-main.ts): validates every
 * message, trains one run at a time, exports on request. Never throws: every failure becomes
 * an event the parent can show.
 */
export class EngineService {
  private active: ActiveRun | null = null;
  /** Exports in progress by request id, so that cancelExport can stop one. */
  private readonly exports = new Map<string, AbortController>();

  constructor(
    private readonly send: (event: EngineEvent) => void,
    private readonly backend: BackendReport,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get busyWith(): string | null {
    return this.active?.runId ?? null;
  }

  handle(raw: unknown): void {
    const parsed = EngineRequest.safeParse(raw);
    if (!parsed.success) {
      this.send({ type: 'error', error: formatZodError(parsed.error, 'The engine received a malformed request') });
      return;
    }
    const request = parsed.data;
    switch (request.type) {
      case 'hello':
        this.send({ type: 'ready', backend: this.backend });
        return;
      case 'train':
        void this.train(request);
        return;
      case 'cancel':
        // A cancel for a run that already ended is a normal race, not an error.
        if (this.active?.runId === request.runId) {
          this.active.cancelled = true;
          this.active.wake?.();
        }
        return;
      case 'pause':
        // Takes effect after the batch in progress; the 'paused' event says when it has.
        if (this.active?.runId === request.runId) this.active.paused = true;
        return;
      case 'resume':
        if (this.active?.runId === request.runId) {
          this.active.paused = false;
          this.active.wake?.();
        }
        return;
      case 'export':
        void this.export(request);
        return;
      case 'cancelExport':
        // A cancel for an export that already ended is a normal race, not an error.
        this.exports.get(request.requestId)?.abort();
        return;
      case 'evaluate':
        void this.evaluate(request);
        return;
      case 'predict':
        void this.predict(request);
        return;
    }
  }

  private async train(job: TrainJob): Promise<void> {
    if (this.active) {
      this.send({
        type: 'done',
        runId: job.runId,
        status: 'failed',
        error: `The engine is busy with run ${this.active.runId}; wait for it to finish or cancel it.`,
        hasModel: false,
      });
      return;
    }
    const run: ActiveRun = { runId: job.runId, cancelled: false, paused: false, wake: null };
    this.active = run;
    let lastBatchAt = -Infinity;
    try {
      const outcome = await train(job, {
        onBatch: (logs) => {
          const t = this.now();
          if (t - lastBatchAt < BATCH_EVENT_INTERVAL_MS) return;
          lastBatchAt = t;
          this.send({ type: 'batch', runId: job.runId, logs });
        },
        onEpoch: (logs) => this.send({ type: 'epoch', runId: job.runId, logs }),
        onLrFinder: (result) => this.send({ type: 'lrFinder', runId: job.runId, result }),
        onLrFinderStep: (done, steps) => this.send({ type: 'lrFinderStep', runId: job.runId, done, steps }),
        isCancelled: () => run.cancelled,
        whilePaused: async () => {
          if (!run.paused || run.cancelled) return;
          this.send({ type: 'paused', runId: job.runId, paused: true });
          while (run.paused && !run.cancelled) await new Promise<void>((resolve) => (run.wake = resolve));
          run.wake = null;
          this.send({ type: 'paused', runId: job.runId, paused: false });
        },
      });
      this.send({
        type: 'done',
        runId: job.runId,
        status: outcome.status,
        error: outcome.error,
        hasModel: outcome.hasModel,
        ...(outcome.earlyStopped ? { earlyStopped: outcome.earlyStopped } : {}),
      });
    } catch (error) {
      this.send({
        type: 'done',
        runId: job.runId,
        status: 'failed',
        error: `Training failed unexpectedly: ${messageOf(error)}`,
        hasModel: false,
      });
    } finally {
      this.active = null;
    }
  }

  private async predict(request: Extract<EngineRequest, { type: 'predict' }>): Promise<void> {
    try {
      const outputs = await predictRows(request);
      this.send({ type: 'predicted', requestId: request.requestId, outputs });
    } catch (error) {
      this.send({ type: 'predictFailed', requestId: request.requestId, error: messageOf(error) });
    }
  }

  private async export(request: Extract<EngineRequest, { type: 'export' }>): Promise<void> {
    const { requestId } = request;
    const controller = new AbortController();
    this.exports.set(requestId, controller);
    try {
      const result = await exportModel({
        ...request,
        signal: controller.signal,
        onProgress: (progress) => this.send({ type: 'exportProgress', requestId, ...progress }),
      });
      this.send({ type: 'exported', requestId, result });
    } catch (error) {
      this.send({ type: 'exportFailed', requestId, error: messageOf(error) });
    } finally {
      this.exports.delete(requestId);
    }
  }

  private async evaluate(request: Extract<EngineRequest, { type: 'evaluate' }>): Promise<void> {
    try {
      const result = await evaluateModel(request);
      this.send({ type: 'evaluated', requestId: request.requestId, result });
    } catch (error) {
      this.send({ type: 'evaluateFailed', requestId: request.requestId, error: messageOf(error) });
    }
  }
}
