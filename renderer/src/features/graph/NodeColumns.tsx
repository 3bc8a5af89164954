import type { ColumnProfile } from '../../../../app/dataset/schema';
import type { BoundHead, BoundInput } from '../../../../app/graph';
import type { TableContext } from './graph-store';

/**
 * An Input's columns (checkboxes; none = every column no other Input takes) or an Output's
 * target (the task's target by default), chosen from the table the model trains on.
 */
export function InputColumns(props: {
  table: TableContext;
  columns: readonly string[] | undefined;
  bound: BoundInput | undefined;
  /** Column → the Output predicting it: shown, but not offered (a model cannot take what it predicts). */
  predicted: ReadonlyMap<string, string>;
  onChange: (columns: string[] | undefined) => void;
}) {
  const { table, columns, bound, predicted, onChange } = props;
  const chosen = new Set(columns ?? []);
  // Any column but the task's target can feed an Input; ignored ones only if a choice makes them usable.
  const candidates = table.meta.columns.filter(
    (c) => c.name !== table.spec.target && (c.kind !== 'ignored' || chosen.has(c.name)),
  );
  const toggle = (name: string, on: boolean) => {
    const next = candidates.map((c) => c.name).filter((n) => (n === name ? on : chosen.has(n)));
    onChange(next.length > 0 ? next : undefined);
  };
  return (
    <fieldset className="field column-choice" data-testid="input-columns">
      <legend className="field-label">Columns</legend>
      <span className="field-hint muted">
        {columns === undefined
          ? 'None chosen: this Input takes every feature column no other Input takes.'
          : 'Only these columns feed this Input.'}
      </span>
      <div className="column-choice-list">
        {candidates.map((c) => (
          <label
            key={c.name}
            className="checkbox"
            title={predicted.has(c.name) && !chosen.has(c.name) ? `Predicted by ${predicted.get(c.name)}` : describe(c)}
          >
            <input
              type="checkbox"
              data-testid={`input-column-${c.name}`}
              checked={chosen.has(c.name)}
              disabled={predicted.has(c.name) && !chosen.has(c.name)}
              onChange={(e) => toggle(c.name, e.target.checked)}
            />
            <span className={predicted.has(c.name) && !chosen.has(c.name) ? 'mono muted' : 'mono'}>{c.name}</span>
          </label>
        ))}
      </div>
      {bound && (
        <span className="field-hint" data-testid="input-columns-result">
          Takes {bound.columns.join(', ')}: {bound.width} value{bound.width === 1 ? '' : 's'} per row.
        </span>
      )}
    </fieldset>
  );
}

export function OutputTarget({
  table,
  target,
  bound,
  onChange,
}: {
  table: TableContext;
  target: string | undefined;
  bound: BoundHead | undefined;
  onChange: (target: string | undefined) => void;
}) {
  const candidates = table.meta.columns.filter((c) => c.kind !== 'ignored' && c.name !== table.spec.target);
  return (
    <label className="field">
      <span className="field-label">Target</span>
      <select
        className="select"
        data-testid="output-target-select"
        value={target ?? ''}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      >
        <option value="">{table.spec.target} (the task's target)</option>
        {candidates.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
      {bound && (
        <span className="field-hint" data-testid="output-target-result">
          Predicts {bound.target}:{' '}
          {bound.task === 'regression'
            ? 'a number (linear, mean squared error)'
            : `${bound.labels?.length ?? 2} classes (${bound.head.activation}, ${bound.head.loss === 'binaryCrossentropy' ? 'binary' : 'categorical'} cross-entropy)`}
          .
        </span>
      )}
    </label>
  );
}

function describe(c: ColumnProfile): string {
  return c.kind === 'categorical'
    ? `text: ${c.categories?.length ?? c.unique} categories (one-hot)`
    : c.kind === 'numeric'
      ? 'a number'
      : `${c.type ?? 'ignored'} column`;
}
