import { z } from 'zod';
import { Augmentation } from '../dataset/images';
import { TaskSpec } from '../dataset/schema';
import { ModelGraph } from '../graph/schema';
import { ProjectId, RunId } from '../project/schema';
import { TrainConfig } from '../training/config';
import { SearchSpace, Strategy, Trial } from './study';

/** study.start: a run's setup (as run.start takes it) and the search over it. */
export const StudyStartInput = z
  .object({
    projectId: ProjectId,
    taskSpec: TaskSpec,
    graph: ModelGraph,
    trainConfig: TrainConfig,
    augmentation: Augmentation.partial().optional(),
    strategy: Strategy,
    space: SearchSpace,
    trials: z.number().int().min(1).max(500),
    timeBudgetS: z
      .number()
      .positive()
      .max(7 * 86400)
      .nullable(),
    seed: z.number().int().nonnegative(),
  })
  .strict();
export type StudyStartInput = z.infer<typeof StudyStartInput>;

/** study.resume / study.list: a study of a project. */
export const StudyRef = z.object({ projectId: ProjectId, studyId: z.string().min(1).max(80) }).strict();

/** What every trial of a study shares (study.start's run setup), kept so that the study can resume. */
export const StudySetup = z.object({
  taskSpec: TaskSpec,
  graph: ModelGraph,
  trainConfig: TrainConfig,
  augmentation: Augmentation.partial().optional(),
});
export type StudySetup = z.infer<typeof StudySetup>;

/** projects/<id>/studies/<study id>.json: a study run in the app, its trials being the project's runs. */
export const AppStudy = z.object({
  id: z.string(),
  /** 'interrupted': Layerlab stopped while it ran (found at the next start-up); study.resume continues it. */
  status: z.enum(['running', 'completed', 'cancelled', 'budget_spent', 'failed', 'interrupted']),
  /** The run setup its trials share; absent in studies written before resuming existed (they cannot resume). */
  setup: StudySetup.optional(),
  /** The process running it, while it runs: a study of a live process elsewhere is not interrupted. */
  pid: z.number().int().optional(),
  /** Interrupted mid-trial: that trial's run, which resuming continues from its checkpoint (or trains again). */
  interrupted_run: RunId.nullable().optional(),
  strategy: Strategy,
  seed: z.number().int(),
  space: SearchSpace,
  trials_planned: z.number().int().nonnegative(),
  time_budget_s: z.number().nullable(),
  started_at: z.string(),
  elapsed_s: z.number(),
  best_trial: z.number().int().nullable(),
  error: z.string().nullable(),
  trials: z.array(Trial.extend({ run_id: RunId.nullable() })),
});
export type AppStudy = z.infer<typeof AppStudy>;
