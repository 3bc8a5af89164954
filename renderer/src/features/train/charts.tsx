import { memo } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { EpochLogs } from '../../../../app/project/schema';
import { formatLoss, formatPercent, formatStat } from '../../lib/format';
import type { BatchPoint } from './run-store';

export const COLORS = { train: '#2563eb', val: '#ea580c', batch: '#93c5fd' } as const;

/** Axis ticks: as few digits as tell them apart (0.3, 1.2, 0.05, 15k). */
function compactTick(n: number): string {
  const abs = Math.abs(n);
  if (abs === 0) return '0';
  if (abs >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((n / 1e3).toPrecision(3))}k`;
  if (abs < 1e-3) return n.toExponential(0);
  return String(Number(n.toPrecision(3)));
}

/** A round number (1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) at or above n. */
function niceCeil(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return ([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * p >= n) ?? 10) * p;
}

/**
 * Losses often start orders of magnitude above where they settle, which would flatten the
 * interesting part into the axis. Once a few epochs are in, scale to the epochs after the first
 * (as TensorBoard's "ignore outliers" does); the earlier values run off the top.
 */
function robustMax(train: readonly Point[], val: readonly Point[]): number | null {
  if (train.length < 4) return null;
  const later = [...train.slice(1), ...val.slice(1)].map((p) => p.y);
  const all = [...train, ...val].map((p) => p.y);
  const settled = Math.max(...later);
  return Math.max(...all) > settled * 1.5 ? niceCeil(settled * 1.1) : null;
}

interface Point {
  x: number;
  y: number;
}

/**
 * The curve as one plain SVG path. recharts' default curve hands its path element back to
 * measure getTotalLength() on every redraw (for an entrance animation we switch off), which
 * forces a synchronous layout of the page several times a second while training; a shape that
 * keeps the element to itself is never measured.
 */
function PlainCurve(props: unknown) {
  const { points, stroke, strokeWidth } = props as { points?: ReadonlyArray<{ x: number | null; y: number | null }>; stroke?: string; strokeWidth?: number | string };
  let d = '';
  for (const p of points ?? []) {
    if (p.x === null || p.y === null || !Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    d += `${d === '' ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  }
  return d === '' ? null : <path className="recharts-curve recharts-line-curve" d={d} fill="none" stroke={stroke} strokeWidth={strokeWidth} />;
}

/** Epoch logs are 0-based; epoch e is plotted where it ends, at x = e + 1, so batches line up. */
function series(epochs: readonly EpochLogs[], key: keyof EpochLogs): Point[] {
  const out: Point[] = [];
  for (const e of epochs) {
    const y = e[key];
    if (typeof y === 'number' && Number.isFinite(y)) out.push({ x: e.epoch + 1, y });
  }
  return out;
}

function epochTicks(total: number): number[] {
  const step = total <= 10 ? 1 : total <= 20 ? 2 : total <= 50 ? 5 : total <= 100 ? 10 : Math.ceil(total / 10 / 10) * 10;
  const ticks: number[] = [];
  for (let t = 0; t <= total; t += step) ticks.push(t);
  if (ticks.at(-1) !== total) ticks.push(total);
  return ticks;
}

interface ChartProps {
  testId: string;
  title: string;
  epochs: readonly EpochLogs[];
  totalEpochs: number;
  trainKey: keyof EpochLogs;
  valKey: keyof EpochLogs;
  trainName: string;
  valName: string;
  format: (n: number) => string;
  tickFormat?: (n: number) => string;
  yDomain: [number | 'auto', number | 'auto'];
  /** Scale the axis to the settled values, not the first epoch's. */
  robust?: boolean;
  batches?: readonly BatchPoint[];
}

/**
 * The per-batch line is redrawn several times a second while training, and recharts' cost per
 * redraw grows with its points (SVG path, getTotalLength); a chart a few hundred pixels wide
 * shows no more than this many anyway (bench/renderer-events.ts measures the main thread).
 */
const MAX_DRAWN_BATCH_POINTS = 300;

function drawnBatchPoints(points: readonly BatchPoint[]): Point[] {
  const step = Math.max(1, Math.ceil(points.length / MAX_DRAWN_BATCH_POINTS));
  const out: Point[] = [];
  for (let i = 0; i < points.length; i += step) out.push({ x: points[i]!.x, y: points[i]!.loss });
  const last = points.at(-1);
  if (last && out.at(-1)?.x !== last.x) out.push({ x: last.x, y: last.loss });
  return out;
}

