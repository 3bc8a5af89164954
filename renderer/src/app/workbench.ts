import type { ApiClient } from '../api';
import { createHost, type Host } from './host';
import { createCore, type WorkbenchStorage } from './workbench/core';
import { createDatasetActions } from './workbench/dataset-actions';
import { createExportActions } from './workbench/export-actions';
import { createProjectActions } from './workbench/project-actions';
import { createRunActions, createRunEvents } from './workbench/run-actions';
import { createSaving } from './workbench/saving';
import { createSetupSync } from './workbench/setup-sync';

export type Workbench = ReturnType<typeof createWorkbench>;

/**
 * The app's state and the actions that talk to the main side. Views read the stores and call
 * these actions; nothing else calls the API. A factory, so every window (and test) has its own.
 * The composition root of `workbench/`: the shared core (stores, client, storage), saving, the
 * training setup (app/setup's resolveSetup), and the project, dataset, run and export actions.
 */
export function createWorkbench(
  client: ApiClient,
  storage: WorkbenchStorage | null = safeStorage(),
  /** What the window can do with files: native dialogs (Electron) or uploads and the host's file browser (host mode). */
  host: Host = createHost(),
) {
  const core = createCore(client, storage, host);
  const saving = createSaving(core);
  const setup = createSetupSync(core);
  const runEvents = createRunEvents(core);
  const projects = createProjectActions(core, saving, setup, runEvents);
  const datasets = createDatasetActions(core, saving, setup);
  const runs = createRunActions(core, saving, setup, datasets.images);
  const exports = createExportActions(core);

  const onUnload = () => saving.flush();
  if (typeof window !== 'undefined') {
    window.addEventListener('beforeunload', onUnload);
    core.disposers.push(() => window.removeEventListener('beforeunload', onUnload));
  }

  return {
    client,
    host,
    recent: core.recent,
    stores: { ...core.stores, setup: setup.store },
    images: datasets.images,
    actions: { ...projects, ...datasets.actions, ...runs, ...exports },
    dispose() {
      saving.flush();
      for (const d of core.disposers) d();
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
