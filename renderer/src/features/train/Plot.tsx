import { memo, useEffect, useId, useMemo, useRef, useState, type PointerEvent, type RefObject } from 'react';
import { nearestIndex, type Point } from './plot-scale';

export interface PlotLine {
  id: string;
  name: string;
  color: string;
  width: number;
  /** Sorted by x, finite values only. */
  points: readonly Point[];
  /** Radius of a dot on every point; 0 or absent draws none. */
  dotRadius?: number;
}

export interface PlotAxis {
  domain: readonly [number, number];
  ticks: readonly number[];
  format: (n: number) => string;
}

export interface PlotProps {
  height: number;
  lines: readonly PlotLine[];
  x: PlotAxis & { label?: string };
  y: PlotAxis;
  /** Room for the y tick labels, and below the plot for the x ones (px). */
  yAxisWidth: number;
  xAxisHeight: number;
  margin: { top: number; right: number; bottom: number; left: number };
  fontSize?: number;
  grid?: boolean;
  /** A shaded span of x. */
  band?: { from: number; to: number } | null;
  /** Outlined dots at given values (drawn above the lines, never clipped). */
  markers?: readonly (Point & { color: string })[];
  /** Hovering shows each line's nearest value at `snap(x)`; absent: no tooltip. */
  tooltip?: { label: (x: number) => string; format: (y: number) => string; snap?: (x: number) => number };
}

const TICK = '#64748b';

/**
 * A line chart drawn as plain SVG. recharts (3.x) runs its own redux store, selectors and
 * text measurement (getBoundingClientRect) on every redraw: 50–300 ms per live update on a busy
 * machine, which is what kept the main thread blocked while training (bench/renderer-events.ts).
 * Here a redraw is a handful of path strings and tick labels; the width is measured only when
 * the element resizes (ResizeObserver), never per update.
 */
