import { applyFix, type Fix } from '../../../app/diagnostics';
import type { EventPayload, ProjectState } from '../../../app/ipc/contract';
import type { ModelImportSummary } from '../../../app/ipc/model-import-contract';
import type { RunSummary } from '../../../app/project/schema';
import { ModelGraph } from '../../../app/graph';
import type { CsvOptions } from '../../../app/dataset/csv-options';
import type { TaskSpec } from '../../../app/dataset/schema';
import type { TrainConfig } from '../../../app/training/config';
import type { ApiClient } from '../api';
import { createHost, createRecent, type Host } from './host';
import { debounce } from '../lib/debounce';
import { messageOf } from '../lib/errors';
import { defaultTaskSpec, deriveProjectTask, deriveTask } from '../features/dataset/task-info';
import { createImageImport } from '../features/dataset/image-import';
import { createGraphStore } from '../features/graph/graph-store';
import { laidOutTemplate, resizedLayers, taskInput } from '../features/graph/graph-model';
import { defaultTemplate } from '../../../app/graph/templates';
import { createProjectStore, STEPS, type Step } from '../features/projects/project-store';
import { createRunStore, type RunEvent } from '../features/train/run-store';
import { createTrainFormStore } from '../features/train/train-form';
import type { ExportOptions } from '../../../app/engine/export-options';

const LAST_PROJECT_KEY = 'layerlab.lastProjectId';
const stepKey = (projectId: string) => `layerlab.step.${projectId}`;

export type Workbench = ReturnType<typeof createWorkbench>;

/**
 * The app's state and the actions that talk to the main side. Views read the stores and call
 * these actions; nothing else calls the API. A factory, so every window (and test) has its own.
 */
