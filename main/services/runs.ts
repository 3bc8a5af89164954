import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAugmenting, type Augmentation } from '../../app/dataset/images';
import type { TaskSpec } from '../../app/dataset/schema';
import { BATCH_EVENT_INTERVAL_MS } from '../../app/engine/event-rate';
import { PreparedData } from '../../app/engine/protocol';
import type { ModelGraph } from '../../app/graph/schema';
import { formatZodError, UserError } from '../../app/ipc/errors';
import type { EpochLogs, RunSummary } from '../../app/project/schema';
import { requireSetup, resolveRunConfig, resolveSetup } from '../../app/setup/setup';
import { TrainConfigError, type RunTrainConfig, type TrainConfig } from '../../app/training/config';
import { autoFields, resolveAutoSettings } from '../../app/training/auto-settings';
import { prepareTrainingData, writeFileAtomic, writeJsonAtomic, type ProjectService } from '../data';
import { prepareImageData } from '../data/images/prepare-images';
import { prepareWindowedData } from '../data/prepare-windows';
import type { EngineClient } from '../engine/client';
import { readCheckpointState } from '../engine/shared/checkpoint-state';
import type { EventBus } from '../ipc/event-bus';
import { computeBaseline, forecastReport, headBaselines } from './baseline';
import { projectWeightsFile } from './model-import';
import { runLearningCurve } from './learning-curve';
import { finishRunManifest, writeRunManifest } from './manifest';
import type { LearningCurve } from '../../app/ipc/contract';
import { LR_TEST_PHASE, phaseAt, type PhaseProgress } from '../../app/progress/work-progress';

export { LR_TEST_PHASE };

export interface StartRunInput {
  projectId: string;
  taskSpec: TaskSpec;
  graph: ModelGraph;
  trainConfig: TrainConfig;
  /** An imported model's weights file (absolute path): copied into the run, the nodes' start values. */
  initialWeights?: string;
  /** Image datasets: augmentation of the training batches (off when absent). */
  augmentation?: Partial<Augmentation>;
  /** Run the LR range test only (`layerlab lr-find`): the run records lrFinder and trains nothing. */
  lrFinderOnly?: boolean;
  /** The file or folder the dataset was imported from, when known (the CLI): its SHA-256 goes in manifest.json. */
  dataSource?: { path: string; folder: boolean };
  /** Stops the run while its data is prepared (the CLI's Ctrl-C; the app cancels by the run id of run.prepareProgress). */
  signal?: AbortSignal;
}

/** Engine crashes one run survives; a run that keeps killing its engine is stopped. */
export const MAX_RECOVERIES = 3;
/** runs/<id>/config.json: every setting the run used, defaults filled in. */
export const RUN_CONFIG_FILE = 'config.json';
/** runs/<id>/initial-weights.bin: the imported weights the run started from. */
export const INITIAL_WEIGHTS_FILE = 'initial-weights.bin';

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Runs: prepare the data, train in the engine process, keep the history on disk as it grows
 * (run.json + metrics.jsonl), and tell every renderer. One run trains at a time.
 */
export class RunManager {
  private active: { projectId: string; runId: string; done: Promise<RunSummary> } | null = null;
  /** A run whose data is being prepared (before the engine trains it): cancel() stops it. */
  private preparing: { projectId: string; runId: string; controller: AbortController } | null = null;
  /** manifest.json being written for a run that has started (by its folder): its end waits for it. */
  private readonly manifests = new Map<string, Promise<unknown>>();
  /** A learning curve in progress: it holds the one engine as a run does. */
  private curve: { projectId: string; runId: string; cancelled: boolean; engineRunId: string | null } | null = null;

  constructor(private readonly deps: { projects: ProjectService; engine: EngineClient; bus: EventBus }) {}

  get activeRun(): { projectId: string; runId: string } | null {
    return this.active && { projectId: this.active.projectId, runId: this.active.runId };
  }

