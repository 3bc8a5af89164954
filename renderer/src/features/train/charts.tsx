import { memo, useMemo } from 'react';
import type { EpochLogs } from '../../../../app/project/schema';
import { formatLoss, formatPercent, formatStat } from '../../lib/format';
import { Plot, type PlotLine } from './Plot';
import { minMaxDownsample, niceTicks, ticksWithin, type Point } from './plot-scale';
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
  const step =
    total <= 10 ? 1 : total <= 20 ? 2 : total <= 50 ? 5 : total <= 100 ? 10 : Math.ceil(total / 10 / 10) * 10;
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
  /** The lower end is fixed; the upper one fixed or 'auto' (round, above every value). */
  yDomain: [number, number | 'auto'];
  /** Scale the axis to the settled values, not the first epoch's. */
  robust?: boolean;
  batches?: readonly BatchPoint[];
  /** 0-based epoch whose weights the model kept (early stopping restored it): marked on the validation curve. */
  keptEpoch?: number | null;
}

/**
 * The smoothed per-batch line of a long run has thousands of points, more than a chart a few
 * hundred pixels wide can show; min/max buckets keep its spikes and dips within this many.
 */
export const MAX_DRAWN_BATCH_POINTS = 500;

const MARGIN = { top: 8, right: 16, bottom: 4, left: 4 };

function EpochChart(props: ChartProps) {
  const { epochs, trainKey, valKey, robust } = props;
  const train = useMemo(() => series(epochs, trainKey), [epochs, trainKey]);
  const val = useMemo(() => series(epochs, valKey), [epochs, valKey]);
  const batch = useMemo(() => minMaxDownsample(props.batches ?? [], MAX_DRAWN_BATCH_POINTS), [props.batches]);
  const total = Math.max(1, props.totalEpochs);
  const clipAt = robust ? robustMax(train, val) : null;
  const [lo, hi] = props.yDomain;
  const y = useMemo(() => {
    if (clipAt !== null) return { domain: [lo, clipAt] as const, ticks: ticksWithin(lo, clipAt) };
    if (hi !== 'auto') return { domain: [lo, hi] as const, ticks: niceTicks(lo, hi) };
    let top = lo;
    for (const line of [train, val, batch]) for (const p of line) top = Math.max(top, p.y);
    const ticks = niceTicks(lo, top);
    return { domain: [lo, ticks.at(-1)!] as const, ticks };
  }, [lo, hi, clipAt, train, val, batch]);
  const lines = useMemo(() => {
    const r = train.length > 40 ? 0 : 3;
    const out: PlotLine[] = [];
    if (batch.length > 0)
      out.push({ id: 'batch', name: 'Per batch (smoothed)', color: COLORS.batch, width: 1.25, points: batch });
    out.push({ id: 'train', name: props.trainName, color: COLORS.train, width: 2, points: train, dotRadius: r });
    out.push({ id: 'val', name: props.valName, color: COLORS.val, width: 2, points: val, dotRadius: r });
    return out;
  }, [batch, train, val, props.trainName, props.valName]);
  const x = useMemo(
    () => ({ domain: [0, total] as const, ticks: epochTicks(total), format: String, label: 'epoch' }),
    [total],
  );
  const kept = props.keptEpoch ?? null;
  const markers = useMemo(() => {
    const at = kept === null ? undefined : val.find((p) => p.x === kept + 1);
    return at ? [{ ...at, color: COLORS.val }] : [];
  }, [kept, val]);
  const format = props.format;
  const tooltip = useMemo(
    () => ({
      label: (at: number) => `epoch ${Number(at.toFixed(2))}`,
      format,
      snap: (at: number) => Math.min(total, Math.max(0, Math.round(at))),
    }),
    [format, total],
  );
  return (
    <figure
      className="chart"
      data-testid={props.testId}
      data-train-points={train.length}
      data-val-points={val.length}
      data-batch-points={batch.length}
    >
      <figcaption className="chart-title">
        {props.title}
        {clipAt !== null && <span className="chart-note">first epoch above the scale</span>}
      </figcaption>
      <Plot
        height={266}
        margin={MARGIN}
        yAxisWidth={56}
        xAxisHeight={34}
        grid
        lines={lines}
        x={x}
        y={{ ...y, format: props.tickFormat ?? props.format }}
        tooltip={tooltip}
        markers={markers}
      />
      <ul className="chart-legend">
        {batch.length > 0 && <LegendItem color={COLORS.batch} name="Per batch (smoothed)" thin />}
        <LegendItem color={COLORS.train} name={props.trainName} />
        <LegendItem color={COLORS.val} name={props.valName} />
        {markers.length > 0 && (
          <li data-testid="kept-marker-legend">● the model's epoch ({kept! + 1}, the best; its weights were kept)</li>
        )}
      </ul>
    </figure>
  );
}

function LegendItem({ color, name, thin }: { color: string; name: string; thin?: boolean }) {
  return (
    <li>
      <span
        className="chart-legend-line"
        style={{ borderTopColor: color, borderTopWidth: thin ? 1.5 : 2 }}
        aria-hidden="true"
      />
      {name}
    </li>
  );
}

/** Same epochs: the store copies the array on every update, but keeps unchanged entries. */
const sameEpochs = (a: readonly EpochLogs[], b: readonly EpochLogs[]) =>
  a.length === b.length && a.every((e, i) => e === b[i]);

type LossChartProps = {
  epochs: readonly EpochLogs[];
  totalEpochs: number;
  batches: readonly BatchPoint[] | undefined;
  keptEpoch?: number | null;
};
type MetricChartProps = {
  epochs: readonly EpochLogs[];
  totalEpochs: number;
  metric: 'accuracy' | 'mae';
  keptEpoch?: number | null;
};

// Memoised: a batch-only update (most of them while training) redraws the loss chart alone.
export const LossChart = memo(
  LossChartView,
  (a: LossChartProps, b: LossChartProps) =>
    a.batches === b.batches &&
    a.totalEpochs === b.totalEpochs &&
    a.keptEpoch === b.keptEpoch &&
    sameEpochs(a.epochs, b.epochs),
);
export const MetricChart = memo(
  MetricChartView,
  (a: MetricChartProps, b: MetricChartProps) =>
    a.metric === b.metric &&
    a.totalEpochs === b.totalEpochs &&
    a.keptEpoch === b.keptEpoch &&
    sameEpochs(a.epochs, b.epochs),
);

function LossChartView({ epochs, totalEpochs, batches, keptEpoch }: LossChartProps) {
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
      keptEpoch={keptEpoch ?? null}
    />
  );
}

function MetricChartView({ epochs, totalEpochs, metric, keptEpoch }: MetricChartProps) {
  const accuracy = metric === 'accuracy';
  return (
    <EpochChart
      testId="metric-chart"
      title={accuracy ? 'Accuracy' : 'Mean absolute error'}
      epochs={epochs}
      totalEpochs={totalEpochs}
      trainKey={accuracy ? 'accuracy' : 'mae'}
      keptEpoch={keptEpoch ?? null}
      valKey={accuracy ? 'val_accuracy' : 'val_mae'}
      trainName={accuracy ? 'Training accuracy' : 'Training MAE'}
      valName={accuracy ? 'Validation accuracy' : 'Validation MAE'}
      format={accuracy ? formatPercent : formatStat}
      tickFormat={accuracy ? (n) => `${Math.round(n * 100)}%` : compactTick}
      yDomain={accuracy ? [0, 1] : [0, 'auto']}
    />
  );
}
