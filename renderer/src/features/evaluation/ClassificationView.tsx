import { useState } from 'react';
import type { ClassificationEvaluation } from '../../../../app/diagnostics/evaluation';
import type { RunEvaluation } from '../../../../app/ipc/contract';
import { formatInt, formatPercent, plural } from '../../lib/format';
import { ConfusionMatrix } from './ConfusionMatrix';
import { CurveCharts } from './CurveCharts';
import { ExampleTable } from './ExampleTable';
import { ImageExamples } from './ImageExamples';

const score = (n: number) => n.toFixed(3);

export function ClassificationView({
  result,
  evaluation: e,
}: {
  result: RunEvaluation;
  evaluation: ClassificationEvaluation;
}) {
  const [cell, setCell] = useState<{ actual: number; predicted: number } | null>(null);
  const selected = cell
    ? result.cells.find((c) => c.actual === cell.actual && c.predicted === cell.predicted)
    : undefined;
  const label = (k: number) => e.labels[k] ?? String(k);
  return (
    <div className="evaluation-body">
      <dl className="eval-metrics">
        <div>
          <dt>Accuracy</dt>
          <dd data-testid="eval-accuracy">{formatPercent(e.accuracy)}</dd>
        </div>
        <div>
          <dt>Macro F1</dt>
          <dd>{score(e.macro.f1)}</dd>
        </div>
        <div>
          <dt>Weighted F1</dt>
          <dd>{score(e.weighted.f1)}</dd>
        </div>
      </dl>
      <div className="eval-row">
        <ConfusionMatrix evaluation={e} selected={cell} onSelect={setCell} />
        <table className="class-table" data-testid="class-table">
          <thead>
            <tr>
              <th>class</th>
              <th>precision</th>
              <th>recall</th>
              <th>F1</th>
              <th>rows</th>
            </tr>
          </thead>
          <tbody>
            {e.perClass.map((s) => (
              <tr key={s.label}>
                <th>{s.label}</th>
                <td>{score(s.precision)}</td>
                <td>{score(s.recall)}</td>
                <td>{score(s.f1)}</td>
                <td>{formatInt(s.support)}</td>
              </tr>
            ))}
            <tr className="avg-row">
              <th>macro avg</th>
              <td>{score(e.macro.precision)}</td>
              <td>{score(e.macro.recall)}</td>
              <td>{score(e.macro.f1)}</td>
              <td>{formatInt(e.rows)}</td>
            </tr>
            <tr className="avg-row">
              <th>weighted avg</th>
              <td>{score(e.weighted.precision)}</td>
              <td>{score(e.weighted.recall)}</td>
              <td>{score(e.weighted.f1)}</td>
              <td>{formatInt(e.rows)}</td>
            </tr>
          </tbody>
        </table>
      </div>
      {cell && (
        <div className="cell-examples" data-testid="cell-examples">
          <h3>
            Actual <b>{label(cell.actual)}</b>, predicted <b>{label(cell.predicted)}</b>:{' '}
            {plural(selected?.total ?? 0, result.images ? 'image' : 'row')}
            {selected && selected.examples.length < selected.total && (
              <span className="muted"> (the first {selected.examples.length} shown)</span>
            )}
          </h3>
          {!selected ? (
            <p className="muted">No validation row falls in this cell.</p>
          ) : result.images ? (
            <ImageExamples examples={selected.examples} testId="cell-example-images" />
          ) : (
            <ExampleTable
              columns={result.columns}
              examples={selected.examples}
              extra={[]}
              testId="cell-example-table"
            />
          )}
        </div>
      )}
      <CurveCharts evaluation={e} />
      <div className="wrong-examples">
        <h3>Most confidently wrong</h3>
        {e.confidentlyWrong.length === 0 ? (
          <p className="muted">No validation row is misclassified.</p>
        ) : result.images ? (
          <ImageExamples
            examples={result.worst}
            testId="wrong-images"
            caption={(_, k) =>
              `${label(e.confidentlyWrong[k]?.predicted ?? -1)} · ${formatPercent(e.confidentlyWrong[k]?.confidence)} · actually ${label(e.confidentlyWrong[k]?.actual ?? -1)}`
            }
          />
        ) : (
          <ExampleTable
            columns={result.columns}
            examples={result.worst}
            testId="wrong-table"
            extra={[
              { title: 'actual', value: (_, k) => label(e.confidentlyWrong[k]?.actual ?? -1) },
              { title: 'predicted', value: (_, k) => label(e.confidentlyWrong[k]?.predicted ?? -1) },
              { title: 'confidence', value: (_, k) => formatPercent(e.confidentlyWrong[k]?.confidence) },
              { title: 'p(actual)', value: (_, k) => formatPercent(e.confidentlyWrong[k]?.actualProbability) },
            ]}
          />
        )}
      </div>
    </div>
  );
}
