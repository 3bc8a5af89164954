import type { DatasetMeta, Task, TaskSpec } from '../../../../app/dataset/schema';
import { featureColumns, suggestTask } from '../../../../app/dataset/task';
import { useActions } from '../../app/context';
import { plural } from '../../lib/format';
import { describeHead, targetCandidates, type TaskInfo } from './task-info';
import { TimeSeriesOptions } from './TimeSeriesOptions';
import { choicesOf } from './column-controls';
import { SplitOptions } from './SplitOptions';

const TASK_LABEL: Record<Task, string> = { classification: 'Classification', regression: 'Regression' };

/** What to predict: the target column and the kind of task, and what that means for the model. */
export function TaskPanel({ dataset, info }: { dataset: DatasetMeta; info: TaskInfo }) {
  const { setTaskSpec, setStep } = useActions();
  const spec = info.spec;
  const candidates = targetCandidates(dataset);
  const target = spec ? dataset.columns.find((c) => c.name === spec.target) : undefined;
  const suggested = target ? suggestTask(target) : null;

  const chooseTarget = (name: string) => {
    const column = dataset.columns.find((c) => c.name === name);
    // A time-series choice stays on (a forecast is a regression); taskShape says if the new target cannot be one.
    if (column)
      void setTaskSpec(
        spec?.timeSeries
          ? { target: name, task: 'regression', timeSeries: spec.timeSeries }
          : { ...choicesOf(dataset, spec), target: name, task: suggestTask(column) },
      );
  };
  const chooseTask = (task: Task) => {
    if (spec) void setTaskSpec({ ...spec, task } satisfies TaskSpec);
  };

  const features = spec && target ? featureColumns(dataset, spec) : [];

  return (
    <section className="card task-panel" aria-labelledby="task-title">
      <h2 id="task-title">What to predict</h2>
      <div className="task-fields">
        <label className="field">
          <span className="field-label">Target column</span>
          <select
            className="select"
            data-testid="target-select"
            value={spec?.target ?? ''}
            onChange={(e) => chooseTarget(e.target.value)}
          >
            {!spec && <option value="">Choose a column…</option>}
            {spec && !target && <option value={spec.target}>{spec.target} (not in this file)</option>}
            {candidates.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Task</span>
          <select
            className="select"
            data-testid="task-select"
            value={spec?.task ?? ''}
            disabled={!spec}
            onChange={(e) => chooseTask(e.target.value as Task)}
          >
            {!spec && <option value="">–</option>}
            {(['classification', 'regression'] as const).map((t) => (
              <option key={t} value={t}>
                {TASK_LABEL[t]}
                {suggested === t ? ' (suggested)' : ''}
              </option>
            ))}
          </select>
        </label>
      </div>
      {spec && target && <TimeSeriesOptions dataset={dataset} spec={spec} />}
      {spec && target && !spec.timeSeries && <SplitOptions dataset={dataset} spec={spec} />}

      <div
        className={`task-summary${info.error ? ' is-error' : ''}`}
        data-testid="task-summary"
        role={info.error ? 'alert' : undefined}
      >
        {info.error ? (
          <p>{info.error}</p>
        ) : info.shape && spec ? (
          <>
            <p className="task-head">{describeHead(info.shape, spec.task)}</p>
            {!spec.timeSeries && (
              <p className="muted">
                Inputs: {plural(features.length, 'column')} encoded as {plural(info.shape.inputWidth, 'number')}
                {features.some((f) => f.kind === 'categorical') ? ' (text columns become one input per category)' : ''}.
              </p>
            )}
          </>
        ) : (
          <p className="muted">Choose the column the model should learn to predict.</p>
        )}
      </div>

      <div className="card-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={!info.shape}
          title={info.shape ? undefined : info.error ? 'Fix the target or task first' : 'Choose a target column first'}
          onClick={() => setStep('model')}
        >
          Continue to Model →
        </button>
      </div>
    </section>
  );
}
