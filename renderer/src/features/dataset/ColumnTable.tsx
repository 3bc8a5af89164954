import type { DatasetMeta, TaskSpec } from '../../../../app/dataset/schema';
import { featureColumns } from '../../../../app/dataset/task';
import { formatInt, formatStat } from '../../lib/format';

const KIND_HELP = {
  numeric: 'Numbers: standardised (mean 0, std 1) before training.',
  categorical: 'Text with a few distinct values: one-hot encoded, one input per category.',
  ignored: 'Not used by the model.',
} as const;

export function ColumnTable({ dataset, spec }: { dataset: DatasetMeta; spec: TaskSpec | null }) {
  const features = new Set(spec ? featureColumns(dataset, spec).map((c) => c.name) : []);
  return (
    <div className="table-scroll">
      <table className="table column-table" data-testid="column-table">
        <thead>
          <tr>
            <th>Column</th>
            <th>Type</th>
            <th>Role</th>
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
            const role = spec?.target === c.name ? 'target' : features.has(c.name) ? 'feature' : 'unused';
            const numeric = c.kind === 'numeric';
            return (
              <tr key={c.name} data-column={c.name}>
                <td className="col-name">{c.name}</td>
                <td>
                  <span className={`badge badge-${c.kind}`} title={c.kind === 'ignored' ? (c.reason ?? KIND_HELP.ignored) : KIND_HELP[c.kind]}>
                    {c.kind}
                  </span>
                  {c.kind === 'ignored' && c.reason && <span className="col-reason">{c.reason}</span>}
                  {c.kind === 'categorical' && c.categories && <span className="col-reason">{c.categories.length} categories</span>}
                </td>
                <td>
                  <span className={`role role-${role}`}>{role === 'target' ? 'Target' : role === 'feature' ? 'Input' : 'Not used'}</span>
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
