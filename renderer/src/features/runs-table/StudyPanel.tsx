import { useEffect, useState } from 'react';
import type { AppStudy } from '../../../../app/experiments/app-study';
import type { SearchSpace, Strategy } from '../../../../app/experiments/study';
import { GRAPH_PARAMS, hasGraphParams, isMlpShaped } from '../../../../app/experiments/trial-graph';
import { ModelGraph } from '../../../../app/graph/schema';
import { useGraph, useProject, useTrainForm, useWorkbench } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { formatLoss, formatStat } from '../../lib/format';

interface SpaceForm {
  learningRate: { on: boolean; low: string; high: string; log: boolean };
  batchSize: { on: boolean; values: string };
  optimizer: { on: boolean; values: string };
  epochs: { on: boolean; low: string; high: string };
  units: { on: boolean; low: string; high: string };
  dropout: { on: boolean; low: string; high: string };
}

const INITIAL: SpaceForm = {
  learningRate: { on: true, low: '0.0001', high: '0.1', log: true },
  batchSize: { on: true, values: '16, 32, 64, 128' },
  optimizer: { on: false, values: 'adam, rmsprop, sgd' },
  epochs: { on: false, low: '10', high: '60' },
  units: { on: false, low: '8', high: '128' },
  dropout: { on: false, low: '0', high: '0.5' },
};

/** The form as a search space, or the first thing wrong with it; width and dropout only for an mlp-shaped model. */
function spaceFrom(form: SpaceForm, mlp: boolean): { space: SearchSpace } | { error: string } {
  const space: SearchSpace = {};
  const num = (label: string, text: string) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`${label}: "${text}" is not a number.`);
    return n;
  };
  const list = (text: string) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  try {
    if (form.learningRate.on)
      space.learningRate = {
        type: 'float',
        low: num('Learning rate, from', form.learningRate.low),
        high: num('Learning rate, to', form.learningRate.high),
        log: form.learningRate.log,
      };
    if (form.batchSize.on)
      space.batchSize = { type: 'choice', values: list(form.batchSize.values).map((v) => num('Batch size', v)) };
    if (form.optimizer.on) space.optimizer = { type: 'choice', values: list(form.optimizer.values) };
    if (form.epochs.on)
      space.epochs = {
        type: 'int',
        low: num('Epochs, from', form.epochs.low),
        high: num('Epochs, to', form.epochs.high),
      };
    if (mlp && form.units.on)
      space.units = {
        type: 'int',
        low: num('Hidden width, from', form.units.low),
        high: num('Hidden width, to', form.units.high),
        log: true,
      };
    if (mlp && form.dropout.on)
      space.dropout = {
        type: 'float',
        low: num('Dropout, from', form.dropout.low),
        high: num('Dropout, to', form.dropout.high),
      };
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (Object.keys(space).length === 0) return { error: 'Tick at least one setting to search.' };
  return { space };
}

const showParam = (v: number | string) => (typeof v === 'number' ? formatStat(v) : v);

/**
 * Search settings from the app (issue 16): a space editor over the Train step's settings, a
 * strategy and a budget; the trials train as runs of the project, their progress live, and the
 * best trial's settings go into the Train form with one click.
 */
