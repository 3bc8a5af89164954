import type { Histogram } from '../../../../app/dataset/schema';
import { formatInt, formatStat } from '../../lib/format';

const WIDTH = 96;
const HEIGHT = 26;

/** A column's distribution in a table cell: bins for numbers, the most frequent values for the rest. */
export function ColumnHistogram({ histogram }: { histogram: Histogram | undefined }) {
  if (!histogram) return null;
  const bars =
    histogram.kind === 'bins'
      ? histogram.counts.map((count, k) => {
          const width = (histogram.max - histogram.min) / histogram.counts.length;
          const from = histogram.min + k * width;
          return { count, label: `${formatStat(from)} – ${formatStat(from + width)}` };
        })
      : [
          ...histogram.values.map((v) => ({ count: v.count, label: v.value })),
          ...(histogram.other > 0 ? [{ count: histogram.other, label: 'other values' }] : []),
        ];
  const most = Math.max(1, ...bars.map((b) => b.count));
  const step = WIDTH / Math.max(bars.length, 1);
  return (
    <svg
      className={`histogram histogram-${histogram.kind}`}
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={histogram.kind === 'bins' ? 'histogram' : 'most frequent values'}
      data-testid="column-histogram"
    >
      {bars.map((b, k) => {
        const h = b.count === 0 ? 0 : Math.max(1.5, (b.count / most) * (HEIGHT - 2));
        return (
          <rect key={k} x={k * step + 0.5} y={HEIGHT - h} width={Math.max(1, step - 1)} height={h} rx={1}>
            <title>{`${b.label}: ${formatInt(b.count)}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}
