import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppStudy, type StudySetup, type StudyStartInput } from '../../app/experiments/app-study';
import {
  ashaPromotes,
  bestTrial,
  DEFAULT_ASHA,
  parseSpace,
  plannedTrials,
  rungOf,
  rungScores,
  SpaceError,
  trialParams,
} from '../../app/experiments/study';
import { GRAPH_PARAMS, hasGraphParams, isMlpShaped, withMlpParams } from '../../app/experiments/trial-graph';
import { UserError } from '../../app/ipc/errors';
import { keptEpoch } from '../../app/project/kept-epoch';
import type { EpochLogs, RunSummary } from '../../app/project/schema';
import type { TrainConfig } from '../../app/training/config';
import { writeJsonAtomic, type ProjectService } from '../data';
import { checkpointDir, OLD_CHECKPOINT_SUFFIX } from '../engine/shared/checkpoint-state';
import type { EventBus } from '../ipc/event-bus';
import type { RunManager } from './runs';
import { updateTags } from './runs-table';

/**
 * Studies in the app (issue 16.2): the same scheduling as `layerlab tune`
 * (app/experiments/study.ts), each trial a run of the project started through the run manager
 * (so it shows in the Train step and the runs table as it trains), named after its study;
 * progress as study.progress events, the study kept in projects/<id>/studies/<id>.json. Trials
 * that are not the best lose their checkpoint (their model stays), so disk grows by models only.
 * The file is written after every step, so a study whose process died is found at the next
 * start-up (reconcileInterrupted: 'interrupted', its finished trials kept) and resume() goes on
 * with the remaining trials, continuing the unfinished trial's run from its checkpoint.
 */
export class StudyManager {
  private active: { projectId: string; study: AppStudy; cancelled: boolean; runId: string | null } | null = null;

  constructor(private readonly deps: { projects: ProjectService; runs: RunManager; bus: EventBus }) {}

  async start(input: StudyStartInput): Promise<AppStudy> {
    if (this.active)
      throw new UserError(`Study ${this.active.study.id} is running. Cancel it or wait for it to finish.`);
    if (this.deps.runs.activeRun)
      throw new UserError(`Run ${this.deps.runs.activeRun.runId} is training. Cancel it or wait for it to finish.`);
    let space;
    try {
      space = parseSpace(input.space, 'The search space');
    } catch (error) {
      if (error instanceof SpaceError) throw new UserError(error.message);
      throw error;
    }
    const graphParam = Object.keys(space).find((k) => (GRAPH_PARAMS as readonly string[]).includes(k));
    if (graphParam && !isMlpShaped(input.graph))
      throw new UserError(
        `The search space: ${graphParam} is the width or dropout of the mlp template's two hidden Dense layers; this project's model has another shape.`,
      );
    await this.deps.projects.open(input.projectId); // an unknown project fails clearly
    const setup: StudySetup = {
      taskSpec: input.taskSpec,
      graph: input.graph,
      trainConfig: input.trainConfig,
      ...(input.augmentation ? { augmentation: input.augmentation } : {}),
    };
    const study: AppStudy = {
      id: `study-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(2).toString('hex')}`,
      status: 'running',
      setup,
      pid: process.pid,
      interrupted_run: null,
      strategy: input.strategy,
      seed: input.seed,
      space,
      trials_planned: plannedTrials(input.strategy, space, input.trials),
      time_budget_s: input.timeBudgetS,
      started_at: new Date().toISOString(),
      elapsed_s: 0,
      best_trial: null,
      error: null,
      trials: [],
    };
    return this.launch(input.projectId, study);
  }

  /**
   * Go on with an interrupted study: the trials it finished stay as they are, the one it was
   * training continues from its run's checkpoint (or trains again when it has none), and the
   * rest follow up to the planned number.
   */
  async resume(projectId: string, studyId: string): Promise<AppStudy> {
    if (this.active)
      throw new UserError(`Study ${this.active.study.id} is running. Cancel it or wait for it to finish.`);
    if (this.deps.runs.activeRun)
      throw new UserError(`Run ${this.deps.runs.activeRun.runId} is training. Cancel it or wait for it to finish.`);
    const study = await this.read(projectId, studyId);
    if (study.status !== 'interrupted')
      throw new UserError(
        `Study ${studyId} was not interrupted (it is ${study.status.replace('_', ' ')}); only an interrupted study can be resumed.`,
      );
    if (!study.setup)
      throw new UserError(
        `Study ${studyId} was written by a Layerlab that did not keep a study's setup; start a new study instead.`,
      );
    study.status = 'running';
    study.error = null;
    study.pid = process.pid;
    return this.launch(projectId, study);
  }

