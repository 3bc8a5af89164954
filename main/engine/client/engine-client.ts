import { randomUUID } from 'node:crypto';
import {
  EngineEvent,
  EngineRequest,
  type TrainRequest,
  type EvaluateResult,
  type ExportResult,
  type PreparedData,
} from '../../../app/engine/protocol';
import { formatZodError, UserError } from '../../../app/ipc/errors';
import type { BackendReport } from '../../../app/project/schema';
import type { ExportProgress } from '../../../app/progress/work-progress';
import { forkSpawner, type EngineChannel, type EngineSpawner } from './engine-channel';

// No TensorFlow.js in this file or anything it imports: it runs in the main process, and the
// whole point of the engine process is that tfjs (and its crashes) stay over there.

export type { TrainRequest };
/** What an export needs: the model, the rows to check it on, where to write it and in which format. */
export type ExportRequest = Omit<Extract<EngineRequest, { type: 'export' }>, 'type' | 'requestId'>;
export interface EvaluateRequest {
  modelDir: string;
  data: PreparedData;
  maxRows: number;
}
export type ProgressEvent = Extract<EngineEvent, { type: 'batch' | 'epoch' }>;
/** The LR range test's result for a run with learningRate 'auto' (or lrFinderOnly). */
export type LrFinderEvent = Extract<EngineEvent, { type: 'lrFinder' }>;
export type DoneEvent = Extract<EngineEvent, { type: 'done' }>;
export type EngineState = 'starting' | 'ready' | 'crashed';
export interface EngineStatus {
  state: EngineState;
  backend: BackendReport | null;
  message: string | null;
}

export interface EngineClientOptions {
  /** How to start the engine process; child_process.fork of engine-main.ts by default. */
  spawn?: EngineSpawner;
  /** Force a backend (LAYERLAB_BACKEND), e.g. 'cpu' or 'wasm'; by default the parent's env decides. */
  backend?: string;
  /** Extra environment for the engine process. */
  env?: Record<string, string>;
  /** How long start() waits for 'ready' (default 60 s). */
  startTimeoutMs?: number;
}

const OUTPUT_TAIL_LINES = 20;

interface PendingRun {
  onEvent: (event: ProgressEvent) => void;
  onPaused: ((paused: boolean) => void) | undefined;
  onLrFinder?: ((result: LrFinderEvent['result']) => void) | undefined;
  onLrFinderStep?: ((done: number, steps: number) => void) | undefined;
  resolve: (done: DoneEvent) => void;
}
interface PendingExport {
  resolve: (result: ExportResult) => void;
  reject: (error: Error) => void;
  onProgress?: ((progress: ExportProgress) => void) | undefined;
}
interface PendingEvaluation {
  resolve: (result: EvaluateResult) => void;
  reject: (error: Error) => void;
}
interface PendingPredict {
  resolve: (outputs: number[][]) => void;
  reject: (error: Error) => void;
}
export interface PredictRequest {
  modelDir: string;
  inputWidth: number;
  /** Row-major encoded inputs, rows × inputWidth. */
  x: ArrayLike<number>;
}

function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `signal ${signal}`;
  if (code !== null) return `exit code ${code}`;
  return 'it could not be started';
}

/**
 * The main process's handle on the engine process: starts it, validates every message both
 * ways, routes events to the run or export that asked, and turns an engine that dies into a
 * failed run (never a hang), starting a fresh engine on the next request.
 */
export class EngineClient {
  private channel: EngineChannel | null = null;
  private starting: Promise<BackendReport> | null = null;
  private current: EngineStatus = { state: 'starting', backend: null, message: null };
  private readonly statusListeners = new Set<(status: EngineStatus) => void>();
  private readonly runs = new Map<string, PendingRun>();
  private readonly exports = new Map<string, PendingExport>();
  private readonly evaluations = new Map<string, PendingEvaluation>();
  private readonly predictions = new Map<string, PendingPredict>();
  private readonly spawn: EngineSpawner;
  private readonly env: Record<string, string>;
  private readonly startTimeoutMs: number;
  private outputTail: string[] = [];
  private lastEngineError: string | null = null;
  /** Rejects the start in progress (dispose during start must not leave start() hanging). */
  private abortStart: ((reason: string) => void) | null = null;

