import { createStore } from 'zustand/vanilla';
import { IMAGE_TASK_SPEC } from '../../../../app/dataset/image-task';
import type { ProjectState } from '../../../../app/ipc/contract';
import { resolveSetup, type Setup, type SetupData, type SetupModel } from '../../../../app/setup/setup';
import type { TrainConfig } from '../../../../app/training/config';
import { laidOut } from '../../features/graph/graph-model';
import type { FormField } from '../../features/train/train-form';
import type { WorkbenchCore } from './core';

/**
 * The workbench's training setup is app/setup's `resolveSetup`, the one the CLI and the run
 * manager use: the open project's dataset and task, the editor's graph and the settings form →
 * the task's shape, the graph sized to the data, the settings checked for this task, and every
 * problem as an issue naming its field. `store` holds it for the views (what Train would send,
 * checked as the run manager will check it); `syncGraphToTask` makes the editor's graph follow the data.
 */
export interface SetupState {
  /** null without a dataset and a task. */
  setup: Setup | null;
}

function setupData(
  current: ProjectState,
): { data: SetupData; taskSpec: NonNullable<ProjectState['project']['taskSpec']> } | null {
  if (current.imageDataset)
    return {
      data: { kind: 'images', meta: current.imageDataset },
      taskSpec: current.project.taskSpec ?? IMAGE_TASK_SPEC,
    };
  const taskSpec = current.project.taskSpec;
  if (!current.dataset || !taskSpec) return null;
  return { data: { kind: 'table', meta: current.dataset }, taskSpec };
}

export function createSetupSync(core: WorkbenchCore) {
  const { project, graph, trainForm } = core.stores;
  const store = createStore<SetupState>()(() => ({ setup: null }));

  const resolveCurrent = (model: SetupModel, trainConfig: TrainConfig | null): Setup | null => {
    const current = project.getState().current;
    const inputs = current && setupData(current);
    return inputs ? resolveSetup({ ...inputs, model, trainConfig }) : null;
  };

  // The setup as a run would be checked: the editor's graph as it is (an empty editor gets the template).
  let last: unknown[] = [];
  const refresh = () => {
    const current = project.getState().current;
    const { graph: edited, nodes } = graph.getState();
    const config = trainForm.getState().config;
    const key = [current?.dataset, current?.imageDataset, current?.project.taskSpec, edited, nodes.length > 0, config];
    if (key.length === last.length && key.every((k, i) => k === last[i])) return;
    last = key;
    store.setState({
      setup: resolveCurrent(nodes.length === 0 ? {} : { graph: edited, fit: 'check' }, config),
    });
  };
  core.disposers.push(project.subscribe(refresh), graph.subscribe(refresh), trainForm.subscribe(refresh));

  return {
    store,
    /**
     * Keep the editor's graph sized to the data: an empty editor gets the template made for the
     * data, a graph of the user's has its Input(s) and head(s) resized (resolveSetup's `resize`).
     */
    syncGraphToTask() {
      const current = project.getState().current;
      if (!current) return;
      // Inputs' columns and heads' targets are chosen from a plain table's columns (not images or windows).
      const spec = current.project.taskSpec;
      graph
        .getState()
        .setTable(
          current.dataset && !current.imageDataset && spec && !spec.timeSeries ? { meta: current.dataset, spec } : null,
        );
      const empty = graph.getState().nodes.length === 0;
      const setup = resolveCurrent(empty ? {} : { graph: graph.getState().graph, fit: 'resize' }, null);
      if (setup?.shape && setup.graph) {
        if (empty) graph.getState().replace(laidOut(setup.graph));
        else graph.getState().follow(setup.graph);
      }
      refresh();
    },
  };
}

export type SetupSync = ReturnType<typeof createSetupSync>;

/** Where the settings form shows a setup issue of a training setting (TrainConfigError's field). */
const SETTING_FIELDS: Record<string, FormField> = {
  epochs: 'epochs',
  batchSize: 'batchSize',
  learningRate: 'learningRate',
  loss: 'loss',
  heads: 'loss',
  metrics: 'metrics',
  earlyStopping: 'esMonitor',
  classWeights: 'customWeights',
};

/** The setup's issues with the training settings, on the form field each concerns. */
export function settingIssueFields(setup: Setup | null): Partial<Record<FormField, string>> {
  const out: Partial<Record<FormField, string>> = {};
  for (const issue of setup?.issues ?? []) {
    if (issue.field !== 'trainConfig') continue;
    const field = SETTING_FIELDS[issue.path.split('.')[0]!];
    if (field && !out[field]) out[field] = issue.message;
  }
  return out;
}
