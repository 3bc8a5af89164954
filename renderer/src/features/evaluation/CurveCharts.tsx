import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { ClassificationEvaluation, ClassCurves } from '../../../../app/diagnostics/evaluation';
import { CURVE_PALETTE, curvesToDraw } from './curve-choice';

const auc = (n: number | null) => (n === null ? 'n/a' : n.toFixed(3));
const curveName = (c: ClassCurves, binary: boolean, kind: 'roc' | 'pr') =>
  `${binary ? `positive: ${c.label}` : c.label} (AUC ${auc(kind === 'roc' ? c.rocAuc : c.prAuc)})`;
const axis = { tick: { fontSize: 11, fill: '#64748b' }, tickLine: false } as const;

function CurveChart({
  title,
  curves,
  testId,
  kind,
}: {
  title: string;
  curves: readonly ClassCurves[];
  testId: string;
  kind: 'roc' | 'pr';
}) {
  const binary = curves.length === 1;
  const { drawn, left } = curvesToDraw(curves, kind);
  return (
    <figure className="chart eval-chart" data-testid={testId} data-curves={drawn.length}>
      <figcaption className="chart-title">
        {title}
        {left > 0 && (
          <span className="chart-note">{`the ${Math.ceil(drawn.length / 2)} weakest and ${Math.floor(drawn.length / 2)} strongest classes; ${left} more in the table`}</span>
        )}
      </figcaption>
      <LineChart responsive style={{ width: '100%', height: 260 }} margin={{ top: 8, right: 16, bottom: 4, left: 4 }}>
        <CartesianGrid stroke="#eef1f5" />
        <XAxis
          type="number"
          dataKey="x"
          domain={[0, 1]}
          {...axis}
          height={42}
          label={{
            value: kind === 'roc' ? 'false positive rate' : 'recall',
            // Centred under the ticks, in the axis's own band: never on a tick label or the legend.
            position: 'insideBottom',
            offset: 2,
            fontSize: 11,
            fill: '#64748b',
          }}
        />
        <YAxis
          type="number"
          domain={[0, 1]}
          {...axis}
          width={58}
          label={{
            value: kind === 'roc' ? 'true positive rate' : 'precision',
            angle: -90,
            position: 'insideLeft',
            offset: 4,
            style: { textAnchor: 'middle' },
            fontSize: 11,
            fill: '#64748b',
          }}
        />
        {kind === 'roc' && (
          <ReferenceLine
            segment={[
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ]}
            stroke="#cbd5e1"
            strokeDasharray="4 4"
          />
        )}
        <Tooltip
          formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))}
          labelFormatter={(x) =>
            `${kind === 'roc' ? 'FPR' : 'recall'} ${typeof x === 'number' ? x.toFixed(3) : String(x)}`
          }
          contentStyle={{ fontSize: 12 }}
          isAnimationActive={false}
        />
        {drawn.map((c) => (
          <Line
            key={c.label}
            data={
              kind === 'roc'
                ? c.roc.map((p) => ({ x: p.fpr, y: p.tpr }))
                : c.pr.map((p) => ({ x: p.recall, y: p.precision }))
            }
            dataKey="y"
            name={curveName(c, binary, kind)}
            stroke={CURVE_PALETTE[curves.indexOf(c) % CURVE_PALETTE.length]}
            dot={false}
            strokeWidth={2}
            type={kind === 'roc' ? 'linear' : 'stepAfter'}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
      {/* The legend below the plot, in the page's flow: it wraps for ten classes instead of drawing over the axis. */}
      <ul className="curve-legend" data-testid={`${testId}-legend`}>
        {drawn.map((c) => (
          <li key={c.label}>
            <span
              className="curve-swatch"
              style={{ background: CURVE_PALETTE[curves.indexOf(c) % CURVE_PALETTE.length] }}
              aria-hidden="true"
            />
            {curveName(c, binary, kind)}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** ROC and precision-recall: for the positive class of a binary task, else one class vs the rest. */
export function CurveCharts({ evaluation: e }: { evaluation: ClassificationEvaluation }) {
  const binary = e.curves.length === 1;
  const first = e.curves[0];
  return (
    <div className="curves">
      {binary && first && (
        <p className="auc-line" data-testid="auc-line">
          ROC AUC <b>{auc(first.rocAuc)}</b> · PR AUC (average precision) <b>{auc(first.prAuc)}</b> — positive class “
          {first.label}”
        </p>
      )}
      <div className="eval-charts">
        <CurveChart
          title={binary ? 'ROC curve' : 'ROC curves, one class vs the rest'}
          curves={e.curves}
          testId="roc-chart"
          kind="roc"
        />
        <CurveChart
          title={binary ? 'Precision-recall curve' : 'Precision-recall, one class vs the rest'}
          curves={e.curves}
          testId="pr-chart"
          kind="pr"
        />
      </div>
    </div>
  );
}
