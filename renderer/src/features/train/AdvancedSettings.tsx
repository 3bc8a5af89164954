import {
  headFor,
  lossesFor,
  lowerIsBetter,
  metricFor,
  metricsFor,
  type LossName,
  type MetricName,
} from '../../../../app/training/config';
import { useEffect, useRef } from 'react';
import { useTrainForm, useWorkbench } from '../../app/context';
import { LOSS_LABELS, METRIC_LABELS, NumberInput, useChangedClass, useFieldErrors, useTaskKind } from './train-inputs';
import type { AdvancedField, ScheduleType } from './train-form';
import { ADVANCED_LABELS } from './train-form';

const SCHEDULE_LABELS: Record<ScheduleType, string> = {
  none: 'Constant',
  step: 'Step decay',
  exponential: 'Exponential decay',
  cosine: 'Cosine',
  plateau: 'Reduce on plateau',
};

/**
 * The settings most runs leave alone, folded away: loss, metrics, early stopping, learning-rate
 * schedule and warm-up, class weights and gradient clipping. Only what fits the task is offered.
 */
export function AdvancedSettings() {
  const values = useTrainForm((s) => s.values);
  const errors = useFieldErrors();
  const { stores } = useWorkbench();
  const set = stores.trainForm.getState().set;
  const kind = useTaskKind();
  const losses = kind ? lossesFor(kind) : [];
  const metrics = kind ? metricsFor(kind) : [];
  const defaultLoss = kind ? headFor(kind.task, kind.classes).loss : null;
  const defaultMetric = kind ? metricFor(kind.task) : null;
  const shownMetrics = values.metrics.length > 0 ? values.metrics : defaultMetric ? [defaultMetric] : [];
  const monitors = ['val_loss', 'loss', ...shownMetrics.flatMap((m) => [`val_${m}`, m])];

  const num = (field: AdvancedField, hint: string, step = 'any') => (
    <NumberInput
      field={field}
      label={ADVANCED_LABELS[field]}
      testId={`${field}-input`}
      step={step}
      hint={hint}
      value={values[field]}
      error={errors[field]}
      onChange={(v) => set(field, v)}
    />
  );
  const toggleMetric = (m: MetricName, on: boolean) => {
    const current = values.metrics.length > 0 ? values.metrics : defaultMetric ? [defaultMetric] : [];
    set('metrics', on ? [...current.filter((x) => x !== m), m] : current.filter((x) => x !== m));
  };

  // A one-click fix that changed a setting in here opens the section: a change is never hidden.
  const changedHere = useTrainForm((s) => s.changed.filter((c) => c.advanced).length);
  const details = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (changedHere > 0 && details.current) details.current.open = true;
  }, [changedHere]);
  const esChanged = useChangedClass('earlyStopping');
  const restoreChanged = useChangedClass('restoreBest');
  const monitorChanged = useChangedClass('esMonitor');

  return (
    <details className="advanced" data-testid="advanced-settings" ref={details}>
      <summary>Advanced</summary>
      <div className="train-fields">
        {values.optimizer === 'momentum' && (
          <label className="check field-wide">
            <input
              type="checkbox"
              data-testid="nesterov-check"
              checked={values.nesterov}
              onChange={(e) => set('nesterov', e.target.checked)}
            />{' '}
            Nesterov momentum
          </label>
        )}
        <label className={`field field-wide${errors.loss ? ' has-error' : ''}`}>
          <span className="field-label">Loss</span>
          <select
            className="select"
            data-testid="loss-select"
            value={values.loss}
            onChange={(e) => set('loss', e.target.value as LossName | '')}
          >
            <option value="">{defaultLoss ? `Task default (${LOSS_LABELS[defaultLoss]})` : 'Task default'}</option>
            {/* Keep a loaded loss visible even when the task no longer allows it: the blocker explains. */}
            {[...losses, ...(values.loss !== '' && !losses.includes(values.loss) ? [values.loss] : [])].map((l) => (
              <option key={l} value={l}>
                {LOSS_LABELS[l]}
              </option>
            ))}
          </select>
          {errors.loss && (
            <span className="field-error" data-testid="loss-error">
              {errors.loss}
            </span>
          )}
        </label>
        <fieldset className="field field-wide metric-checks" data-testid="metrics-checks">
          <legend className="field-label">Metrics</legend>
          {metrics.length === 0 && <span className="muted">Choose a target first.</span>}
          {metrics.map((m) => (
            <label key={m} className="check">
              <input
                type="checkbox"
                value={m}
                checked={shownMetrics.includes(m)}
                onChange={(e) => toggleMetric(m, e.target.checked)}
              />{' '}
              {METRIC_LABELS[m]}
            </label>
          ))}
          {errors.metrics && <span className="field-error">{errors.metrics}</span>}
        </fieldset>

        <label className={`check field-wide${esChanged}`}>
          <input
            type="checkbox"
            data-testid="early-stopping-check"
            checked={values.earlyStopping}
            onChange={(e) => set('earlyStopping', e.target.checked)}
          />{' '}
          Early stopping
          {values.earlyStopping && values.esAuto && (
            <span className="muted" data-testid="early-stopping-auto">
              {' '}
              (auto: on validation loss, patience 10 epochs (5 for images), the best epoch's weights kept)
            </span>
          )}
        </label>
        {values.earlyStopping && (
          <>
            <label className={`field field-wide${monitorChanged}${errors.esMonitor ? ' has-error' : ''}`}>
              <span className="field-label">Watch</span>
              <select
                className="select"
                data-testid="es-monitor-select"
                value={values.esMonitor}
                onChange={(e) => set('esMonitor', e.target.value)}
              >
                {[...new Set([...monitors, values.esMonitor])].map((m) => (
                  <option key={m} value={m}>
                    {m} ({lowerIsBetter(m) ? 'lower' : 'higher'} is better)
                  </option>
                ))}
              </select>
              {errors.esMonitor && <span className="field-error">{errors.esMonitor}</span>}
            </label>
            {num('esPatience', 'Epochs without improvement.', '1')}
            {num('esMinDelta', 'Smallest change that counts.')}
            <label className={`check field-wide${restoreChanged}`}>
              <input
                type="checkbox"
                data-testid="restore-best-check"
                checked={values.restoreBest}
                onChange={(e) => set('restoreBest', e.target.checked)}
              />{' '}
              Keep the best epoch's weights
            </label>
          </>
        )}

        <label className="field field-wide">
          <span className="field-label">Learning-rate schedule</span>
          <select
            className="select"
            data-testid="schedule-select"
            value={values.schedule}
            onChange={(e) => set('schedule', e.target.value as ScheduleType)}
          >
            {(Object.keys(SCHEDULE_LABELS) as ScheduleType[]).map((t) => (
              <option key={t} value={t}>
                {SCHEDULE_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        {values.schedule === 'step' && (
          <>
            {num('stepEvery', 'Multiply the rate every N epochs.', '1')}
            {num('scheduleFactor', 'By this factor (below 1).')}
          </>
        )}
        {values.schedule === 'exponential' && num('decayRate', 'Rate × this, every epoch.')}
        {values.schedule === 'cosine' && num('minLearningRate', 'Where the cosine ends.')}
        {values.schedule === 'plateau' && (
          <>
            {num('scheduleFactor', 'Multiply the rate by this…')}
            {num('plateauPatience', '…after N epochs without a better val loss.', '1')}
            {num('minLearningRate', 'Never below this.')}
          </>
        )}
        {num('warmupEpochs', 'Ramp the rate up over N epochs first.', '1')}

        {kind?.task !== 'regression' && (
          <label className="field field-wide">
            <span className="field-label">Class weights</span>
            <select
              className="select"
              data-testid="class-weights-select"
              value={values.classWeights}
              onChange={(e) => set('classWeights', e.target.value as 'none' | 'balanced' | 'custom')}
            >
              <option value="none">None (every row counts the same)</option>
              <option value="balanced">Balanced (rare classes weigh more)</option>
              <option value="custom">Custom</option>
            </select>
          </label>
        )}
        {kind?.task !== 'regression' && values.classWeights === 'custom' && (
          <label className={`field field-wide${errors.customWeights ? ' has-error' : ''}`}>
            <span className="field-label">{ADVANCED_LABELS.customWeights}</span>
            <input
              className="input"
              data-testid="custom-weights-input"
              value={values.customWeights}
              placeholder="1, 2, 1"
              onChange={(e) => set('customWeights', e.target.value)}
            />
            <span className={errors.customWeights ? 'field-error' : 'field-hint muted'}>
              {errors.customWeights ?? 'One per class, in label order.'}
            </span>
          </label>
        )}

        <label className="check field-wide">
          <input
            type="checkbox"
            data-testid="clip-check"
            checked={values.clip}
            onChange={(e) => set('clip', e.target.checked)}
          />{' '}
          Clip gradients by global norm
        </label>
        {values.clip && num('clipNorm', 'Gradients are scaled down to this norm.')}
      </div>
    </details>
  );
}