  /** The project's studies, oldest first; a file that is not a study is skipped. */
  async list(projectId: string): Promise<AppStudy[]> {
    await this.deps.projects.open(projectId);
    const studies: AppStudy[] = [];
    for (const name of await readdir(this.studiesDir(projectId)).catch(() => [] as string[])) {
      if (!name.endsWith('.json')) continue;
      const study = await this.read(projectId, name.slice(0, -'.json'.length)).catch(() => null);
      if (study) studies.push(this.live(projectId, study));
    }
    return studies.sort((a, b) => a.started_at.localeCompare(b.started_at));
  }

  /**
   * Start-up (after RunManager.reconcileInterrupted): every study whose file says 'running' but
   * that no process runs (not this manager's, and not one of a live process elsewhere on the same
   * workspace) becomes 'interrupted'. Its finished trials stay; the trial it was training leaves
   * the list and its run (interrupted too) is kept for resume() to continue. Returns the studies
   * changed, as "project/study".
   */
  async reconcileInterrupted(): Promise<string[]> {
    const changed: string[] = [];
    const { projects: list } = await this.deps.projects.scan();
    for (const item of list) {
      for (const name of await readdir(this.studiesDir(item.id)).catch(() => [] as string[])) {
        if (!name.endsWith('.json')) continue;
        const studyId = name.slice(0, -'.json'.length);
        try {
          const study = await this.read(item.id, studyId);
          if (study.status !== 'running' || this.active?.study.id === study.id || runsElsewhere(study.pid)) continue;
          const unfinished = study.trials.filter((t) => t.status === 'running');
          study.trials = study.trials.filter((t) => t.status !== 'running');
          study.interrupted_run = unfinished.at(-1)?.run_id ?? null;
          study.status = 'interrupted';
          delete study.pid;
          study.error = `Layerlab stopped while this study ran, after ${study.trials.length} of ${study.trials_planned} trials. Resume it to go on.`;
          await this.save(item.id, study);
          changed.push(`${item.id}/${study.id}`);
        } catch (error) {
          console.warn(
            `[layerlab] Could not check study ${studyId} of project ${item.id}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
    return changed;
  }

  private launch(projectId: string, study: AppStudy): Promise<AppStudy> {
    const active = { projectId, study, cancelled: false, runId: null as string | null };
    return (async () => {
      await this.save(projectId, study);
      const other = this.running();
      if (other) throw new UserError(`Study ${other} is running.`);
      this.active = active;
      void this.loop(active).finally(() => {
        if (this.active === active) this.active = null;
      });
      return structuredClone(study);
    })();
  }

  private studiesDir(projectId: string): string {
    return path.join(this.deps.projects.projectDir(projectId), 'studies');
  }

  private async read(projectId: string, studyId: string): Promise<AppStudy> {
    if (!/^[\w.-]+$/.test(studyId) || studyId.startsWith('.')) throw new UserError(`There is no study ${studyId}.`);
    const file = path.join(this.studiesDir(projectId), `${studyId}.json`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UserError(`Project ${projectId} has no study ${studyId}.`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new UserError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = AppStudy.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UserError(`${file} is not a study: ${issue.path.join('.') || 'the file'}: ${issue.message}.`);
    }
    return parsed.data;
  }

  /** The running study as this manager holds it (its file may lag a step), else the file's. */
  private live(projectId: string, study: AppStudy): AppStudy {
    const active = this.active;
    return active && active.projectId === projectId && active.study.id === study.id
      ? structuredClone(active.study)
      : study;
  }

  /** The study running now (its id), if any: another start may have begun while this one wrote its file. */
  private running(): string | null {
    return this.active?.study.id ?? null;
  }

  cancel(projectId: string, studyId: string): boolean {
    const active = this.active;
    if (!active || active.projectId !== projectId || active.study.id !== studyId) return false;
    active.cancelled = true;
    if (active.runId) this.deps.runs.cancel(projectId, active.runId);
    return true;
  }

  private async save(projectId: string, study: AppStudy): Promise<void> {
    const dir = this.studiesDir(projectId);
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(path.join(dir, `${study.id}.json`), AppStudy.parse(study));
    this.deps.bus.emit('study.progress', { projectId, study: structuredClone(study) });
  }

  private async loop(active: {
    projectId: string;
    study: AppStudy;
    cancelled: boolean;
    runId: string | null;
  }): Promise<void> {
    const { study, projectId } = active;
    const setup = study.setup!;
    const { runs, bus, projects } = this.deps;
    try {
      while (study.trials.length < study.trials_planned && !active.cancelled) {
        if (study.time_budget_s !== null && study.elapsed_s >= study.time_budget_s) {
          study.status = 'budget_spent';
          break;
        }
        const number = study.trials.length;
        const params = trialParams(study.strategy, study.space, study.seed, number);
        const trial: AppStudy['trials'][number] = {
          number,
          params,
          status: 'running',
          started_at: new Date().toISOString(),
          ended_at: null,
          duration_s: null,
          epochs_run: null,
          kept_epoch: null,
          rungs: {},
          pruned_at: null,
          final: null,
          error: null,
          run_id: null,
        };
        study.trials.push(trial);
        const started = performance.now();
        const trainParams = Object.fromEntries(
          Object.entries(params).filter(([k]) => !(GRAPH_PARAMS as readonly string[]).includes(k)),
        );
        const trainConfig = { ...setup.trainConfig, ...trainParams } as TrainConfig;
        // Width and dropout: the project's mlp-shaped model with the trial's (as layerlab tune does).
        const graph = hasGraphParams(params) ? withMlpParams(setup.graph, params) : setup.graph;
        let off: (() => void) | null = null;
        try {
          // The trial Layerlab stopped in continues from its run's checkpoint when it has one.
          const continued = study.interrupted_run ? await this.continueTrial(projectId, study.interrupted_run) : null;
          study.interrupted_run = null;
          const run =
            continued ??
            (await runs.start({
              projectId,
              taskSpec: setup.taskSpec,
              graph,
              trainConfig,
              ...(setup.augmentation ? { augmentation: setup.augmentation } : {}),
            }));
          trial.run_id = run.id;
          active.runId = run.id;
          if (!continued) await updateTags(projects, projectId, run.id, { name: `${study.id} · trial ${number + 1}` });
          await this.save(projectId, study);
          const onEpoch = (logs: EpochLogs) => {
            if (study.strategy !== 'asha' || trial.pruned_at !== null) return;
            const epochs = logs.epoch + 1;
            if (rungOf(epochs, DEFAULT_ASHA) === null) return;
            const score =
              typeof logs.val_loss === 'number' && Number.isFinite(logs.val_loss) ? logs.val_loss : Infinity;
            trial.rungs[String(epochs)] = Number.isFinite(score) ? score : null;
            if (!ashaPromotes(score, rungScores(study.trials, epochs, number), DEFAULT_ASHA)) {
              trial.pruned_at = epochs;
              runs.cancel(projectId, run.id);
            }
          };
          for (const logs of continued?.epochs ?? []) onEpoch(logs);
          off = bus.subscribe((event, payload) => {
            if (event !== 'run.epoch') return;
            const { runId, logs } = payload as { runId: string; logs: EpochLogs };
            if (runId === run.id) onEpoch(logs);
          });
          const done = await runs.whenDone(run.id);
          const kept = keptEpoch(done);
          trial.epochs_run = done.epochs.length;
          trial.kept_epoch = kept?.epoch ?? null;
          trial.final = kept
            ? Object.fromEntries(
                Object.entries(kept.logs).filter(
                  (e): e is [string, number | null] => e[0] !== 'epoch' && (typeof e[1] === 'number' || e[1] === null),
                ),
              )
            : null;
          trial.status = trial.pruned_at !== null ? 'pruned' : done.status === 'completed' ? 'completed' : 'failed';
          if (trial.status === 'failed') trial.error = done.error ?? `the run ended ${done.status}`;
        } catch (error) {
          trial.status = 'failed';
          trial.error = error instanceof Error ? error.message : String(error);
        } finally {
          off?.();
          active.runId = null;
        }
        trial.duration_s = Math.round((performance.now() - started) / 10) / 100;
        trial.ended_at = new Date().toISOString();
        study.elapsed_s += trial.duration_s;
        study.best_trial = bestTrial(study.trials)?.number ?? null;
        // Disk stays bounded: a trial that is not (or no longer) the best keeps its model, not its checkpoint.
        for (const t of study.trials)
          if (t.run_id && t.number !== study.best_trial && t.status !== 'running') {
            const dir = checkpointDir(projects.runDir(projectId, t.run_id));
            await rm(dir, { recursive: true, force: true });
            await rm(`${dir}${OLD_CHECKPOINT_SUFFIX}`, { recursive: true, force: true });
          }
        // A run the user cancelled through the study is not a result: it leaves the study.
        if (active.cancelled && trial.pruned_at === null) trial.status = 'failed';
        await this.save(projectId, study);
        if (trial.status === 'failed' && number === 0 && !active.cancelled) {
          study.status = 'failed';
          study.error = trial.error;
          break;
        }
      }
      if (study.status === 'running') study.status = active.cancelled ? 'cancelled' : 'completed';
    } catch (error) {
      study.status = 'failed';
      study.error = error instanceof Error ? error.message : String(error);
    }
    delete study.pid;
    await this.save(projectId, study).catch(() => undefined);
  }

  /** An interrupted trial's run, training again from its checkpoint; null when it cannot (no checkpoint, deleted). */
  private async continueTrial(projectId: string, runId: string): Promise<RunSummary | null> {
    try {
      return await this.deps.runs.continueRun(projectId, runId);
    } catch (error) {
      if (error instanceof UserError) return null;
      throw error;
    }
  }
}

/** Whether a study's process is alive and not this one (a second Layerlab on the same workspace). */
function runsElsewhere(pid: number | undefined): boolean {
  if (pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