export function createWorkbench(
  client: ApiClient,
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null = safeStorage(),
  /** What the window can do with files: native dialogs (Electron) or uploads and the host's file browser (host mode). */
  host: Host = createHost(),
) {
  const { api, connection } = client;
  const project = createProjectStore();
  const graph = createGraphStore();
  const runs = createRunStore();
  const trainForm = createTrainFormStore();
  const disposers: Array<() => void> = [];
  const recent = createRecent(storage);
  /** The upload in progress (host mode), so that Cancel can stop it. */
  let uploading: AbortController | null = null;
  // While a project's saved state is loaded into the stores, that is not an edit to save back.
  let adopting = false;
  /** Run events waiting for the next chart update (see queueRunEvent). */
  let pending: RunEvent[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

  const currentId = () => project.getState().current?.id ?? null;

  const patchCurrent = (fn: (state: ProjectState) => ProjectState) => {
    const current = project.getState().current;
    if (current) project.setState({ current: fn(current) });
  };

  const upsertRun = (run: RunSummary) =>
    patchCurrent((s) => {
      const runs = s.runs.some((r) => r.id === run.id)
        ? s.runs.map((r) => (r.id === run.id ? run : r))
        : [...s.runs, run];
      return { ...s, runs };
    });

  const reportSave = (promise: Promise<unknown>) =>
    promise.then(
      () => project.setState({ saveError: null }),
      (error: unknown) => project.setState({ saveError: `Could not save the project: ${messageOf(error)}` }),
    );

  // --- saving: the graph and the training settings are saved a moment after the last edit.
  const saveGraph = debounce((projectId: string) => {
    const parsed = ModelGraph.safeParse(graph.getState().graph);
    // A half-typed value (units = "") is not saved; the node shows the problem until it is fixed.
    if (!parsed.success || projectId !== currentId()) return;
    patchCurrent((s) => ({ ...s, project: { ...s.project, graph: parsed.data } }));
    void reportSave(api.invoke('project.save', { projectId, graph: parsed.data }));
  }, 500);

  const saveTrainConfig = debounce((projectId: string, trainConfig: TrainConfig) => {
    if (projectId !== currentId()) return;
    void reportSave(api.invoke('project.save', { projectId, trainConfig }));
  }, 500);

  disposers.push(
    graph.subscribe((state, prev) => {
      const id = currentId();
      if (id && state.revision !== prev.revision) saveGraph(id);
    }),
    trainForm.subscribe((state, prev) => {
      const id = currentId();
      if (!id || adopting || state.values === prev.values || !state.config) return;
      const config = state.config;
      patchCurrent((s) => ({ ...s, project: { ...s.project, trainConfig: config } }));
      saveTrainConfig(id, config);
    }),
  );

  const flushSaves = () => {
    saveGraph.flush();
    saveTrainConfig.flush();
  };

  /** Keep the graph sized to the data; a project's first valid task gets the MLP template. */
  const syncGraphToTask = () => {
    const current = project.getState().current;
    if (!current) return;
    const info = deriveProjectTask(current, current.project.taskSpec);
    // Inputs' columns and heads' targets are chosen from a plain table's columns (not images or windows).
    const spec = current.project.taskSpec;
    graph
      .getState()
      .setTable(
        current.dataset && !current.imageDataset && spec && !spec.timeSeries && info.shape
          ? { meta: current.dataset, spec }
          : null,
      );
    if (!info.shape) return;
    const input = taskInput(info.shape);
    if (graph.getState().nodes.length === 0)
      graph.getState().replace(laidOutTemplate(defaultTemplate(input), input, info.shape.head));
    else graph.getState().fitToData(input, info.shape.head);
  };

  // Image folders: upload, import, thumbnails and augmentation (features/dataset/image-import.ts).
  const images = createImageImport({
    api,
    project,
    ...(host.capabilities.uploads
      ? {
          streamToHost: (selection, options) =>
            selection.kind === 'zip' && selection.files.length === 1
              ? host.pathOf(selection.files[0]!.file, options)
              : host.pathOfFolder(selection.files, options),
        }
      : {}),
    onImported: (state) => {
      const wasImages = !!project.getState().current?.imageDataset;
      patchCurrent((s) => ({
        ...s,
        dataset: null,
        imageDataset: state.imageDataset ?? null,
        project: { ...s.project, datasetId: state.project.datasetId, taskSpec: state.project.taskSpec },
      }));
      // A table's model cannot read images: start from the template made for them.
      if (!wasImages) graph.getState().load(null);
      syncGraphToTask();
    },
  });
  disposers.push(images.dispose);

  const adopt = (state: ProjectState, step?: Step) => {
    adopting = true;
    saveGraph.cancel();
    saveTrainConfig.cancel();
    pending = [];
    runs.getState().reset();
    project.setState({
      current: state,
      importError: null,
      saveError: null,
      openError: null,
      createError: null,
      exportResult: null,
      exportError: null,
    });
    graph.getState().load(state.project.graph);
    trainForm.getState().load(state.project.trainConfig);
    adopting = false;
    const remembered = storage?.getItem(stepKey(state.id)) as Step | null;
    project.setState({ step: step ?? (remembered && STEPS.includes(remembered) ? remembered : 'data') });
    storage?.setItem(LAST_PROJECT_KEY, state.id);
    recent.add({ kind: 'project', key: state.id, label: state.project.name });
    // A run may still be training from before a reload: follow it, and let Cancel reach it.
    runs.setState({ activeRunId: state.runs.find((r) => r.status === 'running')?.id ?? null });
    syncGraphToTask();
  };

  const setPaused = async (channel: 'run.pause' | 'run.resume', verb: string) => {
    const projectId = currentId();
    const runId = runs.getState().activeRunId;
    if (!projectId || !runId) return;
    runs.setState({ pausing: true });
    try {
      await api.invoke(channel, { projectId, runId });
    } catch (error) {
      runs.setState({ startError: `Could not ${verb} the run: ${messageOf(error)}` });
    } finally {
      runs.setState({ pausing: false });
    }
  };

  /** Start a run (run.start) or an LR range test alone (run.findLearningRate) on the current settings. */
  async function launchRun(channel: 'run.start' | 'run.findLearningRate'): Promise<void> {
    const current = project.getState().current;
    const config = trainForm.getState().config;
    const parsedGraph = ModelGraph.safeParse(graph.getState().graph);
    const taskSpec = current?.project.taskSpec;
    if (!current || !config || !taskSpec || !parsedGraph.success || runs.getState().starting) return;
    flushSaves();
    runs.setState({ starting: true, startError: null, selectedRunId: null });
    try {
      // An image dataset's runs augment their training batches as the data step set it.
      const augmentation = current.imageDataset ? current.project.augmentation : undefined;
      const run = await api.invoke(channel, {
        projectId: current.id,
        taskSpec,
        graph: parsedGraph.data,
        trainConfig: config,
        ...(augmentation ? { augmentation } : {}),
      });
      upsertRun(run);
      runs.setState({ activeRunId: run.status === 'running' ? run.id : null });
    } catch (error) {
      runs.setState({ startError: messageOf(error) });
    } finally {
      runs.setState({ starting: false });
    }
  }

  /** One CSV import (text or path): progress under its id, the dataset adopted and the task kept or chosen. */
  async function runImport(
    projectId: string,
    fileName: string,
    invoke: (importId: string) => Promise<ProjectState>,
  ): Promise<ProjectState | null> {
    project.setState({ importing: fileName, importError: null, step: 'data' });
    try {
      // The id names this import's progress events and lets the data step cancel it.
      const importId = `import-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const state = await invoke(importId);
      if (projectId !== currentId()) return null;
      // An image model cannot read a table: the table's own template replaces it.
      if (project.getState().current?.imageDataset) graph.getState().load(null);
      patchCurrent((s) => ({
        ...s,
        dataset: state.dataset,
        imageDataset: null,
        project: { ...s.project, datasetId: state.project.datasetId, taskSpec: state.project.taskSpec },
      }));
      const info = deriveTask(state.dataset, state.project.taskSpec);
      const targetKnown = state.dataset?.columns.some((c) => c.name === info.spec?.target && c.kind !== 'ignored');
      if (state.dataset && (!info.spec || !targetKnown)) {
        const spec = defaultTaskSpec(state.dataset);
        if (spec) await actions.setTaskSpec(spec);
      } else syncGraphToTask();
      return state;
    } catch (error) {
      project.setState({ importError: messageOf(error) });
      return null;
    } finally {
      project.setState({ importing: null });
    }
  }

  const actions = {
    async loadAppInfo() {
      try {
        const info = await api.invoke('app.info', {});
        project.setState({ appInfo: info, engine: info.engine });
      } catch {
        // The connection banner explains an unreachable host; the top bar shows "unknown".
      }
    },

    async loadProjects() {
      try {
        project.setState({ projects: await api.invoke('project.list', {}), listError: null });
      } catch (error) {
        project.setState({ listError: messageOf(error) });
      }
    },

    async init() {
      const last = storage?.getItem(LAST_PROJECT_KEY);
      await Promise.all([
        actions.loadAppInfo(),
        actions.loadProjects(),
        last ? actions.openProject(last, { quiet: true }) : null,
      ]);
    },

    async openProject(projectId: string, options: { quiet?: boolean } = {}) {
      flushSaves();
      project.setState({ openingId: projectId, openError: null });
      try {
        adopt(await api.invoke('project.open', { projectId }));
      } catch (error) {
        if (options.quiet) storage?.removeItem(LAST_PROJECT_KEY);
        else project.setState({ openError: `Could not open the project: ${messageOf(error)}` });
      } finally {
        project.setState({ openingId: null });
      }
    },

    async createProject(name: string): Promise<boolean> {
      project.setState({ creating: true, createError: null });
      try {
        adopt(await api.invoke('project.create', { name: name.trim() }), 'data');
        void actions.loadProjects();
        return true;
      } catch (error) {
        project.setState({ createError: messageOf(error) });
        return false;
      } finally {
        project.setState({ creating: false });
      }
    },

    closeProject() {
      flushSaves();
      storage?.removeItem(LAST_PROJECT_KEY);
      runs.getState().reset();
      graph.getState().load(null);
      project.setState({ current: null, step: 'data' });
      void actions.loadProjects();
    },

    setStep(step: Step) {
      flushSaves();
      project.setState({ step });
      const id = currentId();
      if (id) storage?.setItem(stepKey(id), step);
    },

    /**
     * A CSV the user dropped or chose: its path on the main side (Electron's own path for it, or a
     * streamed upload to the host, with progress and Cancel), then imported by path at any size.
     */
    async importFile(file: File, options?: CsvOptions) {
      const lower = file.name.toLowerCase();
      if (!lower.endsWith('.csv') && file.type !== 'text/csv') {
        project.setState({
          importError: `${file.name} is not a CSV file. Choose a .csv file with a header row.`,
          step: 'data',
        });
        return;
      }
      if (!currentId() || uploading) return;
      const controller = new AbortController();
      uploading = controller;
      project.setState({
        importing: file.name,
        importError: null,
        step: 'data',
        ...(host.capabilities.uploads ? { upload: { name: file.name, sent: 0, total: file.size } } : {}),
      });
      let path: string;
      try {
        path = await host.pathOf(file, {
          signal: controller.signal,
          onProgress: (p) => project.setState({ upload: { name: file.name, sent: p.sent, total: p.total } }),
        });
      } catch (error) {
        project.setState({
          importing: null,
          importError: controller.signal.aborted
            ? `The upload of ${file.name} was cancelled; nothing of it was kept.`
            : messageOf(error),
        });
        return;
      } finally {
        uploading = null;
        project.setState({ upload: null });
      }
      await actions.importPath(path, options, file.name);
    },

    /** Stop the upload in progress; the host deletes what it received. */
    cancelUpload() {
      uploading?.abort();
    },

    /** Import a CSV by its path on the main side (a dialog's, an upload's or the host's file browser's). */
    async importPath(path: string, options?: CsvOptions, name = path.split(/[\\/]/).pop() ?? path) {
      const projectId = currentId();
      if (!projectId) return;
      const state = await runImport(projectId, name, (importId) =>
        api.invoke('dataset.importPath', { projectId, path, importId, ...(options ? { options } : {}) }),
      );
      if (state) {
        project.setState({ lastImport: { name, path } });
        recent.add({ kind: 'csv', key: path, label: name });
      }
    },

    /** Read the last imported file again with other options (delimiter, header, encoding…). */
    async reimport(options: CsvOptions) {
      const last = project.getState().lastImport;
      if (last) await actions.importPath(last.path, options, last.name);
    },

    async importText(fileName: string, text: string, options?: CsvOptions) {
      const projectId = currentId();
      if (!projectId) return;
      await runImport(projectId, fileName, (importId) =>
        api.invoke('dataset.importText', { projectId, fileName, text, importId, ...(options ? { options } : {}) }),
      );
    },

    /**
     * Import a TF.js / Keras model (its files' bytes) as the project's graph, then fit its Input and
     * head to the dataset. Throws the host's message (unsupported layers named) for the caller to show.
     */
    async importModel(
      /** The files' bytes, or a path on the main side (a native dialog's, the host's file browser's). */
      source: readonly { name: string; data: string }[] | { path: string },
    ): Promise<ModelImportSummary & { refitted: string[] }> {
      const projectId = currentId();
      if (!projectId) throw new Error('Open a project first.');
      // Saved first, so that a pending save of the old graph cannot land after the import.
      flushSaves();
      const { state, summary } = await api.invoke(
        'model.import',
        'path' in source ? { projectId, path: source.path } : { projectId, files: [...source] },
      );
      if ('path' in source) recent.add({ kind: 'model', key: source.path, label: summary.file });
      if (projectId !== currentId()) return { ...summary, refitted: [] };
      patchCurrent((s) => ({ ...s, project: { ...s.project, graph: state.project.graph } }));
      graph.getState().load(state.project.graph);
      const before = graph.getState().analysis.nodes;
      syncGraphToTask();
      // Layers whose size changed to fit this dataset (its features, its classes) cannot keep their imported weights: the engine starts them fresh.
      const after = graph.getState().analysis.nodes;
      const refitted = resizedLayers(before, after);
      return { ...summary, refitted };
    },

    async setTaskSpec(spec: TaskSpec) {
      const projectId = currentId();
      if (!projectId) return;
      patchCurrent((s) => ({ ...s, project: { ...s.project, taskSpec: spec } }));
      syncGraphToTask();
      await reportSave(api.invoke('project.save', { projectId, taskSpec: spec }));
    },

    startRun() {
      return launchRun('run.start');
    },

    /** The LR range test alone on the current settings: a run that trains nothing and records its curve. */
    findLearningRate() {
      return launchRun('run.findLearningRate');
    },

    /** Train with a fixed rate from now on (the one an LR range test suggested). */
    adoptLearningRate(rate: number) {
      trainForm.getState().set('learningRate', String(Number(rate.toPrecision(2))));
    },

    async cancelRun() {
      const projectId = currentId();
      const runId = runs.getState().activeRunId;
      if (!projectId || !runId) return;
      runs.setState({ cancelling: true });
      try {
        await api.invoke('run.cancel', { projectId, runId });
      } catch (error) {
        runs.setState({ startError: `Could not cancel the run: ${messageOf(error)}` });
      } finally {
        runs.setState({ cancelling: false });
      }
    },

    /** Pause or resume the active run; it takes effect after the batch in progress. */
    async pauseRun() {
      await setPaused('run.pause', 'pause');
    },

    async resumeRun() {
      await setPaused('run.resume', 'resume');
    },

    /** Continue an interrupted run (Layerlab stopped while it trained) from its last checkpoint. */
    async continueRun(runId: string) {
      const projectId = currentId();
      if (!projectId || runs.getState().starting) return;
      runs.setState({ starting: true, startError: null });
      try {
        const run = await api.invoke('run.continue', { projectId, runId });
        upsertRun(run);
        runs.setState({ activeRunId: run.status === 'running' ? run.id : null });
      } catch (error) {
        runs.setState({ startError: `Could not resume the run: ${messageOf(error)}` });
      } finally {
        runs.setState({ starting: false });
      }
    },

    async exportRun(
      runId: string,
      outDir: string | null,
      options: ExportOptions = { format: 'tfjs', quantize: null, float16Weights: false },
    ) {
      const projectId = currentId();
      if (!projectId || project.getState().exporting) return;
      project.setState({ exporting: true, exportResult: null, exportError: null });
      try {
        const result = await api.invoke('export.model', { projectId, runId, outDir, ...options });
        if (projectId === currentId()) project.setState({ exportResult: result });
      } catch (error) {
        if (projectId === currentId()) project.setState({ exportError: messageOf(error) });
      } finally {
        project.setState({ exporting: false });
      }
    },

    /**
     * A diagnosis fix in one click, applied to the model being edited and the training settings
     * (saved like any edit). Returns why it could not apply, or null.
     */
    applyDiagnosisFix(fix: Fix): string | null {
      if (fix.kind === 'augment') {
        if (!project.getState().current?.imageDataset) return 'Augmentation applies to image datasets only.';
        images.actions.setAugmentation(fix.augmentation);
        return null;
      }
      const config = trainForm.getState().config;
      const parsed = ModelGraph.safeParse(graph.getState().graph);
      if (!config || !parsed.success) return 'Fix the highlighted model or training settings first.';
      // 'auto' settings: a learning-rate fix scales the rate the run shown found.
      const projectRuns = project.getState().current?.runs ?? [];
      const shownRun = projectRuns.find((r) => r.id === runs.getState().selectedRunId) ?? projectRuns.at(-1);
      const used = shownRun?.trainConfig.learningRate;
      const next = applyFix(fix, {
        graph: parsed.data,
        trainConfig: config,
        ...(typeof used === 'number' ? { learningRateUsed: used } : {}),
      });
      if (!next)
        return fix.kind === 'add_dropout'
          ? `The layer "${fix.after}" is no longer in the model.`
          : 'This one is advice: there is nothing to change in the app.';
      if (next.graph !== parsed.data) graph.getState().replace(next.graph);
      // The form remembers what changed, so the Train step opens and highlights it (Advanced included).
      if (next.trainConfig !== config) trainForm.getState().applyFix(next.trainConfig);
      return null;
    },

    /** The playground's form for a trained run: its raw input columns, prefilled. */
    async predictInputs(runId: string) {
      const projectId = currentId();
      if (!projectId) throw new Error('Open a project first.');
      return api.invoke('run.predictInputs', { projectId, runId });
    },

    /** Predict raw rows (column → cell text) with a trained run's model; rejects with a message naming the row and column. */
    async predict(runId: string, rows: Array<Record<string, string>>) {
      const projectId = currentId();
      if (!projectId) throw new Error('Open a project first.');
      return api.invoke('run.predict', { projectId, runId, rows });
    },

    /** A finished run's model on its validation split, with the raw rows behind each number. */
    /** The test split only on explicit request; a test evaluation is stored with the run, so the runs list is refreshed. */
    async evaluate(runId: string, split: 'validation' | 'test' = 'validation') {
      const projectId = currentId();
      if (!projectId) throw new Error('Open a project first.');
      const result = await api.invoke('run.evaluate', { projectId, runId, split });
      if (split === 'test' && projectId === currentId()) {
        const run = await api.invoke('run.get', { projectId, runId });
        patchCurrent((s) => ({ ...s, runs: s.runs.map((r) => (r.id === runId ? run : r)) }));
      }
      return result;
    },

    /** Retrain a finished run on growing shares of its training rows; resolves with the curve (or rejects with why). */
    async learningCurve(runId: string) {
      const projectId = currentId();
      if (!projectId) throw new Error('Open a project first.');
      return api.invoke('run.learningCurve', { projectId, runId });
    },

    async cancelLearningCurve(runId: string) {
      const projectId = currentId();
      if (projectId) await api.invoke('run.cancelLearningCurve', { projectId, runId });
    },

    /** Listen to learning-curve progress; returns the unsubscribe function. */
    onLearningCurveProgress(listener: (progress: EventPayload<'run.learningCurveProgress'>) => void): () => void {
      return api.on('run.learningCurveProgress', listener);
    },

    /** After a dropped connection: whatever events were missed, the main side has the truth. */
    async refreshAfterReconnect() {
      void actions.loadAppInfo();
      const projectId = currentId();
      if (!projectId) return void actions.loadProjects();
      // Saves that failed while the host was away: send the current settings again.
      if (project.getState().saveError) {
        const current = project.getState().current;
        const parsed = ModelGraph.safeParse(graph.getState().graph);
        const config = trainForm.getState().config;
        if (current) {
          void reportSave(
            api.invoke('project.save', {
              projectId,
              taskSpec: current.project.taskSpec,
              ...(parsed.success ? { graph: parsed.data } : {}),
              ...(config ? { trainConfig: config } : {}),
            }),
          );
        }
      }
      try {
        const state = await api.invoke('project.open', { projectId });
        if (projectId !== currentId()) return;
        patchCurrent((s) => ({ ...s, runs: state.runs }));
        const active = runs.getState().activeRunId;
        const run = active ? state.runs.find((r) => r.id === active) : undefined;
        if (run && run.status !== 'running') runs.setState({ activeRunId: null });
      } catch {
        // still unreachable: the banner says so
      }
    },
  };

  // Training can report hundreds of batches and epochs a second; the charts redraw at most 4
  // times a second, each redraw a main-thread task (bench/renderer-events.ts measures them).
  const flushRunEvents = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const events = pending;
    pending = [];
    runs.getState().apply(events);
  };
  const queueRunEvent = (projectId: string, event: RunEvent) => {
    if (projectId !== currentId()) return;
    pending.push(event);
    flushTimer ??= setTimeout(flushRunEvents, 250);
  };
  disposers.push(() => flushTimer && clearTimeout(flushTimer));

  disposers.push(
    api.on('run.batch', ({ projectId, runId, logs }) => queueRunEvent(projectId, { kind: 'batch', runId, logs })),
    api.on('run.epoch', ({ projectId, runId, logs }) => queueRunEvent(projectId, { kind: 'epoch', runId, logs })),
    // Paused, resumed, or recovered after an engine crash: the summary carries it.
    api.on('run.updated', ({ projectId, run }) => {
      if (projectId === currentId()) upsertRun(run);
    }),
    api.on('run.ended', ({ projectId, run }) => {
      if (projectId !== currentId()) return;
      flushRunEvents();
      upsertRun(run);
      if (runs.getState().activeRunId === run.id) runs.setState({ activeRunId: null });
    }),
    api.on('engine.status', (engine) => project.setState({ engine })),
    connection.subscribe((state, prev) => {
      if (state.reconnects !== prev.reconnects) void actions.refreshAfterReconnect();
    }),
  );

  const onUnload = () => flushSaves();
  if (typeof window !== 'undefined') {
    window.addEventListener('beforeunload', onUnload);
    disposers.push(() => window.removeEventListener('beforeunload', onUnload));
  }

  return {
    client,
    host,
    recent,
    stores: { project, graph, runs, trainForm, connection },
    images,
    actions,
    dispose() {
      flushSaves();
      for (const d of disposers) d();
    },
  };
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
