import { useEffect, useState } from 'react';
import type { ColumnProfile, DatasetMeta, TaskSpec } from '../../../../app/dataset/schema';
import {
  DEFAULT_WINDOW_SPEC,
  MAX_HORIZON,
  MAX_LOOKBACK,
  windowInputColumns,
  type Differencing,
  type WindowSpec,
} from '../../../../app/dataset/windows';
import { useActions } from '../../app/context';
import { plural } from '../../lib/format';

const DIFFERENCING_LABEL: Record<Differencing, string> = {
  none: 'None: the values as they are',
  diff: 'Difference: change from the row before',
  pct: 'Percent change from the row before',
};

/** Columns rows can be put in time order by: dates first (the usual case), then numbers. */
export function timeColumnCandidates(dataset: DatasetMeta, target: string): ColumnProfile[] {
  const dates = dataset.columns.filter((c) => c.type === 'datetime');
  const numbers = dataset.columns.filter((c) => c.kind === 'numeric' && c.type !== 'datetime' && c.name !== target);
  return [...dates, ...numbers];
}

/**
 * The time-series switch of the task: forecast the target from windows of past rows ordered by
 * a time column (lookback rows in, the value horizon rows later out), with optional differencing.
 * Stored in the task spec as `timeSeries`; the editor sizes the Input to [lookback, features].
 */
export function TimeSeriesOptions({ dataset, spec }: { dataset: DatasetMeta; spec: TaskSpec }) {
  const { setTaskSpec } = useActions();
  const windows = spec.timeSeries;
  const candidates = timeColumnCandidates(dataset, spec.target);
  const first = candidates[0];

  const save = (next: WindowSpec | undefined) => {
    const { timeSeries: _previous, ...rest } = spec;
    // A forecast is a number: windows switch the task to regression.
    void setTaskSpec(next ? { ...rest, task: 'regression', timeSeries: next } : rest);
  };

  return (
    <div className="time-series" data-testid="time-series">
      <label
        className="checkbox"
        title={first ? undefined : 'This table has no date or number column to order its rows by.'}
      >
        <input
          type="checkbox"
          data-testid="time-series-toggle"
          checked={windows !== undefined}
          disabled={!first}
          onChange={(e) =>
            save(e.target.checked && first ? { timeColumn: first.name, ...DEFAULT_WINDOW_SPEC } : undefined)
          }
        />
        Time series: forecast from the rows before
      </label>
      {windows && (
        <>
          <div className="task-fields time-series-fields">
            <label className="field">
              <span className="field-label">Time column</span>
              <select
                className="select"
                data-testid="time-column-select"
                value={windows.timeColumn}
                onChange={(e) => save({ ...windows, timeColumn: e.target.value })}
              >
                {!candidates.some((c) => c.name === windows.timeColumn) && (
                  <option value={windows.timeColumn}>{windows.timeColumn} (not usable)</option>
                )}
                {candidates.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
            <WholeNumberField
              label="Lookback (rows in)"
              testId="lookback-input"
              value={windows.lookback}
              max={MAX_LOOKBACK}
              onCommit={(lookback) => save({ ...windows, lookback })}
            />
            <WholeNumberField
              label="Horizon (rows ahead)"
              testId="horizon-input"
              value={windows.horizon}
              max={MAX_HORIZON}
              onCommit={(horizon) => save({ ...windows, horizon })}
            />
            <label className="field">
              <span className="field-label">Differencing</span>
              <select
                className="select"
                data-testid="differencing-select"
                value={windows.differencing}
                onChange={(e) => save({ ...windows, differencing: e.target.value as Differencing })}
              >
                {(['none', 'diff', 'pct'] as const).map((d) => (
                  <option key={d} value={d}>
                    {DIFFERENCING_LABEL[d]}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <WindowSummary dataset={dataset} spec={spec} windows={windows} />
        </>
      )}
    </div>
  );
}

/** What one sample is, how the rows are split, and the baseline the model has to beat. */
function WindowSummary({ dataset, spec, windows }: { dataset: DatasetMeta; spec: TaskSpec; windows: WindowSpec }) {
  let inputs: string[];
  try {
    inputs = windowInputColumns(dataset, spec, windows);
  } catch {
    return null; // TaskPanel shows taskShape's message for the same problem.
  }
  const change =
    windows.differencing === 'none'
      ? ''
      : windows.differencing === 'diff'
        ? ' (as changes from the row before)'
        : ' (as percent changes from the row before)';
  return (
    <div className="muted time-series-summary" data-testid="time-series-summary">
      <p>
        Each sample: the last {plural(windows.lookback, 'row')} of {inputs.join(', ')}
        {change} → “{spec.target}” {plural(windows.horizon, 'row')} later. Input shape ({windows.lookback},{' '}
        {inputs.length}).
      </p>
      <p>
        Rows are sorted by “{windows.timeColumn}” and split in time order: training first, then validation; no window
        crosses the boundary, and scaling uses training rows only. The baseline to beat is the naive forecast “
        {spec.target} stays at its last value”.
      </p>
      <p>
        A missing value takes the value of the row before, and every input is standardized: the per-column missing and
        scaling choices below apply to tables, not windows.
      </p>
    </div>
  );
}

/** A whole-number field that saves only valid values and says why it did not. */
function WholeNumberField({
  label,
  testId,
  value,
  max,
  onCommit,
}: {
  label: string;
  testId: string;
  value: number;
  max: number;
  onCommit: (value: number) => void;
}) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const n = Number(text);
  const error =
    text.trim() === '' || !Number.isInteger(n)
      ? 'a whole number'
      : n < 1
        ? 'at least 1'
        : n > max
          ? `at most ${max}`
          : null;
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <input
        className="input"
        data-testid={testId}
        inputMode="numeric"
        value={text}
        aria-invalid={error !== null}
        onChange={(e) => {
          setText(e.target.value);
          const next = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isInteger(next) && next >= 1 && next <= max && next !== value)
            onCommit(next);
        }}
      />
      {error && <span className="field-error">Must be {error}.</span>}
    </label>
  );
}
