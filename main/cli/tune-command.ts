import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ashaPromotes,
  bestTrial,
  DEFAULT_ASHA,
  defaultSpace,
  parseSpace,
  plannedTrials,
  rungOf,
  rungScores,
  SpaceError,
  Strategy,
  Study,
  trialParams,
  type ParamValue,
  type SearchSpace,
  type Trial,
} from '../../app/experiments/study';
import { GRAPH_PARAMS, hasGraphParams, mlpTrialGraph } from '../../app/experiments/trial-graph';
import { UserError } from '../../app/ipc/errors';
import { writeJsonAtomic } from '../data';
import { MANIFEST_FILE, sha256File, sha256Folder } from '../services/manifest';
import { UsageError } from './cli-error';

export const STUDY_FILE = 'study.json';

/** tune's own flags (with a value); every other argument goes to each trial's train as it is. */
const OWN = new Set(['--out', '--trials', '--space', '--strategy', '--time-budget']);

/** A searched setting → the train flag that sets it (units and dropout shape the graph instead). */
const FLAG_OF: Partial<Record<string, string>> = {
  learningRate: '--learning-rate',
  batchSize: '--batch-size',
  optimizer: '--optimizer',
  epochs: '--epochs',
};

function splitArgs(args: readonly string[]): { own: Map<string, string>; train: string[] } {
  const own = new Map<string, string>();
  const train: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!OWN.has(flag)) {
      train.push(arg);
      continue;
    }
    const value = flag !== arg ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value.`);
    own.set(flag, value);
  }
  return { own, train };
}

/** The value of a train flag among the arguments (--flag V or --flag=V), or undefined. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
  }
  return undefined;
}
/** The arguments without one flag and its value. */
function withoutFlag(args: readonly string[], flag: string): string[] {
  return args.filter((a, i) => !(a === flag || a.startsWith(`${flag}=`) || args[i - 1] === flag));
}
const hasFlag = (args: readonly string[], flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));

function wholeNumber(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number ≥ ${min}, not "${value}".`);
  return n;
}

const formatValue = (v: ParamValue) =>
  typeof v === 'number' && !Number.isInteger(v)
    ? Math.abs(v) < 0.01
      ? v.toExponential(2)
      : v.toPrecision(3)
    : String(v);
const formatParams = (params: Record<string, ParamValue>) =>
  Object.entries(params)
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join(', ');

function paramArgs(params: Record<string, ParamValue>): string[] {
  return Object.entries(params).flatMap(([name, value]) => {
    const flag = FLAG_OF[name];
    return flag ? [flag, String(value)] : [];
  });
}

/** Whether the trials' model is the mlp template (the one with hidden Dense layers a study may widen). */
async function trainsMlp(trainArgs: readonly string[], data: string): Promise<boolean> {
  const template = flagValue(trainArgs, '--template');
  if (template !== undefined) return template === 'mlp';
  if (hasFlag(trainArgs, '--graph') || hasFlag(trainArgs, '--time-column')) return false;
  // Without --template a table trains the mlp; an image folder (or zip) a CNN.
  return !(await stat(data)).isDirectory() && !data.toLowerCase().endsWith('.zip');
}

async function readStudy(file: string): Promise<Study | null> {
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new UserError(`${file} is not valid JSON; move it away to start a new study in this folder.`);
  }
  const parsed = Study.safeParse(raw);
  if (!parsed.success)
    throw new UserError(
      `${file} is not a study this version can resume (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}); use another --out.`,
    );
  return parsed.data;
}

/**
 * `layerlab tune`: a study of training settings. Each trial is a `layerlab train` run in this
 * process (its own engine process, disposed after it, so memory stays flat however many trials
 * run); only the best trial's folder is kept (DIR/best/), the others are deleted as they end.
 * DIR/study.json is rewritten atomically after every trial, so a killed study resumes at the
 * trial it was on when run again with the same --out.
 */
