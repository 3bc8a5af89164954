import type { LossName, MetricName, TaskKind } from '../../../../app/training/config';
import { useTaskInfo } from '../../app/derived';
import { FIELD_LABELS, type TrainField } from './train-form';

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
  return (
    <label className={`field${props.error ? ' has-error' : ''}`} htmlFor={id}>
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