export function StudyPanel() {
  const { client, stores } = useWorkbench();
  const api = client.api;
  const projectId = useProject((s) => s.current?.id ?? null);
  const config = useTrainForm((s) => s.config);
  // Width and dropout are searched on the mlp template's shape only (app/experiments/trial-graph.ts).
  const mlp = useGraph((s) => {
    const parsed = ModelGraph.safeParse(s.graph);
    return parsed.success && isMlpShaped(parsed.data);
  });
  const [form, setForm] = useState<SpaceForm>(INITIAL);
  const [strategy, setStrategy] = useState<Strategy>('random');
  const [trials, setTrials] = useState('6');
  const [budget, setBudget] = useState('');
  const [study, setStudy] = useState<AppStudy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [applied, setApplied] = useState<string | null>(null);

  useEffect(
    () =>
      api.on('study.progress', (p) => {
        if (p.projectId === projectId) setStudy(p.study);
      }),
    [api, projectId],
  );
  // The project's latest study as its file holds it: one Layerlab stopped in shows as interrupted, to resume.
  useEffect(() => {
    setStudy(null);
    if (!projectId) return;
    let live = true;
    api.invoke('study.list', { projectId }).then(
      (studies) => {
        if (live) setStudy((now) => now ?? studies.at(-1) ?? null);
      },
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [api, projectId]);

  const resume = async () => {
    if (!projectId || !study) return;
    setError(null);
    try {
      setStudy(await api.invoke('study.resume', { projectId, studyId: study.id }));
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const start = async () => {
    setError(null);
    setApplied(null);
    const current = stores.project.getState().current;
    const graph = ModelGraph.safeParse(stores.graph.getState().graph);
    const taskSpec = current?.project.taskSpec;
    if (!current || !taskSpec || !graph.success || !config)
      return setError('Choose a target, build a valid model and fix the Train settings before searching.');
    const parsed = spaceFrom(form, mlp);
    if ('error' in parsed) return setError(parsed.error);
    const count = Number(trials);
    if (!Number.isInteger(count) || count < 1) return setError(`Trials: "${trials}" is not a whole number ≥ 1.`);
    const seconds = budget.trim() === '' ? null : Number(budget);
    if (seconds !== null && !(seconds > 0)) return setError(`Time budget: "${budget}" is not a number of seconds.`);
    try {
      const augmentation = current.imageDataset ? current.project.augmentation : undefined;
      setStudy(
        await api.invoke('study.start', {
          projectId: current.id,
          taskSpec,
          graph: graph.data,
          trainConfig: config,
          ...(augmentation ? { augmentation } : {}),
          strategy,
          space: parsed.space,
          trials: count,
          timeBudgetS: seconds,
          seed: config.seed,
        }),
      );
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const best = study?.best_trial != null ? study.trials.find((t) => t.number === study.best_trial) : undefined;
  const running = study?.status === 'running';
  const set = <K extends keyof SpaceForm>(key: K, patch: Partial<SpaceForm[K]>) =>
    setForm((f) => ({ ...f, [key]: { ...f[key], ...patch } }));

  if (!projectId) return null;
  return (
    <section className="runs-study" data-testid="study-panel">
      <h3>Search settings</h3>
      <p className="muted">
        Trains the Train step&apos;s setup again with these settings varied, one run after another; the best run is the
        one with the lowest validation loss at its kept epoch.
      </p>
      <div className="study-space">
        <label>
          <input
            type="checkbox"
            checked={form.learningRate.on}
            onChange={(e) => set('learningRate', { on: e.target.checked })}
            data-testid="study-lr-on"
          />
          Learning rate
        </label>
        <span>
          from{' '}
          <input
            value={form.learningRate.low}
            onChange={(e) => set('learningRate', { low: e.target.value })}
            aria-label="Learning rate from"
            data-testid="study-lr-low"
          />{' '}
          to{' '}
          <input
            value={form.learningRate.high}
            onChange={(e) => set('learningRate', { high: e.target.value })}
            aria-label="Learning rate to"
            data-testid="study-lr-high"
          />{' '}
          <label>
            <input
              type="checkbox"
              checked={form.learningRate.log}
              onChange={(e) => set('learningRate', { log: e.target.checked })}
            />
            log scale
          </label>
        </span>
        <label>
          <input
            type="checkbox"
            checked={form.batchSize.on}
            onChange={(e) => set('batchSize', { on: e.target.checked })}
            data-testid="study-batch-on"
          />
          Batch size
        </label>
        <input
          value={form.batchSize.values}
          onChange={(e) => set('batchSize', { values: e.target.value })}
          aria-label="Batch sizes"
          data-testid="study-batch-values"
        />
        <label>
          <input
            type="checkbox"
            checked={form.optimizer.on}
            onChange={(e) => set('optimizer', { on: e.target.checked })}
          />
          Optimizer
        </label>
        <input
          value={form.optimizer.values}
          onChange={(e) => set('optimizer', { values: e.target.value })}
          aria-label="Optimizers"
        />
        <label>
          <input type="checkbox" checked={form.epochs.on} onChange={(e) => set('epochs', { on: e.target.checked })} />
          Epochs
        </label>
        <span>
          from{' '}
          <input
            value={form.epochs.low}
            onChange={(e) => set('epochs', { low: e.target.value })}
            aria-label="Epochs from"
          />{' '}
          to{' '}
          <input
            value={form.epochs.high}
            onChange={(e) => set('epochs', { high: e.target.value })}
            aria-label="Epochs to"
          />
        </span>
        {mlp && (
          <>
            <label>
              <input
                type="checkbox"
                checked={form.units.on}
                onChange={(e) => set('units', { on: e.target.checked })}
                data-testid="study-units-on"
              />
              Hidden width
            </label>
            <span>
              from{' '}
              <input
                value={form.units.low}
                onChange={(e) => set('units', { low: e.target.value })}
                aria-label="Hidden width from"
              />{' '}
              to{' '}
              <input
                value={form.units.high}
                onChange={(e) => set('units', { high: e.target.value })}
                aria-label="Hidden width to"
              />{' '}
              <span className="muted">units of the first Dense layer (log scale), the second half as many</span>
            </span>
            <label>
              <input
                type="checkbox"
                checked={form.dropout.on}
                onChange={(e) => set('dropout', { on: e.target.checked })}
                data-testid="study-dropout-on"
              />
              Dropout
            </label>
            <span>
              from{' '}
              <input
                value={form.dropout.low}
                onChange={(e) => set('dropout', { low: e.target.value })}
                aria-label="Dropout from"
              />{' '}
              to{' '}
              <input
                value={form.dropout.high}
                onChange={(e) => set('dropout', { high: e.target.value })}
                aria-label="Dropout to"
              />{' '}
              <span className="muted">after each hidden layer</span>
            </span>
          </>
        )}
      </div>
      <div className="study-controls">
        <label>
          Strategy{' '}
          <select
            value={strategy}
            onChange={(e) => setStrategy(e.target.value as Strategy)}
            data-testid="study-strategy"
          >
            <option value="random">random</option>
            <option value="grid">grid (3 points per range)</option>
            <option value="asha">ASHA (stop poor trials early)</option>
          </select>
        </label>
        <label>
          Trials <input value={trials} onChange={(e) => setTrials(e.target.value)} data-testid="study-trials" />
        </label>
        <label>
          Time budget (s) <input value={budget} placeholder="none" onChange={(e) => setBudget(e.target.value)} />
        </label>
        {running ? (
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="study-cancel"
            onClick={() => void api.invoke('study.cancel', { projectId, studyId: study.id })}
          >
            Cancel study
          </button>
        ) : (
          <>
            {study?.status === 'interrupted' && (
              <button
                type="button"
                className="btn btn-primary"
                data-testid="study-resume"
                onClick={() => void resume()}
              >
                Resume study
              </button>
            )}
            <button
              type="button"
              className={study?.status === 'interrupted' ? 'btn btn-secondary' : 'btn btn-primary'}
              data-testid="study-start"
              onClick={() => void start()}
            >
              Start search
            </button>
          </>
        )}
      </div>
      {error && (
        <p className="runs-error" role="alert" data-testid="study-error">
          {error}
        </p>
      )}
      {study && (
        <div className="study-progress" data-testid="study-progress" data-status={study.status}>
          <p>
            <strong>
              {study.status === 'running'
                ? `Trial ${Math.min(study.trials.length, study.trials_planned)} of ${study.trials_planned} training…`
                : `Study ${study.status.replace('_', ' ')}`}
            </strong>{' '}
            <span className="muted">
              {study.strategy}, {study.elapsed_s.toFixed(1)} s of training{study.error ? ` · ${study.error}` : ''}
            </span>
          </p>
          <ol className="study-trials">
            {study.trials.map((t) => (
              <li
                key={t.number}
                className={t.number === study.best_trial ? 'is-best' : undefined}
                data-testid="study-trial"
              >
                {Object.entries(t.params)
                  .map(([k, v]) => `${k} ${showParam(v)}`)
                  .join(', ')}
                {' — '}
                {t.status === 'running'
                  ? 'training…'
                  : t.status === 'pruned'
                    ? `stopped by ASHA after ${t.pruned_at} epoch(s)`
                    : t.status === 'failed'
                      ? `failed${t.error ? `: ${t.error}` : ''}`
                      : `val loss ${formatLoss(t.final?.['val_loss'])}`}
                {t.number === study.best_trial ? ' (best)' : ''}
              </li>
            ))}
          </ol>
          {best && !running && config && (
            <button
              type="button"
              className="btn btn-primary"
              data-testid="study-promote"
              onClick={() => {
                const trainParams = Object.fromEntries(
                  Object.entries(best.params).filter(([k]) => !(GRAPH_PARAMS as readonly string[]).includes(k)),
                );
                const changes = stores.trainForm.getState().applyFix({ ...config, ...trainParams });
                setApplied(
                  changes.length
                    ? `The Train form now has trial ${best.number + 1}'s settings.`
                    : 'The Train form already has these settings.',
                );
                // Width and dropout: the model becomes the trial's (one undoable edit).
                if (hasGraphParams(best.params) && best.run_id)
                  void api.invoke('run.get', { projectId, runId: best.run_id }).then(
                    (run) => {
                      stores.graph.getState().replace(run.graph);
                      setApplied(`The Train form and the model now have trial ${best.number + 1}'s settings.`);
                    },
                    (e: unknown) => setError(messageOf(e)),
                  );
              }}
            >
              Use trial {best.number + 1}&apos;s settings
            </button>
          )}
          {applied && (
            <p className="muted" data-testid="study-applied">
              {applied}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