export async function tuneCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { own, train } = splitArgs(args);
  const outFlag = own.get('--out');
  const data = flagValue(train, '--data');
  if (!data) throw new UsageError('--data FILE is required.');
  if (!outFlag) throw new UsageError('--out DIR is required (the study is kept there: study.json, best/).');
  const strategyParsed = Strategy.safeParse(own.get('--strategy') ?? 'random');
  if (!strategyParsed.success)
    throw new UsageError(`--strategy must be random, grid or asha, not "${own.get('--strategy')}".`);
  const strategy = strategyParsed.data;
  const trialsFlag = wholeNumber('--trials', own.get('--trials'), 1);
  const budgetText = own.get('--time-budget');
  const timeBudget = budgetText === undefined ? null : Number(budgetText);
  if (timeBudget !== null && (!Number.isFinite(timeBudget) || timeBudget <= 0))
    throw new UsageError(`--time-budget must be a number of seconds > 0, not "${budgetText}".`);
  const seed = wholeNumber('--seed', flagValue(train, '--seed'), 0) ?? 42;
  const dataPath = path.resolve(data);
  if (!existsSync(dataPath)) throw new UserError(`${dataPath} does not exist.`);
  // Trials write to their own folders, and best/ is reproduced from absolute paths.
  for (const flag of ['--data', '--graph']) {
    const i = train.findIndex((a) => a === flag);
    if (i >= 0 && train[i + 1] !== undefined) train[i + 1] = path.resolve(train[i + 1]!);
  }
  if (hasFlag(train, '--evaluate-test'))
    throw new UsageError(
      '--evaluate-test does not apply to tune: the test split is scored once, on the model you choose (layerlab train --evaluate-test with the best settings).',
    );

  const mlp = await trainsMlp(train, dataPath);
  let space: SearchSpace;
  const spaceFile = own.get('--space');
  if (spaceFile !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path.resolve(spaceFile), 'utf8'));
    } catch (error) {
      throw new UserError(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `Space file ${spaceFile} does not exist.`
          : `Space file ${spaceFile} is not valid JSON.`,
      );
    }
    try {
      space = parseSpace(raw, spaceFile);
    } catch (error) {
      if (error instanceof SpaceError) throw new UserError(error.message);
      throw error;
    }
    for (const name of Object.keys(space)) {
      const flag = FLAG_OF[name];
      if (flag && hasFlag(train, flag))
        throw new UsageError(`${flag} fixes ${name}, which ${spaceFile} searches: give one or the other.`);
      if ((GRAPH_PARAMS as readonly string[]).includes(name) && !mlp)
        throw new UsageError(
          `${spaceFile} searches ${name}, the hidden layers of the mlp template; this study trains ${flagValue(train, '--template') ?? (hasFlag(train, '--graph') ? 'a --graph model' : 'another template')}.`,
        );
    }
  } else {
    // The default space, less the settings the user fixed with a flag.
    space = Object.fromEntries(
      Object.entries(defaultSpace({ hiddenLayers: mlp })).filter(([name]) => {
        const flag = FLAG_OF[name];
        return !(flag && hasFlag(train, flag));
      }),
    );
    if (Object.keys(space).length === 0)
      throw new UsageError('Every setting of the default space is fixed by a flag: give --space SPACE.json.');
  }
  const planned = plannedTrials(strategy, space, trialsFlag);

  const outDir = path.resolve(outFlag);
  const studyFile = path.join(outDir, STUDY_FILE);
  const bestDir = path.join(outDir, 'best');
  const trialsDir = path.join(outDir, 'trials');
  await mkdir(outDir, { recursive: true });
  const dataSha = (await stat(dataPath)).isDirectory() ? await sha256Folder(dataPath) : await sha256File(dataPath);
  // Every trial splits the rows with the study's seed (and seeds its weights with it), so trials differ by their settings alone.
  const trainArgs = withoutFlag(train, '--seed');
  const now = () => new Date().toISOString();

  let study = await readStudy(studyFile);
  if (study) {
    const differs = [
      study.strategy !== strategy ? `--strategy ${study.strategy}` : null,
      study.seed !== seed ? `--seed ${study.seed}` : null,
      JSON.stringify(study.space) !== JSON.stringify(space) ? 'its search space' : null,
      JSON.stringify(study.train_args) !== JSON.stringify(trainArgs)
        ? `train arguments ${study.train_args.join(' ')}`
        : null,
      study.data.sha256 !== dataSha ? `the data (${study.data.path} has changed since)` : null,
    ].filter((d): d is string => d !== null);
    if (differs.length)
      throw new UserError(
        `${studyFile} is a study with other settings (${differs.join('; ')}): run it with those to resume it, or use another --out.`,
      );
    // A trial that was running when the study was killed is run again; finished ones are kept.
    const unfinished = study.trials.filter((t) => t.status === 'running').map((t) => t.number);
    study.trials = study.trials.filter((t) => t.status !== 'running');
    study.trials_planned = planned;
    study.time_budget_s = timeBudget;
    study.status = 'running';
    out(
      `Resuming ${studyFile}: ${study.trials.length} trial(s) done${unfinished.length ? `, trial ${unfinished.map((n) => n + 1).join(', ')} (unfinished) runs again` : ''}.`,
    );
  } else {
    study = {
      version: 1,
      strategy,
      seed,
      asha: strategy === 'asha' ? DEFAULT_ASHA : null,
      trials_planned: planned,
      time_budget_s: timeBudget,
      space,
      train_args: trainArgs,
      data: { path: dataPath, sha256: dataSha },
      started_at: now(),
      updated_at: now(),
      elapsed_s: 0,
      status: 'running',
      best_trial: null,
      trials: [],
    };
    out(
      `Study: ${strategy}, ${planned} trial(s)${timeBudget ? ` or ${timeBudget} s` : ''}, seed ${seed}, searching ${Object.entries(
        space,
      )
        .map(
          ([k, s]) =>
            `${k} ${s.type === 'choice' ? `{${s.values.join(', ')}}` : `${s.low}..${s.high}${s.log ? ' (log)' : ''}`}`,
        )
        .join(', ')}; best by val_loss.`,
    );
  }
  // Leftovers of a killed trial: its folder, and a best/ swap cut short.
  await rm(trialsDir, { recursive: true, force: true });
  await rm(path.join(outDir, '.best-old'), { recursive: true, force: true });
  if (!existsSync(bestDir) && study.best_trial !== null) study.best_trial = null;
  const save = async () => {
    study.updated_at = now();
    await writeJsonAtomic(studyFile, study);
  };
  await save();

  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  const { trainCommand } = await import('./train-command');
  try {
    while (study.trials.length < planned && !interrupted) {
      if (timeBudget !== null && study.elapsed_s >= timeBudget) {
        study.status = 'budget_spent';
        out(`Time budget spent (${study.elapsed_s.toFixed(0)} s of ${timeBudget} s): no further trial starts.`);
        break;
      }
      const number = study.trials.length;
      const params = trialParams(strategy, space, seed, number);
      const trial: Study['trials'][number] = {
        number,
        params,
        status: 'running',
        started_at: now(),
        ended_at: null,
        duration_s: null,
        epochs_run: null,
        kept_epoch: null,
        rungs: {},
        pruned_at: null,
        final: null,
        error: null,
      };
      study.trials.push(trial);
      await save();
      const trialDir = path.join(trialsDir, String(number + 1).padStart(4, '0'));
      await mkdir(trialDir, { recursive: true });
      const extra = paramArgs(params);
      if (hasGraphParams(params)) {
        const graphFile = path.join(trialDir, 'graph.json');
        await writeJsonAtomic(graphFile, mlpTrialGraph(params));
        extra.push('--graph', graphFile);
      }
      // The trial's graph is the mlp template widened: it replaces a --template mlp.
      const trainArgsFor = [
        ...(extra.includes('--graph') ? withoutFlag(trainArgs, '--template') : trainArgs),
        '--seed',
        String(seed),
        ...extra,
      ];
      const lines: string[] = [];
      const started = performance.now();
      const trials = study.trials;
      const onEpoch = (logs: { epoch: number; val_loss?: number | null | undefined }) => {
        if (strategy !== 'asha') return false;
        const epochs = logs.epoch + 1;
        if (rungOf(epochs, study.asha ?? DEFAULT_ASHA) === null) return false;
        const score = typeof logs.val_loss === 'number' && Number.isFinite(logs.val_loss) ? logs.val_loss : Infinity;
        trial.rungs[String(epochs)] = Number.isFinite(score) ? score : null;
        if (ashaPromotes(score, rungScores(trials, epochs, number), study.asha ?? DEFAULT_ASHA)) return false;
        trial.pruned_at = epochs;
        return true;
      };
      let code: number | null = null;
      try {
        code = await trainCommand([...trainArgsFor, '--out', trialDir], (line) => lines.push(line), 'train', {
          onEpoch,
        });
      } catch (error) {
        // A mistake in the arguments is the study's, not the trial's: stop and say so.
        if (error instanceof UsageError) {
          study.trials.pop();
          await save();
          throw error;
        }
        trial.status = 'failed';
        trial.error = error instanceof Error ? error.message : String(error);
      }
      if (interrupted && trial.pruned_at === null) {
        // Ctrl-C: the trial was cancelled, not finished; the next run of the study does it again.
        study.trials.pop();
        break;
      }
      trial.duration_s = Math.round((performance.now() - started) / 10) / 100;
      trial.ended_at = now();
      study.elapsed_s += trial.duration_s;
      const metrics = code === null ? null : await readMetrics(trialDir);
      if (metrics) {
        trial.epochs_run = metrics.epochs_run ?? null;
        trial.kept_epoch = metrics.kept_epoch ?? null;
        trial.final = metrics.final ?? null;
      }
      if (trial.status === 'running')
        trial.status = trial.pruned_at !== null ? 'pruned' : code === 0 ? 'completed' : 'failed';
      if (trial.status === 'failed' && !trial.error) trial.error = `train exited with ${code}`;
      trial.rss_mb = Math.round(process.memoryUsage().rss / 1048576);
      const best = bestTrial(study.trials);
      const isBest = best?.number === number;
      if (isBest) await promote(trialDir, bestDir, outDir);
      else await rm(trialDir, { recursive: true, force: true });
      if (isBest) study.best_trial = number;
      await save();
      out(trialLine(trial, planned, isBest));
    }
  } finally {
    process.off('SIGINT', onSignal);
    await rm(trialsDir, { recursive: true, force: true });
  }
  if (interrupted) {
    study.status = 'interrupted';
    await save();
    out(`Interrupted: ${study.trials.length} trial(s) kept in ${studyFile}; run the same command to resume.`);
    return 130;
  }
  if (study.status === 'running') study.status = 'completed';
  await save();
  const best = study.best_trial === null ? null : (study.trials.find((t) => t.number === study.best_trial) ?? null);
  const counts = (['completed', 'pruned', 'failed'] as const)
    .map((s) => `${study.trials.filter((t) => t.status === s).length} ${s}`)
    .join(', ');
  out(
    `Study ${study.status === 'budget_spent' ? 'stopped by its time budget' : 'done'}: ${study.trials.length} trial(s) (${counts}) in ${study.elapsed_s.toFixed(1)} s.`,
  );
  if (!best) {
    out('No trial completed, so there is no best model.');
    return 1;
  }
  out(`Best: trial ${best.number + 1} (${formatParams(best.params)}): ${scoreText(best)}. Its model: ${bestDir}`);
  return 0;
}