  constructor(options: EngineClientOptions = {}) {
    this.spawn = options.spawn ?? forkSpawner();
    this.env = { ...options.env };
    if (options.backend) this.env['LAYERLAB_BACKEND'] = options.backend;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
  }

  get status(): EngineStatus {
    return { ...this.current };
  }

  /** The engine process id while one runs (tests kill it to check crash handling). */
  get pid(): number | undefined {
    return this.channel?.pid;
  }

  /** Subscribe to status changes; returns the unsubscribe function. */
  onStatus(listener: (status: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Start the engine (or return the running one's backend). Rejects if it exits first or is not ready in time. */
  start(): Promise<BackendReport> {
    if (this.channel && this.current.state === 'ready' && this.current.backend)
      return Promise.resolve(this.current.backend);
    if (this.starting) return this.starting;
    const starting = this.launch().finally(() => {
      if (this.starting === starting) this.starting = null;
    });
    this.starting = starting;
    return starting;
  }

  /**
   * Train one run; resolves with its 'done' event, also when the engine dies mid-run (status
   * 'failed' with the reason, and `crashed`). Progress events go to onEvent; onPaused hears
   * when a pause or resume has taken effect; onLrFinder gets the LR range test's result ('auto'),
   * onLrFinderStep each of its steps as it is taken.
   */
  async train(
    request: TrainRequest,
    onEvent: (event: ProgressEvent) => void,
    onPaused?: (paused: boolean) => void,
    onLrFinder?: (result: LrFinderEvent['result']) => void,
    onLrFinderStep?: (done: number, steps: number) => void,
  ): Promise<DoneEvent> {
    const failed = (error: string): DoneEvent => ({
      type: 'done',
      runId: request.runId,
      status: 'failed',
      error,
      hasModel: false,
    });
    const message = { type: 'train' as const, ...request };
    const parsed = EngineRequest.safeParse(message);
    if (!parsed.success) return failed(formatZodError(parsed.error, 'The training request is not valid'));
    if (this.runs.has(request.runId)) return failed(`Run ${request.runId} is already training.`);
    try {
      await this.start();
    } catch (error) {
      return failed((error as Error).message);
    }
    return new Promise<DoneEvent>((resolve) => {
      this.runs.set(request.runId, { onEvent, onPaused, onLrFinder, onLrFinderStep, resolve });
      this.channel?.send(parsed.data);
    });
  }

  /** Ask the engine to stop a run after its current batch; the run's train() resolves 'cancelled'. */
  cancel(runId: string): void {
    if (this.runs.has(runId)) this.channel?.send({ type: 'cancel', runId });
  }

  /** Hold a run after its current batch; a 'paused' progress event confirms it. */
  pause(runId: string): void {
    if (this.runs.has(runId)) this.channel?.send({ type: 'pause', runId });
  }

  resume(runId: string): void {
    if (this.runs.has(runId)) this.channel?.send({ type: 'resume', runId });
  }

  /**
   * Export a trained model folder to outDir, verified by reloading; rejects with the engine's
   * message. `onProgress` hears each step as it starts; `signal` cancels between steps: the
   * promise rejects once the engine has removed what it staged (ExportCancelled's message).
   */
  async exportModel(
    request: ExportRequest,
    options: { onProgress?: (progress: ExportProgress) => void; signal?: AbortSignal } = {},
  ): Promise<ExportResult> {
    const requestId = randomUUID();
    const parsed = EngineRequest.safeParse({ type: 'export', requestId, ...request });
    if (!parsed.success) throw new Error(formatZodError(parsed.error, 'The export request is not valid'));
    const { signal, onProgress } = options;
    await this.start();
    if (signal?.aborted) throw new UserError(`The export was cancelled; nothing was written to ${request.outDir}.`);
    const cancel = () => this.channel?.send({ type: 'cancelExport', requestId });
    signal?.addEventListener('abort', cancel, { once: true });
    return new Promise<ExportResult>((resolve, reject) => {
      this.exports.set(requestId, { resolve, reject, onProgress });
      this.channel?.send(parsed.data);
    }).finally(() => signal?.removeEventListener('abort', cancel));
  }

  /** The model's raw outputs for encoded rows, one array per row; rejects with the engine's message. */
  async predict(request: PredictRequest): Promise<number[][]> {
    const requestId = randomUUID();
    const parsed = EngineRequest.safeParse({
      type: 'predict',
      requestId,
      modelDir: request.modelDir,
      inputWidth: request.inputWidth,
      x: Array.from(request.x),
    });
    if (!parsed.success) throw new Error(formatZodError(parsed.error, 'The prediction request is not valid'));
    await this.start();
    return new Promise<number[][]>((resolve, reject) => {
      this.predictions.set(requestId, { resolve, reject });
      this.channel?.send(parsed.data);
    });
  }

  /** Predict on a run's validation rows; rejects with the engine's message. */
  async evaluate(request: EvaluateRequest): Promise<EvaluateResult> {
    const requestId = randomUUID();
    const parsed = EngineRequest.safeParse({ type: 'evaluate', requestId, ...request });
    if (!parsed.success) throw new Error(formatZodError(parsed.error, 'The evaluation request is not valid'));
    await this.start();
    return new Promise<EvaluateResult>((resolve, reject) => {
      this.evaluations.set(requestId, { resolve, reject });
      this.channel?.send(parsed.data);
    });
  }

  /** Stop the engine process. Pending runs resolve as failed, pending exports reject. */
  dispose(): void {
    const channel = this.channel;
    this.channel = null;
    this.starting = null;
    this.abortStart?.('The training engine was shut down before it was ready.');
    this.settleAll('The training engine was shut down; the run was stopped.');
    channel?.kill();
    this.setStatus({ state: 'starting', backend: null, message: null });
  }

  private setStatus(status: EngineStatus): void {
    this.current = status;
    for (const listener of this.statusListeners) {
      try {
        listener({ ...status });
      } catch {
        // A listener's bug must not break the engine's bookkeeping.
      }
    }
  }

  private settleAll(reason: string, crashed = false): void {
    for (const [runId, run] of this.runs)
      run.resolve({
        type: 'done',
        runId,
        status: 'failed',
        error: reason,
        hasModel: false,
        ...(crashed ? { crashed } : {}),
      });
    this.runs.clear();
    for (const pending of this.exports.values()) pending.reject(new Error(reason));
    this.exports.clear();
    for (const pending of this.evaluations.values()) pending.reject(new Error(reason));
    this.evaluations.clear();
    for (const pending of this.predictions.values()) pending.reject(new Error(reason));
    this.predictions.clear();
  }

  private lastOutput(): string {
    const line = [...this.outputTail].reverse().find((l) => l.trim() !== '');
    return line ? ` Last engine output: ${line.trim()}` : '';
  }

  private launch(): Promise<BackendReport> {
    this.setStatus({ state: 'starting', backend: null, message: null });
    this.outputTail = [];
    this.lastEngineError = null;
    return new Promise<BackendReport>((resolve, reject) => {
      let channel: EngineChannel;
      try {
        channel = this.spawn(this.env);
      } catch (error) {
        const message = `The training engine could not be started: ${(error as Error).message}`;
        this.setStatus({ state: 'crashed', backend: null, message });
        reject(new Error(message));
        return;
      }
      this.channel = channel;
      let ready = false;
      this.abortStart = (reason) => {
        clearTimeout(timer);
        reject(new Error(reason));
      };
      const timer = setTimeout(() => {
        if (ready || this.channel !== channel) return;
        const message = `The training engine did not get ready within ${this.startTimeoutMs / 1000} s.${this.lastOutput()}`;
        this.channel = null;
        channel.kill();
        this.setStatus({ state: 'crashed', backend: null, message });
        reject(new Error(message));
      }, this.startTimeoutMs);

      channel.onOutput?.((line) => {
        this.outputTail.push(line);
        if (this.outputTail.length > OUTPUT_TAIL_LINES) this.outputTail.shift();
      });
      channel.onMessage((raw) => {
        if (this.channel !== channel) return; // a disposed or replaced engine
        const parsed = EngineEvent.safeParse(raw);
        if (!parsed.success) {
          this.lastEngineError = formatZodError(parsed.error, 'The engine sent a malformed message');
          return;
        }
        const event = parsed.data;
        if (event.type === 'ready' && !ready) {
          ready = true;
          this.abortStart = null;
          clearTimeout(timer);
          this.setStatus({ state: 'ready', backend: event.backend, message: null });
          resolve(event.backend);
          return;
        }
        this.route(event);
      });
      channel.onExit((code, signal) => {
        clearTimeout(timer);
        if (this.channel !== channel) return; // disposed on purpose, or already replaced
        this.channel = null;
        const how = describeExit(code, signal);
        if (!ready) {
          const why = this.lastEngineError ? `: ${this.lastEngineError}` : `.${this.lastOutput()}`;
          const message = `The training engine exited before it was ready (${how})${why}`;
          this.setStatus({ state: 'crashed', backend: null, message });
          reject(new Error(message));
          return;
        }
        const message = `The training engine stopped unexpectedly (${how})`;
        this.settleAll(
          `${message}; the run was stopped. It may have run out of memory: try a smaller batch size or model, then train again (a fresh engine starts automatically).${this.lastOutput()}`,
          true,
        );
        this.setStatus({ state: 'crashed', backend: this.current.backend, message: `${message}.${this.lastOutput()}` });
      });
    });
  }

  private route(event: EngineEvent): void {
    switch (event.type) {
      case 'batch':
      case 'epoch':
      case 'lrFinder':
      case 'lrFinderStep':
      case 'paused': {
        const run = this.runs.get(event.runId);
        try {
          if (event.type === 'paused') run?.onPaused?.(event.paused);
          else if (event.type === 'lrFinder') run?.onLrFinder?.(event.result);
          else if (event.type === 'lrFinderStep') run?.onLrFinderStep?.(event.done, event.steps);
          else run?.onEvent(event);
        } catch {
          // The caller's progress handler failing must not lose the run's result.
        }
        return;
      }
      case 'done': {
        const run = this.runs.get(event.runId);
        this.runs.delete(event.runId);
        run?.resolve(event);
        return;
      }
      case 'exportProgress': {
        const { type: _type, requestId, ...progress } = event;
        try {
          this.exports.get(requestId)?.onProgress?.(progress);
        } catch {
          // The caller's progress handler failing must not lose the export's result.
        }
        return;
      }
      case 'exported': {
        this.exports.get(event.requestId)?.resolve(event.result);
        this.exports.delete(event.requestId);
        return;
      }
      case 'exportFailed': {
        this.exports.get(event.requestId)?.reject(new UserError(event.error));
        this.exports.delete(event.requestId);
        return;
      }
      case 'predicted': {
        this.predictions.get(event.requestId)?.resolve(event.outputs);
        this.predictions.delete(event.requestId);
        return;
      }
      case 'predictFailed': {
        this.predictions.get(event.requestId)?.reject(new UserError(event.error));
        this.predictions.delete(event.requestId);
        return;
      }
      case 'evaluated': {
        this.evaluations.get(event.requestId)?.resolve(event.result);
        this.evaluations.delete(event.requestId);
        return;
      }
      case 'evaluateFailed': {
        this.evaluations.get(event.requestId)?.reject(new UserError(event.error));
        this.evaluations.delete(event.requestId);
        return;
      }
      case 'error':
        this.lastEngineError = event.error;
        return;
      case 'ready':
        return;
    }
  }
}
