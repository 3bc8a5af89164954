import { Bar, BarChart, Cell, LabelList, XAxis, YAxis } from 'recharts';

const BAR = '#93c5fd';
const BEST = '#2563eb';

/** The class probabilities as horizontal bars, most likely first, the predicted class darker. */
export function ProbabilityChart({
  labels,
  probabilities,
  best,
  width = 460,
}: {
  labels: readonly string[];
  probabilities: readonly number[];
  best: string | null;
  width?: number;
}) {
  const data = labels.map((label, i) => ({ label, p: probabilities[i] ?? 0 })).sort((a, b) => b.p - a.p);
  return (
    <BarChart
      width={width}
      height={Math.max(80, 30 * data.length + 20)}
      data={data}
      layout="vertical"
      margin={{ left: 8, right: 64, top: 4, bottom: 4 }}
    >
      <XAxis type="number" domain={[0, 1]} hide />
      <YAxis type="category" dataKey="label" width={120} tick={{ fontSize: 12 }} />
      <Bar dataKey="p" isAnimationActive={false}>
        {data.map((d) => (
          <Cell key={d.label} fill={d.label === best ? BEST : BAR} />
        ))}
        <LabelList
          dataKey="p"
          position="right"
          formatter={(v: unknown) => `${(Number(v) * 100).toFixed(1)}%`}
          style={{ fontSize: 12 }}
        />
      </Bar>
    </BarChart>
  );
}
