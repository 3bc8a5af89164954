import type { RawExample } from '../../../../app/ipc/contract';
import { formatInt, formatNumberText } from '../../lib/format';

export interface ExtraColumn {
  title: string;
  value: (example: RawExample, k: number) => string;
}

/** Raw dataset rows as they were imported, with the model's view of each beside them. */
export function ExampleTable({
  columns,
  examples,
  extra,
  testId,
}: {
  columns: readonly string[];
  examples: readonly RawExample[];
  extra: readonly ExtraColumn[];
  testId: string;
}) {
  return (
    <div className="example-table-wrap">
      <table className="example-table" data-testid={testId}>
        <thead>
          <tr>
            <th title="Row of the imported file (1 = first data row)">row</th>
            {extra.map((c) => (
              <th key={c.title}>{c.title}</th>
            ))}
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {examples.map((ex, k) => (
            <tr key={ex.index} data-testid="example-row">
              <td className="num">{formatInt(ex.datasetRow + 1)}</td>
              {extra.map((c) => (
                <td key={c.title} className="model-cell">
                  {c.value(ex, k)}
                </td>
              ))}
              {ex.values.map((v, i) => (
                <td key={columns[i] ?? i}>
                  {v === null ? <span className="muted">missing</span> : formatNumberText(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
