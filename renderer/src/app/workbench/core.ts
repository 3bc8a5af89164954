import type { ProjectState } from '../../../../app/ipc/contract';
import type { RunSummary } from '../../../../app/project/schema';
import type { ApiClient } from '../../api';
import { createGraphStore } from '../../features/graph/graph-store';
import { createProjectStore } from '../../features/projects/project-store';
import { createRunStore } from '../../features/train/run-store';
import { createTrainFormStore } from '../../features/train/train-form';
import { messageOf } from '../../lib/errors';
import { createRecent, type Host } from '../host';

export type WorkbenchStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const LAST_PROJECT_KEY = 'layerlab.lastProjectId';
export const stepKey = (projectId: string) => `layerlab.step.${projectId}`;

/**
 * What every part of the workbench shares: the client, the stores the views read, the window's
 * storage and host, and the few helpers on the open project. Made once per window by createWorkbench.
 */
export function createCore(client: ApiClient, storage: WorkbenchStorage | null, host: Host) {
  const project = createProjectStore();
  const graph = createGraphStore();
  const runs = createRunStore();
  const trainForm = createTrainFormStore();
  const disposers: Array<() => void> = [];

  const currentId = () => project.getState().current?.id ?? null;

  const patchCurrent = (fn: (state: ProjectState) => ProjectState) => {
    const current = project.getState().current;
    if (current) project.setState({ current: fn(current) });
  };

  return {
    client,
    api: client.api,
    host,
    storage,
    recent: createRecent(client.api),
    stores: { project, graph, runs, trainForm, connection: client.connection },
    /** Run at dispose, in order. */
    disposers,
    currentId,
    patchCurrent,
    /** A run's new summary into the open project's list (added when new). */
    upsertRun(run: RunSummary) {
      patchCurrent((s) => {
        const list = s.runs.some((r) => r.id === run.id)
          ? s.runs.map((r) => (r.id === run.id ? run : r))
          : [...s.runs, run];
        return { ...s, runs: list };
      });
    },
    /** A save's outcome in the project store's saveError (the banner), cleared by the next success. */
    reportSave(promise: Promise<unknown>) {
      return promise.then(
        () => project.setState({ saveError: null }),
        (error: unknown) => project.setState({ saveError: `Could not save the project: ${messageOf(error)}` }),
      );
    },
  };
}

export type WorkbenchCore = ReturnType<typeof createCore>;