export const Plot = memo(function Plot(props: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useWidth(ref);
  const clipId = `plot-clip-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const [hoverPx, setHoverPx] = useState<number | null>(null);
  const { margin, height, x, y } = props;
  const fontSize = props.fontSize ?? 11;
  const left = margin.left + props.yAxisWidth;
  const top = margin.top;
  const plotW = Math.max(1, width - left - margin.right);
  const plotH = Math.max(1, height - top - margin.bottom - props.xAxisHeight);
  const [x0, x1] = x.domain;
  const [y0, y1] = y.domain;
  const sx = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (v: number) => top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;

  const paths = useMemo(() => {
    if (width === 0) return [];
    const px = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * plotW;
    const py = (v: number) => top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
    return props.lines.map((line) => {
      let d = '';
      for (const p of line.points) d += `${d === '' ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`;
      const dots = line.dotRadius ? line.points.map((p) => [px(p.x), py(p.y)] as const) : [];
      return { line, d, dots };
    });
  }, [props.lines, width, left, top, plotW, plotH, x0, x1, y0, y1]);

  const onMove = (event: PointerEvent<HTMLDivElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const px = event.clientX - box.left;
    setHoverPx(px >= left && px <= left + plotW ? px : null);
  };
  const hover =
    props.tooltip && hoverPx !== null
      ? hovered(props, props.tooltip, x0 + ((hoverPx - left) / plotW) * (x1 - x0))
      : null;

  return (
    <div
      ref={ref}
      className="plot"
      style={{ height }}
      onPointerMove={props.tooltip ? onMove : undefined}
      onPointerLeave={() => setHoverPx(null)}
    >
      {width > 0 && (
        <svg width={width} height={height} role="img" aria-label={props.lines.map((l) => l.name).join(', ')}>
          <defs>
            <clipPath id={clipId}>
              <rect x={left - 4} y={top - 4} width={plotW + 8} height={plotH + 8} />
            </clipPath>
          </defs>
          {props.grid && (
            <g className="plot-grid">
              {y.ticks.map((t) => (
                <line key={t} x1={left} x2={left + plotW} y1={sy(t)} y2={sy(t)} stroke="#eef1f5" />
              ))}
            </g>
          )}
          {props.band && (
            <rect
              x={sx(props.band.from)}
              width={Math.max(1, sx(props.band.to) - sx(props.band.from))}
              y={top}
              height={plotH}
              fill="#fde68a"
              fillOpacity={0.45}
              clipPath={`url(#${clipId})`}
            />
          )}
          <line className="plot-axis" x1={left} x2={left + plotW} y1={top + plotH} y2={top + plotH} stroke="#cbd5e1" />
          <g className="plot-ticks" fontSize={fontSize} fill={TICK}>
            {x.ticks.map((t) => (
              <text key={t} x={sx(t)} y={top + plotH + fontSize + 3} textAnchor="middle">
                {x.format(t)}
              </text>
            ))}
            {y.ticks.map((t) => (
              <text key={t} x={left - 6} y={sy(t)} dy="0.32em" textAnchor="end">
                {y.format(t)}
              </text>
            ))}
            {x.label && (
              <text x={left + plotW} y={height - margin.bottom - 2} textAnchor="end">
                {x.label}
              </text>
            )}
          </g>
          <g clipPath={`url(#${clipId})`}>
            {paths.map(({ line, d, dots }) => (
              <g key={line.id} className="plot-line" data-line={line.id}>
                {d !== '' && (
                  <path d={d} fill="none" stroke={line.color} strokeWidth={line.width} strokeLinejoin="round" />
                )}
                {dots.length > 0 && (
                  <g className="chart-dots">
                    {dots.map(([cx, cy], i) => (
                      <circle key={i} cx={cx} cy={cy} r={line.dotRadius} fill={line.color} />
                    ))}
                  </g>
                )}
              </g>
            ))}
          </g>
          {props.markers?.map((m) => (
            <circle
              key={`${m.x}-${m.y}-${m.color}`}
              cx={sx(m.x)}
              cy={sy(m.y)}
              r={4}
              fill={m.color}
              className="plot-marker"
              stroke="#111827"
              strokeWidth={1.5}
            />
          ))}
          {hover && <line x1={sx(hover.x)} x2={sx(hover.x)} y1={top} y2={top + plotH} stroke="#94a3b8" />}
        </svg>
      )}
      {hover && props.tooltip && hover.rows.length > 0 && (
        <div
          className="plot-tooltip"
          role="tooltip"
          style={
            sx(hover.x) > width / 2
              ? { right: width - sx(hover.x) + 10, top: top + 4 }
              : { left: sx(hover.x) + 10, top: top + 4 }
          }
        >
          <div className="plot-tooltip-label">{props.tooltip.label(hover.x)}</div>
          {hover.rows.map((r) => (
            <div key={r.name} style={{ color: r.color }}>
              {r.name}: {props.tooltip!.format(r.y)}
            </div>
          ))}
        </div>
      )}
    </div>
  );
});

/** Each line's value nearest the hovered x (snapped, e.g. to a whole epoch), if it has one close by. */
function hovered(props: PlotProps, tooltip: NonNullable<PlotProps['tooltip']>, x: number) {
  const at = tooltip.snap ? tooltip.snap(x) : x;
  const halfTick = (props.x.domain[1] - props.x.domain[0]) / 40;
  const rows: { name: string; color: string; y: number }[] = [];
  for (const line of props.lines) {
    const p = line.points[nearestIndex(line.points, at)];
    if (p && Math.abs(p.x - at) <= Math.max(halfTick, 0.5)) rows.push({ name: line.name, color: line.color, y: p.y });
  }
  return { x: at, rows };
}

/**
 * The element's width, as the ResizeObserver reports it after each layout that changes it
 * (its first report comes right after mounting). Reading clientWidth instead would force a
 * synchronous layout of the whole page in the middle of a React commit.
 */
function useWidth(ref: RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver((entries) => {
      const w = Math.round(entries[0]?.contentRect.width ?? 0);
      setWidth((old) => (old === w ? old : w));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
