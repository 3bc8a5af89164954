import { Fragment, type FormEvent } from 'react';
import { LR_TEST_PHASE, percentOf, phaseProgressText } from '../../../../app/progress/work-progress';
import { OPTIMIZERS, type OptimizerName } from '../../../../app/training/config';
import { useActions, useGraph, useProject, useRuns, useSetup, useTrainForm, useWorkbench } from '../../app/context';
import { useTaskInfo } from '../../app/derived';
import { plural } from '../../lib/format';
import { AdvancedSettings } from './AdvancedSettings';
import { FixChanges } from './FixChanges';
import { NumberInput, useFieldErrors } from './train-inputs';
import { isAutoText, type TrainField } from './train-form';

const OPTIMIZER_LABELS: Record<OptimizerName, string> = {
  sgd: 'SGD',
  momentum: 'SGD with momentum',
  adam: 'Adam',
  adamax: 'Adamax',
  adagrad: 'Adagrad',
  adadelta: 'Adadelta',
  rmsprop: 'RMSprop',
};

const FIELDS: { field: TrainField; testId: string; step: string; hint: string }[] = [
  {
    field: 'epochs',
    testId: 'epochs-input',
    step: '1',
    hint: 'Passes over the training data, at most (early stopping may end sooner). "auto": chosen from the rows.',
  },
  {
    field: 'batchSize',
    testId: 'batch-size-input',
    step: '1',
    hint: 'Examples per weight update. "auto": 32, larger for big data.',
  },
  {
    field: 'learningRate',
    testId: 'learning-rate-input',
    step: 'any',
    hint: 'Step size; 0.001–0.01 suits Adam. Auto: an LR range test picks it before training.',
  },
  {
    field: 'validationSplit',
    testId: 'validation-split-input',
    step: '0.05',
    hint: 'Share of rows held out to check generalisation.',
  },
  { field: 'seed', testId: 'seed-input', step: '1', hint: 'Same seed, same split and initial weights.' },
];

/** Why Train cannot start right now, in the order a user would fix them; empty when it can. */
export function useTrainBlockers(): string[] {
  const task = useTaskInfo();
  const graphOk = useGraph((s) => s.analysis.ok && s.nodes.length > 0);
  const issues = useGraph((s) => s.analysis.issues.length);
  const config = useTrainForm((s) => s.config);
  const active = useRuns((s) => s.activeRunId !== null || s.starting);
  const settingIssue = useSetup((s) => s.setup?.issues.find((i) => i.field === 'trainConfig')?.message ?? null);
  // A valid graph that does not fit the data: what the run manager would refuse, said before Train.
  const fitIssue = useSetup((s) => s.setup?.issues.find((i) => i.field === 'graph')?.message ?? null);
  const blockers: string[] = [];
  if (!task.shape) blockers.push(task.error ?? 'Import data and choose a target in step 1 (Data).');
  else if (!graphOk)
    blockers.push(
      issues > 0
        ? `The model has ${plural(issues, 'issue')}: fix ${issues === 1 ? 'it' : 'them'} in step 2 (Model).`
        : 'The model is empty: build it in step 2 (Model).',
    );
  else if (fitIssue) blockers.push(fitIssue);
  if (!config) blockers.push('Fix the highlighted settings.');
  // Settings valid on their own may not fit this task (sparse cross-entropy on a regression...): the setup says which.
  else if (settingIssue) blockers.push(`Training settings: ${settingIssue}`);
  if (active) blockers.push('A run is in progress; cancel it or wait for it to finish.');
  return blockers;
}