  async start(input: StartRunInput): Promise<RunSummary> {
    const { projects, engine } = this.deps;
    if (this.active)
      throw new UserError(`Run ${this.active.runId} is still training. Cancel it or wait for it to finish.`);
    if (this.preparing)
      throw new UserError(
        `The data of run ${this.preparing.runId} is being prepared. Cancel it or wait for it to start training.`,
      );
    if (this.curve)
      throw new UserError(
        `A learning curve for run ${this.curve.runId} is being computed. Cancel it or wait for it to finish.`,
      );
    const state = await projects.open(input.projectId);
    const datasetId = state.project.datasetId;
    // An image dataset has one task, classifying by class folder, and streams from its shards.
    const images = state.imageDataset ?? null;
    if (!datasetId || (!state.dataset && !images)) throw new UserError('Import a dataset before training.');
    // One setup, the CLI's and the editor's: the graph must fit the data as sent (the editor keeps them in
    // step, but a stale or hand-written graph may not), and impossible settings (sparse cross-entropy on a
    // regression...) are refused before any work; settings left to Layerlab are chosen for this data.
    const setup = requireSetup(
      resolveSetup({
        data: images ? { kind: 'images', meta: images } : { kind: 'table', meta: state.dataset! },
        taskSpec: input.taskSpec,
        model: { graph: input.graph, fit: 'check' },
        trainConfig: input.trainConfig,
      }),
    );
    const { binding, dataKind } = setup;
    const autoSettings = autoFields(input.trainConfig);
    const resolveFor = (config: TrainConfig & { epochs: number; batchSize: number }): RunTrainConfig => {
      try {
        return resolveRunConfig(config, { ...setup, taskSpec: input.taskSpec });
      } catch (error) {
        if (error instanceof TrainConfigError) throw new UserError(`Training settings: ${error.message}`);
        throw error;
      }
    };
    await projects.save(input.projectId, {
      taskSpec: input.taskSpec,
      graph: input.graph,
      trainConfig: input.trainConfig,
    });

    const runId = newRunId(new Date());
    const runDir = projects.runDir(input.projectId, runId);
    // Preparing a large table takes a while (issue 19: a minute at 10M rows): its phases go out as
    // run.prepareProgress, and a cancel (the caller's signal, or cancel() by this run's id) stops it.
    const controller = new AbortController();
    const stopPreparing = () => controller.abort();
    if (input.signal?.aborted) controller.abort();
    input.signal?.addEventListener('abort', stopPreparing, { once: true });
    const preparing = { projectId: input.projectId, runId, controller };
    this.preparing = preparing;
    const preparation = {
      signal: controller.signal,
      onProgress: (progress: PhaseProgress) =>
        this.deps.bus.emit('run.prepareProgress', { projectId: input.projectId, runId, ...progress }),
    };
    await mkdir(runDir, { recursive: true });
    try {
      const datasetDir = path.join(projects.datasetsDir(input.projectId), datasetId);
      const split = {
        validationSplit: input.trainConfig.validationSplit,
        seed: input.trainConfig.seed,
        outDir: path.join(runDir, 'data'),
      };
      const data = images
        ? await prepareImageData({
            datasetDir,
            ...split,
            ...(input.augmentation ? { augmentation: input.augmentation } : {}),
          })
        : input.taskSpec.timeSeries
          ? // Time series: windows in time order; the test share (if any) is the series' latest rows.
            await prepareWindowedData({
              datasetDir,
              meta: state.dataset!,
              taskSpec: input.taskSpec,
              validationSplit: split.validationSplit,
              outDir: split.outDir,
              ...preparation,
            })
          : await prepareTrainingData({
              datasetDir,
              meta: state.dataset!,
              taskSpec: input.taskSpec,
              ...split,
              ...(binding ? { binding } : {}),
              ...preparation,
            });
      controller.signal.throwIfAborted();
      await writeJsonAtomic(path.join(runDir, 'data', 'prepared.json'), data);
      const trainConfig = resolveFor(
        resolveAutoSettings(input.trainConfig, { kind: dataKind, trainRows: data.trainRows }),
      );
      await writeJsonAtomic(path.join(runDir, RUN_CONFIG_FILE), trainConfig);
      // The run keeps its own copy, so it can resume (and be retrained) even if the original moves.
      // An imported model's weights: named by the caller (the CLI), or by the graph, relative to the project (the editor).
      const weightsSource =
        input.initialWeights ??
        (input.graph.weights
          ? projectWeightsFile(projects.projectDir(input.projectId), input.graph.weights)
          : undefined);
      const initialWeights = weightsSource ? path.join(runDir, INITIAL_WEIGHTS_FILE) : undefined;
      if (weightsSource && initialWeights) {
        await copyFile(weightsSource, initialWeights).catch((error: NodeJS.ErrnoException) => {
          throw new UserError(
            `Cannot read the model's weights file ${input.initialWeights ?? input.graph.weights}: ${error.code === 'ENOENT' ? 'it does not exist' : (error.code ?? error.message)}.`,
          );
        });
      }
      const baseline = await computeBaseline(data, input.trainConfig.loss);
      const heads = data.heads && data.heads.length > 1 ? data.heads : null;
      const perHead = heads ? await headBaselines(data) : null;
      const backend = engine.status.backend ?? (await engine.start());
      const summary: RunSummary = {
        id: runId,
        status: 'running',
        startedAt: new Date().toISOString(),
        endedAt: null,
        error: null,
        task: input.taskSpec.task,
        taskSpec: input.taskSpec,
        trainConfig,
        ...(autoSettings.length > 0 ? { autoSettings } : {}),
        graph: input.graph,
        backend,
        epochs: [],
        hasModel: false,
        pid: process.pid,
        baseline,
        ...(heads && perHead
          ? {
              headBaselines: heads.map((h) => ({
                node: h.node,
                target: h.target,
                task: h.task,
                baseline: perHead[h.node] ?? null,
              })),
            }
          : {}),
        ...(data.images
          ? { augmentation: isAugmenting(data.images.augmentation) ? data.images.augmentation : null }
          : {}),
      };
      // The last moment a cancel stops it here: from now on the run is the engine's to stop.
      controller.signal.throwIfAborted();
      this.preparing = null;
      await projects.writeRun(input.projectId, summary);
      // What it takes to train this run again (layerlab reproduce): data and graph hashes, settings,
      // environment. Hashing the data (thousands of image files, a large CSV) runs in this process
      // while the engine trains on the other core; the run's end waits for it (finishManifest).
      const manifestWritten = writeRunManifest(runDir, {
        datasetDir,
        taskSpec: input.taskSpec,
        requested: structuredClone(input.trainConfig),
        summary: structuredClone(summary),
        source: input.dataSource,
      });
      manifestWritten.catch(() => undefined);
      this.manifests.set(runDir, manifestWritten);
      const done = this.execute(input.projectId, runDir, summary, data, initialWeights, input.lrFinderOnly ?? false);
      this.active = { projectId: input.projectId, runId, done };
      return structuredClone(summary);
    } catch (error) {
      // A run that never got to train (a full disk, weights that cannot be read, a cancel, …) leaves no folder behind.
      if (this.active?.runId !== runId) await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
      if (controller.signal.aborted)
        throw new UserError('The run was cancelled while its data was being prepared; nothing was trained.');
      throw error;
    } finally {
      if (this.preparing === preparing) this.preparing = null;
      input.signal?.removeEventListener('abort', stopPreparing);
    }
  }

