import type { DatasetMeta } from '../../../../app/dataset/schema';

export function PreviewTable({ dataset }: { dataset: DatasetMeta }) {
  return (
    <div className="table-scroll preview-scroll">
      <table className="table preview-table" data-testid="preview-table">
        <thead>
          <tr>
            <th className="row-index">#</th>
            {dataset.columns.map((c) => (
              <th key={c.name} className={c.kind === 'numeric' ? 'num' : undefined}>
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {dataset.preview.map((row, i) => (
            <tr key={i}>
              <td className="row-index">{i + 1}</td>
              {dataset.columns.map((c, j) => {
                const value = row[j] ?? '';
                return (
                  <td
                    key={c.name}
                    className={`${c.kind === 'numeric' ? 'num' : ''}${value === '' ? ' is-missing' : ''}`}
                  >
                    {value === '' ? 'missing' : value}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
