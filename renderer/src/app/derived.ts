import type { RunSummary } from '../../../app/project/schema';
import { formatParams, plural } from '../lib/format';
import { deriveImageTask, deriveTask, type TaskInfo } from '../features/dataset/task-info';
import type { Step } from '../features/projects/project-store';
import { useGraph, useProject } from './context';

const NO_RUNS: RunSummary[] = [];

export function useTaskInfo(): TaskInfo {
  const dataset = useProject((s) => s.current?.dataset ?? null);
  const spec = useProject((s) => s.current?.project.taskSpec ?? null);
  const imageDataset = useProject((s) => s.current?.imageDataset ?? null);
  return imageDataset ? deriveImageTask(imageDataset) : deriveTask(dataset, spec);
}

export interface StepStatus {
  /** Whether the step can be opened; when not, `blocked` says why. */
  enabled: boolean;
  blocked: string | null;
  done: boolean;
  /** One short line under the step's name. */
  detail: string;
}

/** What each step needs and has, for the step navigation and the disabled buttons' reasons. */
export function useStepStatus(): Record<Step, StepStatus> {
  const table = useProject((s) => s.current?.dataset ?? null);
  const images = useProject((s) => s.current?.imageDataset ?? null);
  const dataset = table ?? images;
  const runs = useProject((s) => s.current?.runs ?? NO_RUNS);
  const task = useTaskInfo();
  const analysisOk = useGraph((s) => s.analysis.ok);
  const issueCount = useGraph((s) => s.analysis.issues.length);
  const totalParams = useGraph((s) => s.analysis.totalParams);
  const hasNodes = useGraph((s) => s.nodes.length > 0);
  const exported = useProject((s) => s.exportResult !== null);

  const dataReady = !!dataset && !!task.shape;
  const dataBlocked = !dataset
    ? 'Import a CSV file first (step 1, Data).'
    : !task.shape
      ? 'Choose a target and task that work (step 1, Data).'
      : null;
  const trained = runs.filter((r) => r.hasModel);
  const lastDone = [...runs].reverse().find((r) => r.status === 'completed');
  const running = runs.some((r) => r.status === 'running');

  return {
    data: {
      enabled: true,
      blocked: null,
      done: dataReady,
      detail: images
        ? `${plural(images.count, 'image')} · ${plural(images.classes.length, 'class', 'classes')}`
        : !table
          ? 'Import a CSV'
          : task.error
            ? 'Check the target'
            : !task.spec
              ? 'Pick a target'
              : `${plural(table.rows, 'row')} · ${task.spec.target}`,
    },
    model: {
      enabled: dataReady,
      blocked: dataBlocked,
      done: dataReady && analysisOk && hasNodes,
      detail: !dataReady ? 'Needs data' : analysisOk ? formatParams(totalParams) : plural(issueCount, 'issue'),
    },
    train: {
      enabled: dataReady || runs.length > 0,
      blocked: dataReady || runs.length > 0 ? null : dataBlocked,
      done: !!lastDone,
      detail: running ? 'Training…' : runs.length === 0 ? 'Not trained yet' : plural(runs.length, 'run'),
    },
    export: {
      enabled: trained.length > 0,
      blocked: trained.length > 0 ? null : 'Train a model first (step 3, Train).',
      done: exported,
      detail: exported
        ? 'Exported'
        : trained.length > 0
          ? `${plural(trained.length, 'model')} ready`
          : 'Needs a trained model',
    },
  };
}
