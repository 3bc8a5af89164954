import { useEffect, useState } from 'react';
import { choiceOf, inputKind, MISSING_FOR, planColumn } from '../../../../app/dataset/column-plan';
import { suggestTask } from '../../../../app/dataset/task';
import type {
  CategoryEncoding,
  ColumnProfile,
  DatasetMeta,
  MissingStrategy,
  Scaling,
  TaskSpec,
} from '../../../../app/dataset/schema';
import { useActions } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { roleOf, withChoice, withRole, type ColumnRole } from './column-controls';

const MISSING_LABEL: Record<MissingStrategy | 'none', string> = {
  mean: 'Fill: mean',
  median: 'Fill: median',
  mostFrequent: 'Fill: most frequent',
  constant: 'Fill: constant',
  drop: 'Drop row',
  none: 'Missing: as unknown',
};
const SCALING_LABEL: Record<Scaling, string> = { standardize: 'Standardize', minmax: 'Min-max', none: 'No scaling' };
const ENCODING_LABEL: Record<CategoryEncoding, string> = { onehot: 'One-hot', ordinal: 'Ordinal' };

/** A text input that commits on blur or Enter (each commit saves the project). */
function CommitInput({
  value,
  onCommit,
  ...props
}: { value: string; onCommit: (v: string) => void } & Omit<
  React.InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange'
>) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <input
      {...props}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={() => text !== value && onCommit(text)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
      }}
    />
  );
}

/**
 * One column's choices as a compact row of selects: its use (input, target, ignored), missing
 * values, scaling, category encoding and cap, and the inputs it becomes. Controls that do not
 * apply to the column (a cap on numbers) or to its use are disabled.
 */
export function ColumnChoiceControls({
  dataset,
  spec,
  column,
}: {
  dataset: DatasetMeta;
  spec: TaskSpec | null;
  column: ColumnProfile;
}) {
  const { setTaskSpec } = useActions();
  const name = column.name;
  const role = roleOf(dataset, spec, name);
  const kind = inputKind(column);
  const choice = spec ? choiceOf(spec, name) : {};
  const isInput = role === 'feature';
  let width: number | null = null;
  let problem: string | null = null;
  if (isInput) {
    try {
      width = planColumn(dataset, column, choice).width;
    } catch (error) {
      problem = messageOf(error).replace(`Column "${name}": `, '');
    }
  }
  const set = (patch: Parameters<typeof withChoice>[2]) => spec && void setTaskSpec(withChoice(spec, name, patch));
  const setRole = (next: ColumnRole) => {
    if (!spec || next === role) return;
    if (next === 'target')
      void setTaskSpec({
        ...spec,
        target: name,
        task: suggestTask(column),
        ...(spec.features ? { features: spec.features.filter((f) => f !== name) } : {}),
      });
    else void setTaskSpec(withRole(dataset, spec, name, next));
  };
  const missing = choice.missing ?? (kind === 'categorical' ? 'none' : 'mean');
  const onehot = kind === 'categorical' && (choice.encoding ?? 'onehot') === 'onehot';
  const id = (what: string) => `col-${what}-${name}`;

  return (
    <div className={`column-choices${problem ? ' has-problem' : ''}`} data-testid={`column-choices-${name}`}>
      <select
        className="select select-compact"
        aria-label={`Use of ${name}`}
        data-testid={id('role')}
        value={role}
        disabled={!spec}
        onChange={(e) => setRole(e.target.value as ColumnRole)}
      >
        <option value="feature">Input</option>
        <option value="target" disabled={column.kind === 'ignored'}>
          Target
        </option>
        <option value="ignore">Ignore</option>
      </select>
      <select
        className="select select-compact"
        aria-label={`Missing values of ${name}`}
        data-testid={id('missing')}
        value={missing}
        disabled={!isInput}
        onChange={(e) => set({ missing: e.target.value === 'none' ? undefined : (e.target.value as MissingStrategy) })}
      >
        {MISSING_FOR[kind].map((m) => (
          <option key={m} value={m}>
            {MISSING_LABEL[m]}
          </option>
        ))}
      </select>
      {isInput && missing === 'constant' && (
        <CommitInput
          className="input input-compact"
          aria-label={`Constant fill of ${name}`}
          data-testid={id('constant')}
          placeholder={kind === 'numeric' ? '0' : 'value'}
          value={choice.constant ?? ''}
          onCommit={(v) => set({ constant: v.trim() === '' ? undefined : v })}
        />
      )}
      <select
        className="select select-compact"
        aria-label={`Scaling of ${name}`}
        data-testid={id('scaling')}
        value={onehot ? 'none' : (choice.scaling ?? 'standardize')}
        disabled={!isInput || onehot}
        title={onehot ? 'One-hot inputs are 0 or 1: nothing to scale' : undefined}
        onChange={(e) => set({ scaling: e.target.value === 'standardize' ? undefined : (e.target.value as Scaling) })}
      >
        {(['standardize', 'minmax', 'none'] as const).map((s) => (
          <option key={s} value={s}>
            {SCALING_LABEL[s]}
          </option>
        ))}
      </select>
      <select
        className="select select-compact"
        aria-label={`Encoding of ${name}`}
        data-testid={id('encoding')}
        value={kind === 'categorical' ? (choice.encoding ?? 'onehot') : 'onehot'}
        disabled={!isInput || kind !== 'categorical'}
        onChange={(e) =>
          set({
            encoding: e.target.value === 'onehot' ? undefined : (e.target.value as CategoryEncoding),
            ...(e.target.value === 'onehot' ? { scaling: undefined } : {}),
          })
        }
      >
        {kind === 'categorical' ? (
          (['onehot', 'ordinal'] as const).map((k) => (
            <option key={k} value={k}>
              {ENCODING_LABEL[k]}
            </option>
          ))
        ) : (
          <option value="onehot">{kind === 'datetime' ? 'Date parts' : 'Number'}</option>
        )}
      </select>
      <CommitInput
        className="input input-compact input-cap"
        type="number"
        min={1}
        aria-label={`Category cap of ${name}`}
        title="Keep at most this many categories (the most frequent in training); the rest become “other”"
        data-testid={id('cap')}
        placeholder={kind === 'categorical' ? (column.categories ? 'all' : 'cap?') : '–'}
        disabled={!isInput || kind !== 'categorical'}
        value={choice.maxCategories === undefined ? '' : String(choice.maxCategories)}
        onCommit={(v) => {
          const n = Number(v);
          set({ maxCategories: v.trim() === '' || !Number.isInteger(n) || n < 1 ? undefined : n });
        }}
      />
      <span
        className="column-width"
        data-testid={id('width')}
        title={problem ?? (width !== null ? `${width} model input${width === 1 ? '' : 's'}` : 'Not a model input')}
      >
        {problem ? '!' : width !== null ? `→ ${width}` : ''}
      </span>
      {problem && (
        <span className="column-problem" role="alert" data-testid={id('problem')}>
          {problem}
        </span>
      )}
    </div>
  );
}