export function TrainForm() {
  const values = useTrainForm((s) => s.values);
  const errors = useFieldErrors();
  const { stores } = useWorkbench();
  const { startRun, cancelRun, pauseRun, resumeRun, findLearningRate } = useActions();
  const starting = useRuns((s) => s.starting);
  const cancelling = useRuns((s) => s.cancelling);
  const activeRunId = useRuns((s) => s.activeRunId);
  const preparing = useRuns((s) => s.preparing);
  const paused = useProject((s) => s.current?.runs.find((r) => r.id === activeRunId)?.paused ?? false);
  const pausing = useRuns((s) => s.pausing);
  const engineState = useProject((s) => s.engine?.state ?? null);
  const blockers = useTrainBlockers();
  const set = stores.trainForm.getState().set;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (blockers.length === 0) void startRun();
  };

  return (
    <form className="card train-form" onSubmit={submit} noValidate>
      <h2>Training settings</h2>
      <FixChanges />
      <div className="train-fields">
        {FIELDS.slice(0, 2).map((f) => (
          // Empty shows "auto": chosen from the training rows when the run starts.
          <NumberInput
            key={f.field}
            {...f}
            value={isAutoText(values[f.field]) ? '' : values[f.field]}
            placeholder="auto"
            error={errors[f.field]}
            onChange={(v) => set(f.field, v)}
          />
        ))}
        <label className="field field-wide">
          <span className="field-label">Optimizer</span>
          <select
            className="select"
            data-testid="optimizer-select"
            value={values.optimizer}
            onChange={(e) => set('optimizer', e.target.value as OptimizerName)}
          >
            {OPTIMIZERS.map((o) => (
              <option key={o} value={o}>
                {OPTIMIZER_LABELS[o]}
              </option>
            ))}
          </select>
        </label>
        {FIELDS.slice(2).map((f) =>
          f.field === 'learningRate' ? (
            <Fragment key={f.field}>
              <label
                className="check field-wide"
                title="Find the rate with an LR range test before the first epoch; the run shows its curve"
              >
                <input
                  type="checkbox"
                  data-testid="learning-rate-auto"
                  checked={values.lrAuto}
                  onChange={(e) => set('lrAuto', e.target.checked)}
                />{' '}
                Auto learning rate (LR range test)
              </label>
              <NumberInput
                {...f}
                value={values.lrAuto ? '' : values[f.field]}
                error={errors[f.field]}
                onChange={(v) => set(f.field, v)}
              />
            </Fragment>
          ) : (
            <NumberInput
              key={f.field}
              {...f}
              value={values[f.field]}
              error={errors[f.field]}
              onChange={(v) => set(f.field, v)}
            />
          ),
        )}
      </div>
      <AdvancedSettings />

      <div className="train-actions">
        <button type="submit" className="btn btn-primary" data-testid="train-button" disabled={blockers.length > 0}>
          {starting ? 'Starting…' : activeRunId ? (paused ? 'Paused' : 'Training…') : 'Train'}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          data-testid="cancel-button"
          disabled={(!activeRunId && !preparing) || cancelling}
          onClick={() => void cancelRun()}
        >
          {cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
        <button
          type="button"
          className="btn btn-secondary field-wide"
          data-testid="find-lr-button"
          title="Run the LR range test alone on these settings: its curve and suggested rate, no training"
          disabled={blockers.length > 0}
          onClick={() => void findLearningRate()}
        >
          Find learning rate
        </button>
        {paused ? (
          <button
            type="button"
            className="btn btn-secondary field-wide"
            data-testid="resume-button"
            disabled={!activeRunId || pausing}
            onClick={() => void resumeRun()}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-secondary field-wide"
            data-testid="pause-button"
            disabled={!activeRunId || pausing || cancelling}
            onClick={() => void pauseRun()}
          >
            {pausing ? 'Pausing…' : 'Pause'}
          </button>
        )}
      </div>
      {preparing && (
        <div className="import-progress" data-testid="prepare-progress">
          <div className="import-progress-text">
            <span role="status">
              {preparing.phase === LR_TEST_PHASE ? '' : 'Preparing the data: '}
              {phaseProgressText(preparing)}
            </span>
          </div>
          <progress max={100} value={percentOf(preparing)} aria-label={preparing.phase} />
        </div>
      )}
      <ul className="blockers" data-testid="train-blockers" aria-live="polite">
        {blockers
          .filter((b) => !b.startsWith('A run is in progress'))
          .map((b) => (
            <li key={b}>{b}</li>
          ))}
        {engineState === 'starting' && blockers.length === 0 && (
          <li className="muted">The engine is still starting; the run will begin when it is ready.</li>
        )}
      </ul>
    </form>
  );
}
