import type { FormEvent } from 'react';
import { OPTIMIZERS, type OptimizerName } from '../../../../app/training/config';
import { useActions, useGraph, useProject, useRuns, useTrainForm, useWorkbench } from '../../app/context';
import { useTaskInfo } from '../../app/derived';
import { plural } from '../../lib/format';
import { FIELD_LABELS, type TrainField } from './train-form';

const OPTIMIZER_LABELS: Record<OptimizerName, string> = {
  sgd: 'SGD',
  momentum: 'SGD with momentum',
  adam: 'Adam',
  adagrad: 'Adagrad',
  rmsprop: 'RMSprop',
};

const FIELDS: { field: TrainField; testId: string; step: string; hint: string }[] = [
  { field: 'epochs', testId: 'epochs-input', step: '1', hint: 'Passes over the training data.' },
  { field: 'batchSize', testId: 'batch-size-input', step: '1', hint: 'Examples per weight update.' },
  { field: 'learningRate', testId: 'learning-rate-input', step: 'any', hint: 'Step size; 0.001–0.01 suits Adam.' },
  { field: 'validationSplit', testId: 'validation-split-input', step: '0.05', hint: 'Share of rows held out to check generalisation.' },
  { field: 'seed', testId: 'seed-input', step: '1', hint: 'Same seed, same split and initial weights.' },
];

/** Why Train cannot start right now, in the order a user would fix them; empty when it can. */
export function useTrainBlockers(): string[] {
  const task = useTaskInfo();
  const graphOk = useGraph((s) => s.analysis.ok && s.nodes.length > 0);
  const issues = useGraph((s) => s.analysis.issues.length);
  const configOk = useTrainForm((s) => s.config !== null);
  const active = useRuns((s) => s.activeRunId !== null || s.starting);
  const blockers: string[] = [];
  if (!task.shape) blockers.push(task.error ?? 'Import data and choose a target in step 1 (Data).');
  else if (!graphOk) blockers.push(issues > 0 ? `The model has ${plural(issues, 'issue')}: fix ${issues === 1 ? 'it' : 'them'} in step 2 (Model).` : 'The model is empty: build it in step 2 (Model).');
  if (!configOk) blockers.push('Fix the highlighted settings.');
  if (active) blockers.push('A run is in progress; cancel it or wait for it to finish.');
  return blockers;
}

export function TrainForm() {
  const values = useTrainForm((s) => s.values);
  const errors = useTrainForm((s) => s.errors);
  const { stores } = useWorkbench();
  const { startRun, cancelRun } = useActions();
  const starting = useRuns((s) => s.starting);
  const cancelling = useRuns((s) => s.cancelling);
  const activeRunId = useRuns((s) => s.activeRunId);
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
      <div className="train-fields">
        {FIELDS.slice(0, 2).map((f) => (
          <NumberInput key={f.field} {...f} value={values[f.field]} error={errors[f.field]} onChange={(v) => set(f.field, v)} />
        ))}
        <label className="field field-wide">
          <span className="field-label">Optimizer</span>
          <select className="select" data-testid="optimizer-select" value={values.optimizer} onChange={(e) => set('optimizer', e.target.value)}>
            {OPTIMIZERS.map((o) => (
              <option key={o} value={o}>
                {OPTIMIZER_LABELS[o]}
              </option>
            ))}
          </select>
        </label>
        {FIELDS.slice(2).map((f) => (
          <NumberInput key={f.field} {...f} value={values[f.field]} error={errors[f.field]} onChange={(v) => set(f.field, v)} />
        ))}
      </div>

      <div className="train-actions">
        <button type="submit" className="btn btn-primary" data-testid="train-button" disabled={blockers.length > 0}>
          {starting ? 'Starting…' : activeRunId ? 'Training…' : 'Train'}
        </button>
        <button type="button" className="btn btn-secondary" data-testid="cancel-button" disabled={!activeRunId || cancelling} onClick={() => void cancelRun()}>
          {cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
      <ul className="blockers" data-testid="train-blockers" aria-live="polite">
        {blockers
          .filter((b) => !b.startsWith('A run is in progress'))
          .map((b) => (
            <li key={b}>{b}</li>
          ))}
        {engineState === 'starting' && blockers.length === 0 && <li className="muted">The engine is still starting; the run will begin when it is ready.</li>}
      </ul>
    </form>
  );
}

function NumberInput(props: { field: TrainField; testId: string; step: string; hint: string; value: string; error: string | undefined; onChange: (v: string) => void }) {
  const id = `train-${props.field}`;
  return (
    <label className={`field${props.error ? ' has-error' : ''}`} htmlFor={id}>
      <span className="field-label">{FIELD_LABELS[props.field]}</span>
      <input
        id={id}
        className="input"
        type="number"
        inputMode="decimal"
        step={props.step}
        data-testid={props.testId}
        value={props.value}
        aria-invalid={!!props.error}
        aria-describedby={`${id}-msg`}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <span id={`${id}-msg`} className={props.error ? 'field-error' : 'field-hint muted'}>
        {props.error ?? props.hint}
      </span>
    </label>
  );
}
