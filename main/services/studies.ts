import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppStudy, APP_TUNABLE, type StudyStartInput } from '../../app/experiments/app-study';
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
import { UserError } from '../../app/ipc/errors';
import { keptEpoch } from '../../app/project/kept-epoch';
import type { EpochLogs } from '../../app/project/schema';
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
    const stray = Object.keys(space).find((k) => !(APP_TUNABLE as readonly string[]).includes(k));
    if (stray)
      throw new UserError(
        `The search space: a study in the app searches ${APP_TUNABLE.join(', ')}; ${stray} is searched by layerlab tune.`,
      );
    await this.deps.projects.open(input.projectId); // an unknown project fails clearly
    const study: AppStudy = {
      id: `study-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(2).toString('hex')}`,
      status: 'running',
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
    const active = { projectId: input.projectId, study, cancelled: false, runId: null as string | null };
    await this.save(input.projectId, study);
    const other = this.running();
    if (other) throw new UserError(`Study ${other} is running.`);
    this.active = active;
    void this.loop(input, active).finally(() => {
      if (this.active === active) this.active = null;
    });
    return structuredClone(study);
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
    const dir = path.join(this.deps.projects.projectDir(projectId), 'studies');
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(path.join(dir, `${study.id}.json`), AppStudy.parse(study));
    this.deps.bus.emit('study.progress', { projectId, study: structuredClone(study) });
  }

  private async loop(
    input: StudyStartInput,
    active: { study: AppStudy; cancelled: boolean; runId: string | null },
  ): Promise<void> {
    const { study } = active;
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
        const trainConfig = { ...input.trainConfig, ...params } as TrainConfig;
        let off: (() => void) | null = null;
        try {
          const run = await runs.start({
            projectId: input.projectId,
            taskSpec: input.taskSpec,
            graph: input.graph,
            trainConfig,
            ...(input.augmentation ? { augmentation: input.augmentation } : {}),
          });
          trial.run_id = run.id;
          active.runId = run.id;
          await updateTags(projects, input.projectId, run.id, { name: `${study.id} · trial ${number + 1}` });
          await this.save(input.projectId, study);
          off = bus.subscribe((event, payload) => {
            if (event !== 'run.epoch' || study.strategy !== 'asha') return;
            const { runId, logs } = payload as { runId: string; logs: EpochLogs };
            if (runId !== run.id || trial.pruned_at !== null) return;
            const epochs = logs.epoch + 1;
            if (rungOf(epochs, DEFAULT_ASHA) === null) return;
            const score =
              typeof logs.val_loss === 'number' && Number.isFinite(logs.val_loss) ? logs.val_loss : Infinity;
            trial.rungs[String(epochs)] = Number.isFinite(score) ? score : null;
            if (!ashaPromotes(score, rungScores(study.trials, epochs, number), DEFAULT_ASHA)) {
              trial.pruned_at = epochs;
              runs.cancel(input.projectId, run.id);
            }
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
            const dir = checkpointDir(projects.runDir(input.projectId, t.run_id));
            await rm(dir, { recursive: true, force: true });
            await rm(`${dir}${OLD_CHECKPOINT_SUFFIX}`, { recursive: true, force: true });
          }
        // A run the user cancelled through the study is not a result: it leaves the study.
        if (active.cancelled && trial.pruned_at === null) trial.status = 'failed';
        await this.save(input.projectId, study);
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
    await this.save(input.projectId, study).catch(() => undefined);
  }
}
