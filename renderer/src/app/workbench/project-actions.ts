import type { ProjectState } from '../../../../app/ipc/contract';
import { ModelGraph } from '../../../../app/graph';
import { STEPS, type Step } from '../../features/projects/project-store';
import { messageOf } from '../../lib/errors';
import { LAST_PROJECT_KEY, stepKey, type WorkbenchCore } from './core';
import type { RunEvents } from './run-actions';
import type { Saving } from './saving';
import type { SetupSync } from './setup-sync';

/** Opening, creating and closing projects, the step shown, and catching up after a dropped connection. */
export function createProjectActions(core: WorkbenchCore, saving: Saving, setup: SetupSync, runEvents: RunEvents) {
  const { api, stores, storage, recent, currentId, patchCurrent, reportSave } = core;
  const { project, graph, runs, trainForm } = stores;

  /** A project's saved state into the stores: the step it was left on, its active run followed. */
  const adopt = (state: ProjectState, step?: Step) => {
    saving.adopting(() => {
      runEvents.drop();
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
    });
    const remembered = storage?.getItem(stepKey(state.id)) as Step | null;
    project.setState({ step: step ?? (remembered && STEPS.includes(remembered) ? remembered : 'data') });
    storage?.setItem(LAST_PROJECT_KEY, state.id);
    recent.add({ kind: 'project', key: state.id, label: state.project.name });
    // A run may still be training from before a reload: follow it, and let Cancel reach it.
    runs.setState({ activeRunId: state.runs.find((r) => r.status === 'running')?.id ?? null });
    setup.syncGraphToTask();
  };

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
      saving.flush();
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
      saving.flush();
      storage?.removeItem(LAST_PROJECT_KEY);
      runs.getState().reset();
      graph.getState().load(null);
      project.setState({ current: null, step: 'data' });
      void actions.loadProjects();
    },

    setStep(step: Step) {
      saving.flush();
      project.setState({ step });
      const id = currentId();
      if (id) storage?.setItem(stepKey(id), step);
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

  core.disposers.push(
    stores.connection.subscribe((state, prev) => {
      if (state.reconnects !== prev.reconnects) void actions.refreshAfterReconnect();
    }),
  );
  return actions;
}
