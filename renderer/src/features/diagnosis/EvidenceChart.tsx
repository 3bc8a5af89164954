import { memo, useMemo } from 'react';
import type { Evidence } from '../../../../app/diagnostics';
import type { EpochLogs } from '../../../../app/project/schema';
import { formatStat } from '../../lib/format';
import { COLORS } from '../train/charts';
import { Plot, type PlotLine } from '../train/Plot';
import { ticksWithin, type Point } from '../train/plot-scale';

const MARGIN = { top: 6, right: 10, bottom: 0, left: 0 };

/**
 * A small loss chart beside a verdict with its evidence marked: the epochs it is about shaded,
 * its numbers as dots. Epoch e is drawn at x = e + 1, as on the main charts. Memoised: while a
 * run trains it only changes when an epoch ends.
 */
export const EvidenceChart = memo(function EvidenceChart({
  epochs,
  evidence,
}: {
  epochs: readonly EpochLogs[];
  evidence: Evidence;
}) {
  const dots = useMemo(
    () =>
      evidence.points.filter(
        (p) => (p.series === 'loss' || p.series === 'val_loss') && p.value !== null && Number.isFinite(p.value),
      ),
    [evidence],
  );
  const chart = useMemo(() => {
    const loss = line(epochs, 'loss');
    const val = line(epochs, 'val_loss');
    const markers = dots.map((p) => ({
      x: p.epoch + 1,
      y: p.value!,
      color: p.series === 'loss' ? COLORS.train : COLORS.val,
    }));
    // Scale to the epochs after the first: the first is often far above the rest (as on the main chart); evidence dots stay in view.
    const skip = epochs.length > 3 ? 1 : 0;
    const later = [...loss.slice(skip), ...val.slice(skip)].map((p) => p.y);
    const top = Math.max(later.length > 0 ? Math.max(...later) * 1.1 : 1, ...markers.map((m) => m.y * 1.05));
    const lastX = Math.max(2, epochs.length);
    const lines: PlotLine[] = [
      { id: 'loss', name: 'Training loss', color: COLORS.train, width: 1.5, points: loss },
      { id: 'val', name: 'Validation loss', color: COLORS.val, width: 1.5, points: val },
    ];
    return {
      lines,
      markers,
      x: { domain: [1, lastX] as const, ticks: ticksWithin(1, lastX, 4), format: String },
      y: { domain: [0, top] as const, ticks: ticksWithin(0, top, 4), format: compactTick },
    };
  }, [epochs, dots]);
  const span = evidence.span;
  return (
    <div
      className="evidence-chart"
      data-testid="evidence-chart"
      data-span={span ? `${span.from}-${span.to}` : ''}
      data-dots={dots.length}
    >
      <Plot
        height={130}
        margin={MARGIN}
        yAxisWidth={48}
        xAxisHeight={18}
        fontSize={10}
        lines={chart.lines}
        x={chart.x}
        y={chart.y}
        band={span ? { from: span.from + 1, to: Math.max(span.to + 1, span.from + 1.2) } : null}
        markers={chart.markers}
        tooltip={TOOLTIP}
      />
    </div>
  );
});

const TOOLTIP = {
  label: (x: number) => `epoch ${x}`,
  format: formatStat,
  snap: (x: number) => Math.max(1, Math.round(x)),
};

function line(epochs: readonly EpochLogs[], key: 'loss' | 'val_loss'): Point[] {
  const out: Point[] = [];
  for (const e of epochs) {
    const y = e[key];
    if (typeof y === 'number' && Number.isFinite(y)) out.push({ x: e.epoch + 1, y });
  }
  return out;
}

/** Two significant digits are enough on a chart this small (7.2, 0.035, 2.1e+4). */
function compactTick(n: number): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  return abs >= 1e5 || abs < 1e-3 ? n.toExponential(1) : String(Number(n.toPrecision(2)));
}
