import { ModelGraph } from '../../../../app/graph';
import type { TrainConfig } from '../../../../app/training/config';
import { debounce } from '../../lib/debounce';
import type { WorkbenchCore } from './core';

/**
 * The graph and the training settings are saved a moment after the last edit. While a project's
 * saved state is loaded into the stores (`adopting`), that is not an edit to save back.
 */
export function createSaving(core: WorkbenchCore) {
  const { api, stores, currentId, patchCurrent, reportSave } = core;
  let adopting = false;

  const saveGraph = debounce((projectId: string) => {
    const parsed = ModelGraph.safeParse(stores.graph.getState().graph);
    // A half-typed value (units = "") is not saved; the node shows the problem until it is fixed.
    if (!parsed.success || projectId !== currentId()) return;
    patchCurrent((s) => ({ ...s, project: { ...s.project, graph: parsed.data } }));
    void reportSave(api.invoke('project.save', { projectId, graph: parsed.data }));
  }, 500);

  const saveTrainConfig = debounce((projectId: string, trainConfig: TrainConfig) => {
    if (projectId !== currentId()) return;
    void reportSave(api.invoke('project.save', { projectId, trainConfig }));
  }, 500);

  core.disposers.push(
    stores.graph.subscribe((state, prev) => {
      const id = currentId();
      if (id && state.revision !== prev.revision) saveGraph(id);
    }),
    stores.trainForm.subscribe((state, prev) => {
      const id = currentId();
      if (!id || adopting || state.values === prev.values || !state.config) return;
      const config = state.config;
      patchCurrent((s) => ({ ...s, project: { ...s.project, trainConfig: config } }));
      saveTrainConfig(id, config);
    }),
  );

  return {
    /** Send the pending saves now (before a request that must see them, or leaving the project). */
    flush() {
      saveGraph.flush();
      saveTrainConfig.flush();
    },
    /** Load saved state into the stores without saving it back; pending saves of the old project are dropped. */
    adopting(load: () => void) {
      adopting = true;
      saveGraph.cancel();
      saveTrainConfig.cancel();
      try {
        load();
      } finally {
        adopting = false;
      }
    },
  };
}

export type Saving = ReturnType<typeof createSaving>;
