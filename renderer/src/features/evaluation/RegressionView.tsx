import { Bar, BarChart, CartesianGrid, ReferenceLine, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { RegressionEvaluation } from '../../../../app/diagnostics/evaluation';
import type { RunEvaluation } from '../../../../app/ipc/contract';
import { formatStat } from '../../lib/format';
import { ExampleTable } from './ExampleTable';

const axis = {
  tick: { fontSize: 11, fill: '#64748b' },
  tickLine: false,
  tickFormatter: (n: number) => formatStat(n),
} as const;
const label = (value: string, vertical = false) =>
  vertical
    ? {
        value,
        angle: -90,
        position: 'insideLeft' as const,
        offset: 4,
        style: { textAnchor: 'middle' as const },
        fontSize: 11,
        fill: '#64748b',
      }
    : { value, position: 'insideBottomRight' as const, offset: -2, fontSize: 11, fill: '#64748b' };

function roundBounds(min: number, max: number): [number, number] {
  if (!(max > min)) return [min - 1, max + 1];
  const step = 10 ** Math.floor(Math.log10(max - min));
  return [Math.floor(min / step) * step, Math.ceil(max / step) * step];
}

/** About five round ticks (1, 2 or 5 times a power of ten apart) inside [min, max]. */
function roundTicks(min: number, max: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * p >= raw) ?? 10) * p;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function RegressionView({ result, evaluation: e }: { result: RunEvaluation; evaluation: RegressionEvaluation }) {
  const values = e.points.flatMap((p) => [p.actual, p.predicted]);
  // Both axes share round bounds, so the diagonal runs corner to corner.
  const [lo, hi] = roundBounds(Math.min(...values), Math.max(...values));
  const histDomain: [number, number] = [e.residualHistogram[0]?.from ?? 0, e.residualHistogram.at(-1)?.to ?? 1];
  const bars = e.residualHistogram.map((b) => ({
    mid: (b.from + b.to) / 2,
    count: b.count,
    range: `${formatStat(b.from)} to ${formatStat(b.to)}`,
  }));
  return (
    <div className="evaluation-body">
      <dl className="eval-metrics" data-testid="regression-metrics">
        <div>
          <dt>MAE</dt>
          <dd data-testid="eval-mae">{formatStat(e.mae)}</dd>
        </div>
        <div>
          <dt>RMSE</dt>
          <dd>{formatStat(e.rmse)}</dd>
        </div>
        <div>
          <dt>R²</dt>
          <dd title="1 = perfect, 0 = no better than predicting the mean">{e.r2 === null ? 'n/a' : e.r2.toFixed(3)}</dd>
        </div>
      </dl>
      <p className="muted">In the units of “{result.target}”. Residual = actual − predicted.</p>
      <div className="eval-charts">
        <figure className="chart eval-chart" data-testid="pred-vs-actual">
          <figcaption className="chart-title">Predicted vs actual (on the diagonal = right)</figcaption>
          <ScatterChart
            responsive
            style={{ width: '100%', height: 280 }}
            margin={{ top: 8, right: 16, bottom: 4, left: 4 }}
          >
            <CartesianGrid stroke="#eef1f5" />
            <XAxis
              type="number"
              dataKey="actual"
              name="actual"
              domain={[lo, hi]}
              {...axis}
              height={34}
              label={label('actual')}
            />
            <YAxis
              type="number"
              dataKey="predicted"
              name="predicted"
              domain={[lo, hi]}
              {...axis}
              width={64}
              label={label('predicted', true)}
            />
            <ReferenceLine
              segment={[
                { x: lo, y: lo },
                { x: hi, y: hi },
              ]}
              stroke="#94a3b8"
              strokeDasharray="4 4"
              ifOverflow="extendDomain"
            />
            <Tooltip
              formatter={(v) => (typeof v === 'number' ? formatStat(v) : String(v))}
              contentStyle={{ fontSize: 12 }}
              isAnimationActive={false}
            />
            <Scatter data={e.points} fill="#2563eb" fillOpacity={0.6} isAnimationActive={false} />
          </ScatterChart>
        </figure>
        <figure className="chart eval-chart" data-testid="residuals-vs-predicted">
          <figcaption className="chart-title">
            Residuals vs predicted (a pattern = something the model misses)
          </figcaption>
          <ScatterChart
            responsive
            style={{ width: '100%', height: 280 }}
            margin={{ top: 8, right: 16, bottom: 4, left: 4 }}
          >
            <CartesianGrid stroke="#eef1f5" />
            <XAxis
              type="number"
              dataKey="predicted"
              name="predicted"
              domain={['auto', 'auto']}
              {...axis}
              height={34}
              label={label('predicted')}
            />
            <YAxis
              type="number"
              dataKey="residual"
              name="residual"
              domain={['auto', 'auto']}
              {...axis}
              width={64}
              label={label('residual', true)}
            />
            <ReferenceLine y={0} stroke="#94a3b8" strokeDasharray="4 4" />
            <Tooltip
              formatter={(v) => (typeof v === 'number' ? formatStat(v) : String(v))}
              contentStyle={{ fontSize: 12 }}
              isAnimationActive={false}
            />
            <Scatter data={e.points} fill="#ea580c" fillOpacity={0.6} isAnimationActive={false} />
          </ScatterChart>
        </figure>
        <figure className="chart eval-chart" data-testid="residual-histogram">
          <figcaption className="chart-title">Residual histogram</figcaption>
          <BarChart
            responsive
            data={bars}
            style={{ width: '100%', height: 280 }}
            margin={{ top: 8, right: 16, bottom: 4, left: 4 }}
            barCategoryGap={1}
          >
            <CartesianGrid stroke="#eef1f5" vertical={false} />
            <XAxis
              type="number"
              dataKey="mid"
              domain={histDomain}
              ticks={roundTicks(histDomain[0], histDomain[1])}
              {...axis}
              height={34}
              label={label('residual')}
            />
            <YAxis allowDecimals={false} {...axis} width={48} label={label('rows', true)} />
            <Tooltip
              labelFormatter={(_, payload) => String(payload[0]?.payload?.range ?? '')}
              contentStyle={{ fontSize: 12 }}
              isAnimationActive={false}
            />
            <Bar dataKey="count" name="rows" fill="#64748b" isAnimationActive={false} />
          </BarChart>
        </figure>
      </div>
      <div className="wrong-examples">
        <h3>Largest errors</h3>
        <ExampleTable
          columns={result.columns}
          examples={result.worst}
          testId="worst-table"
          extra={[
            { title: 'predicted', value: (_, k) => formatStat(e.largestErrors[k]?.predicted) },
            { title: 'residual', value: (_, k) => formatStat(e.largestErrors[k]?.residual) },
          ]}
        />
      </div>
    </div>
  );
}
