import { axisPosition, parallelAxes, type RunRow } from '../../../../app/experiments/runs-table';
import { formatLoss, formatStat } from '../../lib/format';
import { runLabel } from './labels';

const WIDTH = 960;
const HEIGHT = 260;
const TOP = 34;
const BOTTOM = 30;
const SIDE = 70;

/**
 * Colour of a score from best (0: dark teal) to worst (1: light grey), so the best runs stand
 * out; not the runs' own colours, which mark the ticked runs in the overlay and the diff.
 */
function scoreColor(t: number): string {
  const from = [15, 118, 110];
  const to = [203, 213, 225];
  return `rgb(${from.map((c, i) => Math.round(c + (to[i]! - c) * t)).join(',')})`;
}

/**
 * Settings → score for many runs (parallel coordinates, as W&B draws them): an axis per setting
 * that differs between the runs shown, then the best validation loss; one line per run, coloured
 * by that loss (dark: best). Ticked runs are drawn thicker.
 */
export function ParallelCoordinates({ rows, selected }: { rows: readonly RunRow[]; selected: readonly string[] }) {
  const scored = rows.filter((r) => r.best.val_loss !== null);
  const axes = parallelAxes(scored);
  if (scored.length < 2 || axes.length === 0)
    return (
      <section className="runs-parallel" data-testid="runs-parallel">
        <h3>Settings → score</h3>
        <p className="muted">Shown when at least two finished runs differ in a setting.</p>
      </section>
    );
  const losses = scored.map((r) => r.best.val_loss!);
  const lo = Math.min(...losses);
  const hi = Math.max(...losses);
  const scoreT = (v: number) => (hi === lo ? 0.5 : (v - lo) / (hi - lo));
  const columns = axes.length + 1;
  const x = (i: number) => SIDE + (i * (WIDTH - 2 * SIDE)) / Math.max(1, columns - 1);
  const y = (t: number) => TOP + (1 - t) * (HEIGHT - TOP - BOTTOM);
  const label = (v: number | string) => (typeof v === 'number' ? formatStat(v) : v);
  // Lower loss is better: put it at the top of its axis.
  const lines = [...scored]
    .sort((a, b) => Number(selected.includes(a.id)) - Number(selected.includes(b.id)))
    .map((row) => {
      const points = axes.map((axis, i) => {
        const t = axisPosition(axis, row.settings[axis.key]);
        return t === null ? null : `${x(i)},${y(t)}`;
      });
      points.push(`${x(axes.length)},${y(1 - scoreT(row.best.val_loss!))}`);
      return { row, d: points.filter((p): p is string => p !== null).join(' ') };
    });
  return (
    <section className="runs-parallel" data-testid="runs-parallel">
      <h3>
        Settings → score <span className="muted count">{scored.length} runs</span>
      </h3>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Parallel coordinates of ${axes.map((a) => a.key).join(', ')} against the best validation loss`}
        className="runs-parallel-svg"
      >
        {lines.map(({ row, d }) => {
          const on = selected.includes(row.id);
          return (
            <polyline
              key={row.id}
              points={d}
              fill="none"
              stroke={scoreColor(scoreT(row.best.val_loss!))}
              strokeWidth={on ? 3.5 : 1.5}
              strokeOpacity={selected.length === 0 || on ? 0.9 : 0.35}
              data-testid="runs-parallel-line"
            >
              <title>
                {runLabel(row)}: best val loss {formatLoss(row.best.val_loss)}
              </title>
            </polyline>
          );
        })}
        {[...axes.map((a) => a.key), 'best val loss'].map((key, i) => {
          const axis = axes[i];
          const ticks: [number, string][] = axis
            ? axis.kind === 'category'
              ? axis.categories.map((c, j) => [
                  axis.categories.length === 1 ? 0.5 : j / (axis.categories.length - 1),
                  c,
                ])
              : [
                  [0, label(axis.min)],
                  [1, label(axis.max)],
                ]
            : [
                [1, formatLoss(lo)],
                [0, formatLoss(hi)],
              ];
          return (
            <g key={key}>
              <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="#94a3b8" />
              <text x={x(i)} y={TOP - 14} textAnchor="middle" className="runs-axis-label">
                {key}
                {axis?.log ? ' (log)' : ''}
              </text>
              {ticks.map(([t, text]) => (
                <text key={`${t}-${text}`} x={x(i) + 7} y={y(t) + 4} className="runs-axis-tick">
                  {text}
                </text>
              ))}
            </g>
          );
        })}
      </svg>
    </section>
  );
}