  /** Resolves with the final summary of a run this manager started. */
  async whenDone(runId: string): Promise<RunSummary> {
    if (!this.active || this.active.runId !== runId) throw new UserError(`Run ${runId} is not training.`);
    return this.active.done;
  }

  /**
   * Retrain a finished run on 10/25/50/100% of its training split, one retraining after another,
   * with progress as run.learningCurveProgress events; resolves with the points in order.
   */
  async learningCurve(projectId: string, runId: string): Promise<LearningCurve> {
    const { projects, engine, bus } = this.deps;
    if (this.active)
      throw new UserError(
        `Run ${this.active.runId} is still training. Wait for it to finish before computing a learning curve.`,
      );
    if (this.curve) throw new UserError(`A learning curve for run ${this.curve.runId} is already being computed.`);
    const curve = { projectId, runId, cancelled: false, engineRunId: null as string | null };
    this.curve = curve;
    try {
      const run = await projects.readRun(projectId, runId);
      if (run.status === 'running') throw new UserError(`Run ${runId} is still training.`);
      const runDir = projects.runDir(projectId, runId);
      const data = await readPreparedData(runDir);
      refuseSeveralInputsOrHeads(data, 'the learning curve supports');
      return await runLearningCurve({
        engine,
        run,
        runDir,
        data,
        isCancelled: () => curve.cancelled,
        onTraining: (engineRunId) => (curve.engineRunId = engineRunId),
        onProgress: (progress) => bus.emit('run.learningCurveProgress', { projectId, runId, ...progress }),
      });
    } finally {
      this.curve = null;
    }
  }

