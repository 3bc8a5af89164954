import { applyFix, type Fix } from '../../../../app/diagnostics';
import { ModelGraph } from '../../../../app/graph';
import { setupIssueText } from '../../../../app/setup/setup';
import type { createImageImport } from '../../features/dataset/image-import';
import type { RunEvent } from '../../features/train/run-store';
import { messageOf } from '../../lib/errors';
import { LR_TEST_PHASE } from '../../../../app/progress/work-progress';
import type { WorkbenchCore } from './core';
import type { Saving } from './saving';
import type { SetupSync } from './setup-sync';

/**
 * Run events into the run store. Training can report hundreds of batches and epochs a second; the
 * charts redraw at most 4 times a second, each redraw a main-thread task (bench/renderer-events.ts
 * measures them). Events of another project than the open one are not this window's to show.
 */
export function createRunEvents(core: WorkbenchCore) {
  const { api, stores, currentId, upsertRun } = core;
  const { project, runs } = stores;
  let pending: RunEvent[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

  const flush = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const events = pending;
    pending = [];
    runs.getState().apply(events);
  };
  const queue = (projectId: string, event: RunEvent) => {
    if (projectId !== currentId()) return;
    pending.push(event);
    flushTimer ??= setTimeout(flush, 250);
  };

  core.disposers.push(
    () => flushTimer && clearTimeout(flushTimer),
    api.on('run.batch', ({ projectId, runId, logs }) => {
      // The first batch ends the LR range test's progress (its result also comes as run.updated).
      if (runs.getState().preparing?.runId === runId) runs.setState({ preparing: null });
      queue(projectId, { kind: 'batch', runId, logs });
    }),
    // The LR range test's steps, after the run has started (the data's preparation: launchRun).
    api.on('run.prepareProgress', ({ projectId, ...progress }) => {
      if (projectId === currentId() && progress.phase === LR_TEST_PHASE) runs.setState({ preparing: progress });
    }),
    api.on('run.epoch', ({ projectId, runId, logs }) => queue(projectId, { kind: 'epoch', runId, logs })),
    // Paused, resumed, or recovered after an engine crash: the summary carries it.
    api.on('run.updated', ({ projectId, run }) => {
      if (projectId !== currentId()) return;
      upsertRun(run);
      if (run.lrFinder && runs.getState().preparing?.runId === run.id) runs.setState({ preparing: null });
    }),
    api.on('run.ended', ({ projectId, run }) => {
      if (projectId !== currentId()) return;
      flush();
      upsertRun(run);
      if (runs.getState().activeRunId === run.id) runs.setState({ activeRunId: null });
      if (runs.getState().preparing?.runId === run.id) runs.setState({ preparing: null });
    }),
    api.on('engine.status', (engine) => project.setState({ engine })),
  );

  return {
    /** Forget the events waiting for the next redraw (another project was opened). */
    drop() {
      pending = [];
    },
  };
}

export type RunEvents = ReturnType<typeof createRunEvents>;

/** The Train step's actions: start, stop, pause and resume runs, and one-click diagnosis fixes. */
export function createRunActions(
  core: WorkbenchCore,
  saving: Saving,
  setup: SetupSync,
  images: ReturnType<typeof createImageImport>,
) {
  const { api, stores, currentId, upsertRun } = core;
  const { project, graph, runs, trainForm } = stores;

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
    // The run manager checks the same setup; a problem found here is said without a round trip.
    const problem = setup.store.getState().setup?.issues[0];
    if (problem) {
      runs.setState({ startError: setupIssueText(problem) });
      return;
    }
    saving.flush();
    runs.setState({ starting: true, startError: null, selectedRunId: null });
    // A large table's preparation takes a while: its phases are shown, and Cancel stops it by the run's id.
    const stopWatching = api.on('run.prepareProgress', ({ projectId, ...progress }) => {
      if (projectId === current.id && progress.phase !== LR_TEST_PHASE) runs.setState({ preparing: progress });
    });
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
      stopWatching();
      runs.setState({ starting: false });
      if (runs.getState().preparing?.phase !== LR_TEST_PHASE) runs.setState({ preparing: null });
    }
  }

  return {
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
      // While its data is prepared the run is not active yet: it is cancelled by the id its progress names.
      const runId = runs.getState().activeRunId ?? runs.getState().preparing?.runId;
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
  };
}