async function readMetrics(
  dir: string,
): Promise<{ epochs_run?: number; kept_epoch?: number | null; final?: Record<string, number | null> | null } | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'metrics.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** The trial's folder becomes DIR/best (the old best deleted); its manifest's --graph follows it there. */
async function promote(trialDir: string, bestDir: string, outDir: string): Promise<void> {
  const old = path.join(outDir, '.best-old');
  if (existsSync(bestDir)) await rename(bestDir, old);
  await rename(trialDir, bestDir);
  await rm(old, { recursive: true, force: true });
  const manifestFile = path.join(bestDir, MANIFEST_FILE);
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { command?: { args: string[] } };
    if (manifest.command)
      manifest.command.args = manifest.command.args.map((a) =>
        a.startsWith(trialDir + path.sep) ? path.join(bestDir, path.relative(trialDir, a)) : a,
      );
    await writeJsonAtomic(manifestFile, manifest);
  }
}

function scoreText(trial: Trial): string {
  const f = trial.final ?? {};
  const parts = [`val_loss ${f['val_loss']?.toPrecision(4) ?? '-'}`];
  if (typeof f['val_accuracy'] === 'number') parts.push(`val_accuracy ${f['val_accuracy'].toPrecision(4)}`);
  if (typeof f['val_mae'] === 'number') parts.push(`val_mae ${f['val_mae'].toPrecision(4)}`);
  if (trial.kept_epoch !== null && trial.epochs_run !== null)
    parts.push(`epoch ${trial.kept_epoch + 1} of ${trial.epochs_run} kept`);
  return parts.join(', ');
}

function trialLine(trial: Trial, planned: number, isBest: boolean): string {
  const head = `Trial ${trial.number + 1}/${planned} (${formatParams(trial.params)})`;
  const time = trial.duration_s !== null ? `, ${trial.duration_s.toFixed(1)} s` : '';
  if (trial.status === 'failed') return `${head}: failed: ${trial.error}${time}`;
  if (trial.status === 'pruned')
    return `${head}: stopped by ASHA after ${trial.pruned_at} epoch(s) (val_loss ${trial.rungs[String(trial.pruned_at)]?.toPrecision(4) ?? '-'}, not in the top third at that rung)${time}`;
  return `${head}: ${scoreText(trial)}${time}${isBest ? ' [best so far]' : ''}`;
}