function EpochChart(props: ChartProps) {
  const train = series(props.epochs, props.trainKey);
  const val = series(props.epochs, props.valKey);
  const batch = drawnBatchPoints(props.batches ?? []);
  const total = Math.max(1, props.totalEpochs);
  const clipAt = props.robust ? robustMax(train, val) : null;
  const yDomain: [number | 'auto', number | 'auto'] = clipAt === null ? props.yDomain : [props.yDomain[0], clipAt];
  const dot = (color: string) => ({ r: train.length > 40 ? 0 : 3, fill: color, strokeWidth: 0 });
  return (
    <figure className="chart" data-testid={props.testId} data-train-points={train.length} data-val-points={val.length} data-batch-points={batch.length}>
      <figcaption className="chart-title">
        {props.title}
        {clipAt !== null && <span className="chart-note">first epoch above the scale</span>}
      </figcaption>
      <LineChart responsive style={{ width: '100%', height: 266 }} margin={{ top: 8, right: 16, bottom: 4, left: 4 }}>
        <CartesianGrid stroke="#eef1f5" vertical={false} />
        <XAxis
          type="number"
          dataKey="x"
          domain={[0, total]}
          ticks={epochTicks(total)}
          allowDecimals={false}
          tick={{ fontSize: 11, fill: '#64748b' }}
          tickLine={false}
          axisLine={{ stroke: '#cbd5e1' }}
          label={{ value: 'epoch', position: 'insideBottomRight', offset: -2, fontSize: 11, fill: '#64748b' }}
          height={34}
        />
        <YAxis
          type="number"
          domain={yDomain}
          allowDataOverflow={clipAt !== null}
          tickFormatter={props.tickFormat ?? props.format}
          tick={{ fontSize: 11, fill: '#64748b' }}
          tickLine={false}
          axisLine={false}
          width={56}
        />
        <Tooltip
          formatter={(value, name) => [typeof value === 'number' ? props.format(value) : String(value), name]}
          labelFormatter={(x) => `epoch ${typeof x === 'number' ? Number(x.toFixed(2)) : String(x)}`}
          contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: '#e2e8f0' }}
          isAnimationActive={false}
        />
        {batch.length > 0 && (
          <Line data={batch} dataKey="y" name="Per batch (smoothed)" stroke={COLORS.batch} strokeWidth={1.25} dot={false} activeDot={false} isAnimationActive={false} type="linear" shape={PlainCurve} />
        )}
        <Line data={train} dataKey="y" name={props.trainName} stroke={COLORS.train} strokeWidth={2} dot={dot(COLORS.train)} isAnimationActive={false} type="linear" shape={PlainCurve} />
        <Line data={val} dataKey="y" name={props.valName} stroke={COLORS.val} strokeWidth={2} dot={dot(COLORS.val)} isAnimationActive={false} type="linear" shape={PlainCurve} />
      </LineChart>
      {/* Plain HTML, not recharts' Legend: that one measures itself after every redraw and lays the chart out again. */}
      <ul className="chart-legend">
        {batch.length > 0 && <LegendItem color={COLORS.batch} name="Per batch (smoothed)" thin />}
        <LegendItem color={COLORS.train} name={props.trainName} />
        <LegendItem color={COLORS.val} name={props.valName} />
      </ul>
    </figure>
  );
}

function LegendItem({ color, name, thin }: { color: string; name: string; thin?: boolean }) {
  return (
    <li>
      <span className="chart-legend-line" style={{ borderTopColor: color, borderTopWidth: thin ? 1.5 : 2 }} aria-hidden="true" />
      {name}
    </li>
  );
}

/** Same epochs: the store copies the array on every update, but keeps unchanged entries. */
const sameEpochs = (a: readonly EpochLogs[], b: readonly EpochLogs[]) => a.length === b.length && a.every((e, i) => e === b[i]);

type LossChartProps = { epochs: readonly EpochLogs[]; totalEpochs: number; batches: readonly BatchPoint[] | undefined };
type MetricChartProps = { epochs: readonly EpochLogs[]; totalEpochs: number; metric: 'accuracy' | 'mae' };

// Memoised: a batch-only update (most of them while training) redraws the loss chart alone.
export const LossChart = memo(LossChartView, (a: LossChartProps, b: LossChartProps) => a.batches === b.batches && a.totalEpochs === b.totalEpochs && sameEpochs(a.epochs, b.epochs));
export const MetricChart = memo(MetricChartView, (a: MetricChartProps, b: MetricChartProps) => a.metric === b.metric && a.totalEpochs === b.totalEpochs && sameEpochs(a.epochs, b.epochs));

function LossChartView({ epochs, totalEpochs, batches }: LossChartProps) {
  return (
    <EpochChart
      testId="loss-chart"
      title="Loss"
      epochs={epochs}
      totalEpochs={totalEpochs}
      trainKey="loss"
      valKey="val_loss"
      trainName="Training loss"
      valName="Validation loss"
      format={formatLoss}
      tickFormat={compactTick}
      yDomain={[0, 'auto']}
      robust
      batches={batches}
    />
  );
}

function MetricChartView({ epochs, totalEpochs, metric }: MetricChartProps) {
  const accuracy = metric === 'accuracy';
  return (
    <EpochChart
      testId="metric-chart"
      title={accuracy ? 'Accuracy' : 'Mean absolute error'}
      epochs={epochs}
      totalEpochs={totalEpochs}
      trainKey={accuracy ? 'accuracy' : 'mae'}
      valKey={accuracy ? 'val_accuracy' : 'val_mae'}
      trainName={accuracy ? 'Training accuracy' : 'Training MAE'}
      valName={accuracy ? 'Validation accuracy' : 'Validation MAE'}
      format={accuracy ? formatPercent : formatStat}
      tickFormat={accuracy ? (n) => `${Math.round(n * 100)}%` : compactTick}
      yDomain={accuracy ? [0, 1] : [0, 'auto']}
    />
  );
}