  cancelLearningCurve(projectId: string, runId: string): boolean {
    const curve = this.curve;
    if (!curve || curve.projectId !== projectId || curve.runId !== runId) return false;
    curve.cancelled = true;
    if (curve.engineRunId) this.deps.engine.cancel(curve.engineRunId);
    return true;
  }

  cancel(projectId: string, runId: string): boolean {
    const preparing = this.preparing;
    if (preparing && preparing.projectId === projectId && preparing.runId === runId) {
      preparing.controller.abort();
      return true;
    }
    if (!this.isActive(projectId, runId)) return false;
    this.deps.engine.cancel(runId);
    return true;
  }

  /** Hold the run after its current batch; the run.updated event reports it paused. */
  pause(projectId: string, runId: string): boolean {
    if (!this.isActive(projectId, runId)) return false;
    this.deps.engine.pause(runId);
    return true;
  }

  resume(projectId: string, runId: string): boolean {
    if (!this.isActive(projectId, runId)) return false;
    this.deps.engine.resume(runId);
    return true;
  }

  /**
   * Start-up: every run whose run.json says 'running' but that no process trains (not this
   * manager's active run, and not one of a live process elsewhere on the same workspace) was
   * interrupted by its host's death. It becomes 'interrupted' with the epochs its last
   * checkpoint holds (the truth: an epoch's checkpoint is written before it is reported), and
   * a model when that checkpoint has weights. Returns the runs changed, as "project/run".
   */
  async reconcileInterrupted(): Promise<string[]> {
    const { projects } = this.deps;
    const changed: string[] = [];
    const { projects: list } = await projects.scan();
    for (const item of list) {
      let runs: RunSummary[];
      try {
        runs = (await projects.open(item.id)).runs;
      } catch {
        continue;
      }
      for (const run of runs) {
        if (run.status !== 'running' || this.isActive(item.id, run.id) || trainedElsewhere(run)) continue;
        try {
          await this.markInterrupted(item.id, run);
          changed.push(`${item.id}/${run.id}`);
        } catch (error) {
          console.warn(
            `[layerlab] Could not mark run ${run.id} of project ${item.id} interrupted: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
    return changed;
  }

  private async markInterrupted(projectId: string, run: RunSummary): Promise<void> {
    const { projects } = this.deps;
    const runDir = projects.runDir(projectId, run.id);
    const checkpoint = await readCheckpointState(runDir).catch(() => null);
    const epochs = checkpoint?.state.history ?? [];
    await writeFileAtomic(
      path.join(runDir, 'metrics.jsonl'),
      epochs.map((logs) => `${JSON.stringify(logs)}\n`).join(''),
    );
    const { pid: _pid, ...rest } = run;
    const interrupted: RunSummary = {
      ...rest,
      status: 'interrupted',
      epochs,
      hasModel: checkpoint !== null || existsSync(path.join(runDir, 'model', 'model.json')),
      paused: false,
      endedAt: new Date().toISOString(),
      earlyStopped: null,
      error:
        checkpoint !== null
          ? `Layerlab stopped while this run was training, after epoch ${epochs.length} of ${run.trainConfig.epochs}. Its last checkpoint is kept: resume the run to continue, or use the model of epoch ${epochs.length}.`
          : `Layerlab stopped while this run was training, before its first epoch ended; there is no checkpoint to continue from. Train it again.`,
    };
    await projects.writeRun(projectId, interrupted);
  }

  /**
   * Continue an interrupted run (its host died) from its last checkpoint to its planned epochs,
   * as a run that recovers from an engine crash does. Resolves with the run, training again.
   */
  async continueRun(projectId: string, runId: string): Promise<RunSummary> {
    const { projects, bus } = this.deps;
    if (this.active)
      throw new UserError(`Run ${this.active.runId} is still training. Cancel it or wait for it to finish.`);
    if (this.curve)
      throw new UserError(
        `A learning curve for run ${this.curve.runId} is being computed. Cancel it or wait for it to finish.`,
      );
    const run = await projects.readRun(projectId, runId);
    if (run.status !== 'interrupted')
      throw new UserError(
        `Run ${runId} was not interrupted (it is ${run.status}); only an interrupted run can be resumed from its checkpoint.`,
      );
    const runDir = projects.runDir(projectId, runId);
    const checkpoint = await readCheckpointState(runDir).catch((error: Error) => {
      throw new UserError(`Run ${runId} cannot resume: ${error.message}`);
    });
    if (!checkpoint)
      throw new UserError(
        `Run ${runId} stopped before its first epoch ended and has no checkpoint to resume from; train it again.`,
      );
    const data = await readPreparedData(runDir);
    const initialWeights = path.join(runDir, INITIAL_WEIGHTS_FILE);
    const summary: RunSummary = {
      ...run,
      status: 'running',
      endedAt: null,
      error: null,
      paused: false,
      hasModel: false,
      pid: process.pid,
      epochs: checkpoint.state.history,
      recoveries: [
        ...(run.recoveries ?? []),
        {
          at: new Date().toISOString(),
          fromEpoch: checkpoint.state.epochsDone,
          reason: 'Layerlab stopped while the run was training; resumed from its last checkpoint.',
        },
      ],
    };
    await projects.writeRun(projectId, summary);
    bus.emit('run.updated', { projectId, run: structuredClone(summary) });
    const done = this.execute(
      projectId,
      runDir,
      summary,
      data,
      existsSync(initialWeights) ? initialWeights : undefined,
      false,
      true,
    );
    this.active = { projectId, runId, done };
    return structuredClone(summary);
  }

  /** The run's manifest.json, once written at its start, completed with the settings and backend it ended with. */
  private async finishManifest(runDir: string, summary: RunSummary): Promise<void> {
    await this.manifests.get(runDir)?.catch(() => undefined);
    this.manifests.delete(runDir);
    await finishRunManifest(runDir, summary.trainConfig, summary.backend).catch(() => undefined);
  }

  private isActive(projectId: string, runId: string): boolean {
    return this.active !== null && this.active.runId === runId && this.active.projectId === projectId;
  }

  private async execute(
    projectId: string,
    runDir: string,
    summary: RunSummary,
    data: PreparedData,
    initialWeights?: string,
    lrFinderOnly = false,
    fromCheckpoint = false,
  ): Promise<RunSummary> {
    const { projects, engine, bus } = this.deps;
    const metricsFile = path.join(runDir, 'metrics.jsonl');
    // Epoch events are written in order, each after the one before, so a crash loses at most one line.
    let writes: Promise<unknown> = Promise.resolve();
    let lastBatchSent = -Infinity;
    const saveSnapshot = () => {
      const snapshot = structuredClone(summary);
      writes = writes.then(() => projects.writeRun(projectId, snapshot));
    };
    let lrTestStarted: number | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        // After the LR range test, trainConfig holds the rate it found: a resumed run reuses it.
        const request = {
          runId: summary.id,
          runDir,
          data,
          graph: summary.graph,
          config: summary.trainConfig,
          resume: fromCheckpoint || attempt > 0,
          ...(initialWeights ? { initialWeights } : {}),
          ...(lrFinderOnly ? { lrFinderOnly } : {}),
        };
        const done = await engine.train(
          request,
          (event) => {
            if (event.type === 'batch') {
              // The engine spaces batch events 50 ms apart, but a busy machine delivers them in
              // bursts; spacing them again here keeps the renderer at ≤ 20 a second.
              const now = performance.now();
              if (now - lastBatchSent < BATCH_EVENT_INTERVAL_MS) return;
              lastBatchSent = now;
              bus.emit('run.batch', { projectId, runId: summary.id, logs: event.logs });
            } else {
              summary.epochs.push(event.logs);
              const snapshot = structuredClone(summary);
              writes = writes
                .then(() => appendFile(metricsFile, `${JSON.stringify(event.logs)}\n`))
                .then(() => projects.writeRun(projectId, snapshot));
              bus.emit('run.epoch', { projectId, runId: summary.id, logs: event.logs });
            }
          },
          (paused) => {
            summary.paused = paused;
            saveSnapshot();
            bus.emit('run.updated', { projectId, run: structuredClone(summary) });
          },
          (result) => {
            // 'auto' resolved: the run records the curve, and the rate it trains with as its rate.
            summary.lrFinder = result;
            summary.trainConfig = { ...summary.trainConfig, learningRate: result.suggestion };
            const config = structuredClone(summary.trainConfig);
            writes = writes.then(() => writeJsonAtomic(path.join(runDir, RUN_CONFIG_FILE), config));
            saveSnapshot();
            bus.emit('run.updated', { projectId, run: structuredClone(summary) });
          },
          (stepsDone, steps) => {
            // The LR range test can take minutes before the first batch (300 steps of a CNN on a
            // large image folder): its steps go out in the shape of the data's preparation.
            lrTestStarted ??= performance.now();
            bus.emit('run.prepareProgress', {
              projectId,
              runId: summary.id,
              ...phaseAt(LR_TEST_PHASE, 0, 1, {
                done: stepsDone,
                total: steps,
                unit: 'steps',
                seconds: (performance.now() - lrTestStarted) / 1000,
              }),
            });
          },
        );
        const recoveries = summary.recoveries ?? [];
        if (done.crashed && recoveries.length < MAX_RECOVERIES) {
          // The engine died: a fresh one (EngineClient starts it on the next request) continues
          // from the last checkpoint, whose history replaces what this side had seen.
          await writes.catch(() => undefined);
          const fromEpoch = await this.restoreHistory(summary, runDir, metricsFile);
          summary.paused = false;
          summary.recoveries = [
            ...recoveries,
            {
              at: new Date().toISOString(),
              fromEpoch,
              reason: done.error ?? 'The training engine stopped unexpectedly.',
            },
          ];
          saveSnapshot();
          bus.emit('run.updated', { projectId, run: structuredClone(summary) });
          continue;
        }
        summary.status = done.status;
        summary.error = done.crashed
          ? `${done.error ?? 'The training engine stopped unexpectedly.'} It stopped ${MAX_RECOVERIES + 1} times during this run, so the run was not resumed again.`
          : done.error;
        summary.hasModel = done.hasModel;
        summary.earlyStopped = done.earlyStopped ?? null;
        if (done.hasModel && data.preprocessing.windows) {
          // A forecaster is judged in the target's own units against the naive last value; a failure here leaves the run as it is.
          summary.forecast = await forecastReport(engine, path.join(runDir, 'model'), data).catch(() => null);
        }
        break;
      }
    } catch (error) {
      summary.status = 'failed';
      summary.error = error instanceof Error ? error.message : String(error);
    }
    summary.paused = false;
    delete summary.pid;
    summary.endedAt = new Date().toISOString();
    summary.backend = engine.status.backend ?? summary.backend;
    await writes.catch(() => undefined);
    await projects.writeRun(projectId, summary);
    await this.finishManifest(runDir, summary);
    this.active = null;
    bus.emit('run.ended', { projectId, run: summary });
    return structuredClone(summary);
  }

  /** Epochs from the run's last checkpoint (none if it has none yet): the history to continue. */
  private async restoreHistory(summary: RunSummary, runDir: string, metricsFile: string): Promise<number> {
    const checkpoint = await readCheckpointState(runDir);
    const history: EpochLogs[] = checkpoint?.state.history ?? [];
    summary.epochs = history;
    await writeFileAtomic(metricsFile, history.map((logs) => `${JSON.stringify(logs)}\n`).join(''));
    return checkpoint?.state.epochsDone ?? 0;
  }
}

/** Why a run has no model, for "Run … has no trained model to … (it …)". */
export function whyNoModel(run: RunSummary): string {
  if (run.status === 'running') return 'is still training';
  if (run.status === 'failed') return 'failed';
  if (run.status === 'interrupted') return 'was interrupted before its first epoch ended';
  return 'ended before its first batch';
}

/** A run whose run.json names another process that is still alive: that process trains it. */
function trainedElsewhere(run: RunSummary): boolean {
  if (run.pid === undefined || run.pid === process.pid) return false;
  try {
    process.kill(run.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An interrupted run keeps its last checkpoint but may have no model/ folder (that is written
 * when training ends): write it from the checkpoint's weights, the last finished epoch's, by
 * resuming the run in the engine with no epoch left to train. Other runs: nothing to do.
 */
export async function modelFromCheckpoint(
  deps: { projects: ProjectService; engine: EngineClient },
  projectId: string,
  run: RunSummary,
): Promise<void> {
  const { projects, engine } = deps;
  const runDir = projects.runDir(projectId, run.id);
  if (existsSync(path.join(runDir, 'model', 'model.json')) || run.status !== 'interrupted') return;
  const resumeFirst = `Resume run ${run.id} to get its model`;
  const checkpoint = await readCheckpointState(runDir).catch(() => null);
  if (!checkpoint || checkpoint.state.epochsDone === 0)
    throw new UserError(`Run ${run.id} was interrupted before its first epoch ended: it has no model. Train it again.`);
  if (run.trainConfig.learningRate === 'auto')
    throw new UserError(`${resumeFirst}: its learning rate was never chosen.`);
  const data = await readPreparedData(runDir);
  const initialWeights = path.join(runDir, INITIAL_WEIGHTS_FILE);
  const request = {
    runId: run.id,
    runDir,
    data,
    graph: run.graph,
    config: { ...run.trainConfig, epochs: checkpoint.state.epochsDone },
    resume: true,
    ...(existsSync(initialWeights) ? { initialWeights } : {}),
  };
  const done = await engine.train(request, () => undefined);
  if (!done.hasModel)
    throw new UserError(
      `${resumeFirst}: its model could not be written from the checkpoint (${done.error ?? 'no reason given'}).`,
    );
}

/** The prepared data of a finished run (what the export compares predictions on). */
export async function readPreparedData(runDir: string): Promise<PreparedData> {
  const file = path.join(runDir, 'data', 'prepared.json');
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`This run has no prepared data (${file} is missing); train it again to export.`);
  }
  const parsed = PreparedData.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new UserError(formatZodError(parsed.error, `${file} is damaged`));
  return parsed.data;
}

/**
 * Export, predict, evaluate, the playground and the learning curve read one x and one target:
 * a run with several Inputs or heads is refused by name until they support it.
 */
export function refuseSeveralInputsOrHeads(of: PreparedData | ModelGraph, what: string): void {
  const inputs = 'nodes' in of ? of.nodes.filter((n) => n.type === 'Input').length : (of.inputs?.length ?? 1);
  const heads = 'nodes' in of ? of.nodes.filter((n) => n.type === 'Output').length : (of.heads?.length ?? 1);
  if (inputs <= 1 && heads <= 1) return;
  const parts = [inputs > 1 ? `${inputs} inputs` : null, heads > 1 ? `${heads} output heads` : null]
    .filter((p) => p !== null)
    .join(' and ');
  throw new UserError(`This run has ${parts}; ${what} single-input, single-head models so far.`);
}
