import { memo, useMemo } from 'react';
import { formatRate, formatSeconds, type LrFinderResult } from '../../../../app/training/lr-finder';
import { COLORS } from './charts';
import { Plot, type PlotLine } from './Plot';
import { niceTicks, type Point } from './plot-scale';

const MARGIN = { top: 8, right: 16, bottom: 4, left: 4 };
const SUGGESTED = '#16a34a';

/**
 * The LR range test of a run that used learningRate 'auto': the smoothed training loss against
 * the rate (log scale: x is log10 of the rate), the suggested rate marked on the curve.
 */
export const LrFinderChart = memo(function LrFinderChart({ found }: { found: LrFinderResult }) {
  const points = useMemo(() => {
    const out: Point[] = [];
    found.rates.forEach((rate, i) => {
      const loss = found.losses[i];
      if (loss !== null && loss !== undefined && Number.isFinite(loss)) out.push({ x: Math.log10(rate), y: loss });
    });
    return out;
  }, [found]);
  const at = Math.log10(found.suggestion);
  const marker = useMemo(() => {
    let best: Point | null = null;
    for (const p of points) if (!best || Math.abs(p.x - at) < Math.abs(best.x - at)) best = p;
    return best ? [{ x: at, y: best.y, color: SUGGESTED }] : [];
  }, [points, at]);
  if (points.length < 2) return null;
  const x0 = Math.floor(points[0]!.x);
  const x1 = Math.ceil(points.at(-1)!.x);
  const ticks: number[] = [];
  const stride = x1 - x0 > 6 ? 2 : 1;
  for (let t = x0; t <= x1; t += stride) ticks.push(t);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.y);
    hi = Math.max(hi, p.y);
  }
  const yTicks = niceTicks(Math.max(0, lo - (hi - lo) * 0.05), hi);
  const lines: PlotLine[] = [{ id: 'lr-loss', name: 'Smoothed loss', color: COLORS.train, width: 2, points }];
  return (
    <figure
      className="chart"
      data-testid="lr-finder-chart"
      data-suggestion={found.suggestion}
      data-points={points.length}
    >
      <figcaption className="chart-title">
        Learning rate: auto → {formatRate(found.suggestion)}
        <span className="chart-note">
          LR range test, {found.steps} steps, {formatSeconds(found.seconds)}: {found.rule}
        </span>
      </figcaption>
      <Plot
        height={200}
        margin={MARGIN}
        yAxisWidth={56}
        xAxisHeight={34}
        grid
        lines={lines}
        x={{ domain: [x0, x1], ticks, format: (t) => `1e${t}`, label: 'learning rate (log)' }}
        y={{ domain: [yTicks[0]!, yTicks.at(-1)!], ticks: yTicks, format: (v) => String(Number(v.toPrecision(3))) }}
        band={{ from: at - 0.05, to: at + 0.05 }}
        markers={marker}
        tooltip={{ label: (x) => `rate ${formatRate(10 ** x)}`, format: (v) => v.toPrecision(4) }}
      />
    </figure>
  );
});
