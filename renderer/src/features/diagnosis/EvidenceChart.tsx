import { Line, LineChart, ReferenceArea, ReferenceDot, XAxis, YAxis } from 'recharts';
import type { Evidence } from '../../../../app/diagnostics';
import type { EpochLogs } from '../../../../app/project/schema';
import { COLORS } from '../train/charts';

/**
 * A small loss chart beside a verdict with its evidence marked: the epochs it is about shaded,
 * its numbers as dots. Epoch e is drawn at x = e + 1, as on the main charts.
 */
export function EvidenceChart({ epochs, evidence }: { epochs: readonly EpochLogs[]; evidence: Evidence }) {
  const data = epochs.map((e) => ({ x: e.epoch + 1, loss: finite(e.loss), val: finite(e.val_loss) }));
  // Scale to the epochs after the first: the first is often far above the rest (as on the main chart).
  const later = data.slice(data.length > 3 ? 1 : 0).flatMap((d) => [d.loss, d.val]).filter((v): v is number => v !== null);
  const top = later.length > 0 ? Math.max(...later) * 1.1 : 'auto';
  const dots = evidence.points.filter((p) => (p.series === 'loss' || p.series === 'val_loss') && p.value !== null && Number.isFinite(p.value));
  return (
    <div className="evidence-chart" data-testid="evidence-chart" data-span={evidence.span ? `${evidence.span.from}-${evidence.span.to}` : ''} data-dots={dots.length}>
      <LineChart responsive style={{ width: '100%', height: 130 }} data={data} margin={{ top: 6, right: 10, bottom: 0, left: 0 }}>
        <XAxis type="number" dataKey="x" domain={[1, Math.max(2, data.length)]} tick={{ fontSize: 10, fill: '#64748b' }} tickLine={false} axisLine={{ stroke: '#cbd5e1' }} height={18} allowDecimals={false} />
        <YAxis type="number" domain={[0, top]} allowDataOverflow tick={{ fontSize: 10, fill: '#64748b' }} tickFormatter={compactTick} tickLine={false} axisLine={false} width={48} />
        {evidence.span && <ReferenceArea x1={evidence.span.from + 1} x2={Math.max(evidence.span.to + 1, evidence.span.from + 1.2)} fill="#fde68a" fillOpacity={0.45} stroke="none" ifOverflow="hidden" />}
        <Line dataKey="loss" name="Training loss" stroke={COLORS.train} strokeWidth={1.5} dot={false} isAnimationActive={false} connectNulls />
        <Line dataKey="val" name="Validation loss" stroke={COLORS.val} strokeWidth={1.5} dot={false} isAnimationActive={false} connectNulls />
        {dots.map((p) => (
          <ReferenceDot key={`${p.series}-${p.epoch}-${p.label}`} x={p.epoch + 1} y={p.value!} r={4} fill={p.series === 'loss' ? COLORS.train : COLORS.val} stroke="#111827" strokeWidth={1.5} ifOverflow="extendDomain" />
        ))}
      </LineChart>
    </div>
  );
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Two significant digits are enough on a chart this small (7.2, 0.035, 2.1e+4). */
function compactTick(n: number): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  return abs >= 1e5 || abs < 1e-3 ? n.toExponential(1) : String(Number(n.toPrecision(2)));
}
