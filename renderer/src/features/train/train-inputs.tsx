import { useMemo } from 'react';
import type { LossName, MetricName, TaskKind } from '../../../../app/training/config';
import { useSetup, useTrainForm } from '../../app/context';
import { settingIssueFields } from '../../app/workbench/setup-sync';
import { useTaskInfo } from '../../app/derived';
import { FIELD_LABELS, type FormField, type TrainField } from './train-form';

/** ' is-changed' while the last one-click fix's change to this field is shown highlighted. */
export function useChangedClass(field: FormField): string {
  return useTrainForm((s) => s.changed.some((c) => c.field === field)) ? ' is-changed' : '';
}

/**
 * Each field's error: the form's own (a value that is not a setting), else the training setup's
 * (a setting that does not fit this task or model: sparse cross-entropy on a regression...).
 */
export function useFieldErrors(): Partial<Record<FormField, string>> {
  const own = useTrainForm((s) => s.errors);
  const setup = useSetup((s) => s.setup);
  return useMemo(() => ({ ...settingIssueFields(setup), ...own }), [own, setup]);
}

/** The task as the loss and metric rules see it; null until a target is chosen. */
export function useTaskKind(): TaskKind | null {
  const task = useTaskInfo();
  if (!task.shape || !task.spec) return null;
  return task.spec.task === 'regression'
    ? { task: 'regression', classes: 1 }
    : { task: 'classification', classes: task.shape.labels?.length ?? 2 };
}

export function NumberInput(props: {
  field: string;
  label?: string;
  testId: string;
  step: string;
  hint: string;
  value: string;
  placeholder?: string;
  error: string | undefined;
  onChange: (v: string) => void;
}) {
  const id = `train-${props.field}`;
  const changed = useChangedClass(props.field as FormField);
  return (
    <label className={`field${props.error ? ' has-error' : ''}${changed}`} htmlFor={id}>
      <span className="field-label">{props.label ?? FIELD_LABELS[props.field as TrainField]}</span>
      <input
        id={id}
        className="input"
        type="number"
        inputMode="decimal"
        step={props.step}
        data-testid={props.testId}
        value={props.value}
        {...(props.placeholder ? { placeholder: props.placeholder } : {})}
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

export const LOSS_LABELS: Record<LossName, string> = {
  meanSquaredError: 'Mean squared error',
  meanAbsoluteError: 'Mean absolute error',
  huber: 'Huber',
  binaryCrossentropy: 'Binary cross-entropy',
  categoricalCrossentropy: 'Categorical cross-entropy',
  sparseCategoricalCrossentropy: 'Sparse categorical cross-entropy',
};

export const METRIC_LABELS: Record<MetricName, string> = {
  accuracy: 'Accuracy',
  precision: 'Precision',
  recall: 'Recall',
  auc: 'AUC',
  mae: 'MAE',
  rmse: 'RMSE',
  r2: 'R²',
};
