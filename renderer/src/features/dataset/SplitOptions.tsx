import { useEffect, useState } from 'react';
import { inputKind } from '../../../../app/dataset/column-plan';
import type { DatasetMeta, SplitMethod, SplitSpec, TaskSpec } from '../../../../app/dataset/schema';
import { useActions, useProject } from '../../app/context';

const METHOD_LABEL: Record<SplitMethod, string> = {
  random: 'Random',
  stratified: 'Stratified by class',
  time: 'Time-ordered',
};
const DEFAULT_SPLIT_SEED = 42;

/**
 * How rows are split: random, stratified or time-ordered, and the share held out as a test split
 * (default none, as before test splits existed: a small dataset keeps its rows for training
 * unless the user decides to hold some back). The validation share is a training setting.
 */
export function SplitOptions({ dataset, spec }: { dataset: DatasetMeta; spec: TaskSpec }) {
  const { setTaskSpec } = useActions();
  const validationShare = useProject((s) => s.current?.project.trainConfig.validationSplit ?? 0.2);
  const split: SplitSpec = spec.split ?? { method: 'random', testShare: 0, seed: DEFAULT_SPLIT_SEED };
  const timeColumns = dataset.columns.filter(
    (c) => c.name !== spec.target && (inputKind(c) === 'datetime' || inputKind(c) === 'numeric'),
  );
  const [percent, setPercent] = useState(String(Math.round(split.testShare * 100)));
  useEffect(() => setPercent(String(Math.round(split.testShare * 100))), [split.testShare]);

  const save = (next: Partial<SplitSpec>) => {
    const merged: SplitSpec = { ...split, ...next };
    if (merged.method !== 'time') delete merged.column;
    else if (!merged.column && timeColumns[0]) merged.column = timeColumns[0].name;
    void setTaskSpec({ ...spec, split: merged });
  };
  const commitPercent = () => {
    const n = Number(percent);
    if (percent.trim() === '' || !Number.isFinite(n) || n < 0 || n > 50) {
      setPercent(String(Math.round(split.testShare * 100)));
      return;
    }
    if (n / 100 !== split.testShare) save({ testShare: n / 100 });
  };
  const test = split.testShare;
  const train = Math.max(0, 1 - validationShare - test);
  const pct = (share: number) => `${Math.round(share * 100)}%`;

  return (
    <div className="split-options" data-testid="split-options">
      <div className="split-fields">
        <label className="field">
          <span className="field-label">Split</span>
          <select
            className="select"
            data-testid="split-method"
            value={split.method}
            onChange={(e) => save({ method: e.target.value as SplitMethod })}
          >
            {(['random', 'stratified', 'time'] as const).map((m) => (
              <option key={m} value={m} disabled={m === 'stratified' && spec.task !== 'classification'}>
                {METHOD_LABEL[m]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Test share (%)</span>
          <input
            className="input"
            data-testid="split-test-share"
            type="number"
            min={0}
            max={50}
            step={5}
            value={percent}
            onChange={(e) => setPercent(e.target.value)}
            onBlur={commitPercent}
            onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
          />
        </label>
        {split.method === 'time' && (
          <label className="field">
            <span className="field-label">Ordered by</span>
            <select
              className="select"
              data-testid="split-column"
              value={split.column ?? ''}
              onChange={(e) => save({ column: e.target.value })}
            >
              {timeColumns.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          <span className="field-label">Split seed</span>
          <input
            className="input"
            data-testid="split-seed"
            type="number"
            min={0}
            value={split.seed}
            onChange={(e) =>
              Number.isInteger(Number(e.target.value)) &&
              e.target.value !== '' &&
              save({ seed: Number(e.target.value) })
            }
          />
        </label>
      </div>
      <p className="muted split-shares" data-testid="split-shares">
        Train {pct(train)} · validation {pct(validationShare)} (set under Train) · test {test > 0 ? pct(test) : 'none'}.
        {test > 0
          ? ' Test rows are never trained or early-stopped on; evaluate them once, when you are done tuning.'
          : ' Set a test share to hold rows back for a final, honest score.'}
      </p>
    </div>
  );
}
