import type { ClassificationEvaluation } from '../../../../app/diagnostics/evaluation';

interface Props {
  evaluation: ClassificationEvaluation;
  selected: { actual: number; predicted: number } | null;
  onSelect: (cell: { actual: number; predicted: number }) => void;
}

/** Rows = actual class, columns = predicted; shaded by the share of the actual class's rows. */
export function ConfusionMatrix({ evaluation: e, selected, onSelect }: Props) {
  return (
    <div className="confusion-wrap">
      <table className="confusion" data-testid="confusion-matrix" data-classes={e.labels.length}>
        <thead>
          <tr>
            <th className="corner">actual ↓ / predicted →</th>
            {e.labels.map((l) => (
              <th key={l} scope="col">
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {e.confusion.map((row, actual) => {
            const total = row.reduce((a, b) => a + b, 0);
            return (
              <tr key={e.labels[actual]}>
                <th scope="row">{e.labels[actual]}</th>
                {row.map((count, predicted) => {
                  const share = total === 0 ? 0 : count / total;
                  const right = actual === predicted;
                  const isSelected = selected?.actual === actual && selected.predicted === predicted;
                  const background =
                    count === 0
                      ? undefined
                      : right
                        ? `rgba(37, 99, 235, ${0.12 + 0.6 * share})`
                        : `rgba(220, 38, 38, ${0.12 + 0.6 * share})`;
                  return (
                    <td key={predicted} className={isSelected ? 'is-selected' : undefined}>
                      <button
                        type="button"
                        data-testid="confusion-cell"
                        data-count={count}
                        style={{ background, color: share > 0.6 ? '#fff' : undefined }}
                        title={`${count} rows of ${e.labels[actual]} predicted as ${e.labels[predicted]}`}
                        onClick={() => onSelect({ actual, predicted })}
                      >
                        {count}
                      </button>
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted hint">Click a cell to list its rows.</p>
    </div>
  );
}
