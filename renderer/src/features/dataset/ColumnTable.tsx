import type { ColumnProfile, ColumnType, DatasetMeta, TaskSpec } from '../../../../app/dataset/schema';
import { formatInt, formatStat } from '../../lib/format';
import { ColumnChoiceControls } from './ColumnChoiceControls';
import { ColumnHistogram } from './ColumnHistogram';
import { roleOf } from './column-controls';

const KIND_HELP = {
  numeric: 'Numbers: standardised (mean 0, std 1) before training.',
  categorical: 'Text with a few distinct values: one-hot encoded, one input per category.',
  ignored: 'Not used by the model.',
} as const;

const TYPE_HELP: Record<ColumnType, string> = {
  numeric: 'Numbers with fractions.',
  integer: 'Whole numbers.',
  boolean: 'Two values (yes/no, true/false, 0/1).',
  categorical: 'A few distinct texts.',
  datetime: 'Dates or times.',
  text: 'Free text: too many distinct values to be categories.',
  id: 'An identifier: a different value in every row, useless for prediction.',
  constant: 'One value (or none) in every row: useless for prediction.',
};

/** The badge: the finer type when the profile has one (datasets imported before types did not). */
function TypeBadge({ c }: { c: ColumnProfile }) {
  const type = c.type;
  const help =
    c.kind === 'ignored'
      ? (c.reason ?? KIND_HELP.ignored)
      : type
        ? `${TYPE_HELP[type]} ${KIND_HELP[c.kind]}`
        : KIND_HELP[c.kind];
  return (
    <span className={`badge badge-${c.kind}${type ? ` badge-type-${type}` : ''}`} title={help} data-kind={c.kind}>
      {type ?? c.kind}
    </span>
  );
}

/** Every column's profile, with its per-column choices (use, missing values, scaling, encoding, cap) and the inputs it becomes. */
export function ColumnTable({ dataset, spec }: { dataset: DatasetMeta; spec: TaskSpec | null }) {
  return (
    <div className="table-scroll">
      <table className="table column-table" data-testid="column-table">
        <thead>
          <tr>
            <th>Column</th>
            <th>Type</th>
            <th>Distribution</th>
            <th title="Use · missing values · scaling · encoding · category cap → model inputs">
              Use and preprocessing
            </th>
            <th className="num">Missing</th>
            <th className="num">Unique</th>
            <th className="num">Min</th>
            <th className="num">Mean</th>
            <th className="num">Max</th>
            <th className="num">Std</th>
          </tr>
        </thead>
        <tbody>
          {dataset.columns.map((c) => {
            const numeric = c.kind === 'numeric';
            return (
              <tr key={c.name} data-column={c.name}>
                <td className="col-name">{c.name}</td>
                <td>
                  <TypeBadge c={c} />
                  {c.useless && (
                    <span className="useless-flag" title="Flagged as a useless feature">
                      useless
                    </span>
                  )}
                  {c.kind === 'ignored' && c.reason && !(spec && roleOf(dataset, spec, c.name) === 'feature') && (
                    <span className="col-reason">{c.reason}</span>
                  )}
                  {c.kind === 'categorical' && c.categories && (
                    <span className="col-reason">{c.categories.length} categories</span>
                  )}
                </td>
                <td className="col-histogram">
                  <ColumnHistogram histogram={c.histogram} />
                </td>
                <td className="col-choices">
                  <ColumnChoiceControls dataset={dataset} spec={spec} column={c} />
                </td>
                <td className={`num${c.missing > 0 ? ' has-missing' : ''}`}>{formatInt(c.missing)}</td>
                <td className="num">{formatInt(c.unique)}</td>
                <td className="num">{numeric ? formatStat(c.min) : ''}</td>
                <td className="num">{numeric ? formatStat(c.mean) : ''}</td>
                <td className="num">{numeric ? formatStat(c.max) : ''}</td>
                <td className="num">{numeric ? formatStat(c.std) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
