import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunCurvePoint, RunRow } from '../../../../app/experiments/runs-table';
import { formatLoss, formatPercent, formatStat } from '../../lib/format';
import { runColor } from './colors';
import { runLabel } from './labels';

type Series = keyof Omit<RunCurvePoint, 'epoch'>;

/** The selected runs' curves on one chart, epoch by epoch: validation loss by default. */
export function OverlayChart({ rows }: { rows: readonly RunRow[] }) {
  const [series, setSeries] = useState<Series>('val_loss');
  const accuracy = rows.every((r) => r.metric === 'accuracy');
  const metricName = accuracy ? 'accuracy' : rows.every((r) => r.metric === 'mae') ? 'MAE' : 'score';
  const isMetric = series === 'metric' || series === 'val_metric';
  const format = isMetric ? (accuracy ? formatPercent : formatStat) : formatLoss;
  const labels: Record<Series, string> = {
    val_loss: 'Validation loss',
    loss: 'Training loss',
    val_metric: `Validation ${metricName}`,
    metric: `Training ${metricName}`,
  };
  const maxEpoch = Math.max(1, ...rows.map((r) => r.curves.length));
  return (
    <figure className="chart runs-overlay" data-testid="runs-overlay" data-runs={rows.length}>
      <figcaption className="chart-title">
        <select
          value={series}
          onChange={(e) => setSeries(e.target.value as Series)}
          aria-label="Curve"
          data-testid="runs-overlay-series"
        >
          {(Object.keys(labels) as Series[]).map((k) => (
            <option key={k} value={k}>
              {labels[k]}
            </option>
          ))}
        </select>{' '}
        by epoch, {rows.length} run{rows.length === 1 ? '' : 's'}
      </figcaption>
      <LineChart responsive style={{ width: '100%', height: 280 }} margin={{ top: 8, right: 16, bottom: 4, left: 4 }}>
        <CartesianGrid stroke="#eef1f5" vertical={false} />
        <XAxis
          type="number"
          dataKey="x"
          domain={[1, maxEpoch]}
          allowDecimals={false}
          tick={{ fontSize: 11, fill: '#64748b' }}
          tickLine={false}
          axisLine={{ stroke: '#cbd5e1' }}
          label={{ value: 'epoch', position: 'insideBottomRight', offset: -2, fontSize: 11, fill: '#64748b' }}
          height={34}
        />
        <YAxis
          type="number"
          domain={isMetric && accuracy ? [0, 1] : ['auto', 'auto']}
          tickFormatter={(v: number) => format(v)}
          tick={{ fontSize: 11, fill: '#64748b' }}
          tickLine={false}
          axisLine={false}
          width={60}
        />
        <Tooltip
          formatter={(value, name) => [typeof value === 'number' ? format(value) : String(value), name]}
          labelFormatter={(x) => `epoch ${String(x)}`}
          contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: '#e2e8f0' }}
          isAnimationActive={false}
        />
        <Legend verticalAlign="bottom" iconType="plainline" wrapperStyle={{ fontSize: 12, paddingTop: 4 }} />
        {rows.map((row, i) => (
          <Line
            key={row.id}
            data={row.curves.flatMap((c) => (c[series] === null ? [] : [{ x: c.epoch + 1, y: c[series] }]))}
            dataKey="y"
            name={runLabel(row)}
            stroke={runColor(i)}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </figure>
  );
}
