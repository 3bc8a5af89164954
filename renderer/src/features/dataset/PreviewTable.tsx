import { parseDialectNumber } from '../../../../app/dataset/number-cell';
import type { DatasetMeta } from '../../../../app/dataset/schema';

/**
 * The first rows. A numeric column's cells read as the import reads them: with a decimal comma,
 * "14,23" shows as 14.23 (the file's spelling in the tooltip), so what the model gets is visible.
 */
export function PreviewTable({ dataset }: { dataset: DatasetMeta }) {
  const comma = dataset.csv?.decimalComma ?? false;
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
                const read = comma && c.kind === 'numeric' ? parseDialectNumber(value, true) : null;
                return (
                  <td
                    key={c.name}
                    className={`${c.kind === 'numeric' ? 'num' : ''}${value === '' ? ' is-missing' : ''}`}
                    {...(read !== null && String(read) !== value ? { title: `${value} in the file` } : {})}
                  >
                    {value === '' ? 'missing' : read !== null ? String(read) : value}
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
