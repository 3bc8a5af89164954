import { useEffect, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { EventPayload, LearningCurve } from '../../../../app/ipc/contract';
import { useActions } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { formatPercent, formatStat } from '../../lib/format';
import { COLORS } from '../train/charts';
import { useRunView } from '../train/run-view';
import { readCurve } from './reading';
import './learning-curve.css';

type Progress = EventPayload<'run.learningCurveProgress'>;

function CurveChart({ curve }: { curve: LearningCurve }) {
  const accuracy = curve.metric === 'accuracy';
  const format = accuracy ? formatPercent : formatStat;
  const train = curve.points.filter((p) => p.score !== null).map((p) => ({ x: p.trainRows, y: p.score! }));
  const val = curve.points.filter((p) => p.val_score !== null).map((p) => ({ x: p.trainRows, y: p.val_score! }));
  const name = accuracy ? 'accuracy' : 'MAE';
  return (
    <figure className="chart" data-testid="learning-curve-chart" data-points={curve.points.length}>
      <figcaption className="chart-title">{accuracy ? 'Accuracy' : 'Mean absolute error'} by training rows</figcaption>
      <LineChart responsive style={{ width: '100%', height: 260 }} margin={{ top: 8, right: 16, bottom: 4, left: 4 }}>
        <CartesianGrid stroke="#eef1f5" vertical={false} />
        <XAxis
          type="number"
          dataKey="x"
          domain={[0, 'dataMax']}
          ticks={curve.points.map((p) => p.trainRows)}
          tick={{ fontSize: 11, fill: '#64748b' }}
          tickLine={false}
          axisLine={{ stroke: '#cbd5e1' }}
          label={{ value: 'training rows', position: 'insideBottomRight', offset: -2, fontSize: 11, fill: '#64748b' }}
          height={34}
        />
        <YAxis
          type="number"
          domain={accuracy ? [0, 1] : [0, 'auto']}
          tickFormatter={(v: number) => format(v)}
          tick={{ fontSize: 11, fill: '#64748b' }}
          tickLine={false}
          axisLine={false}
          width={56}
        />
        <Tooltip
          formatter={(value, n) => [typeof value === 'number' ? format(value) : String(value), n]}
          labelFormatter={(x) => `${String(x)} training rows`}
          contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: '#e2e8f0' }}
          isAnimationActive={false}
        />
        <Legend
          verticalAlign="bottom"
          align="center"
          iconType="plainline"
          wrapperStyle={{ fontSize: 12, paddingTop: 4 }}
        />
        <Line
          data={train}
          dataKey="y"
          name={`Training ${name}`}
          stroke={COLORS.train}
          strokeWidth={2}
          dot={{ r: 3, fill: COLORS.train, strokeWidth: 0 }}
          isAnimationActive={false}
        />
        <Line
          data={val}
          dataKey="y"
          name={`Validation ${name}`}
          stroke={COLORS.val}
          strokeWidth={2}
          dot={{ r: 3, fill: COLORS.val, strokeWidth: 0 }}
          isAnimationActive={false}
        />
      </LineChart>
    </figure>
  );
}

/**
 * "Needs more data or more capacity?": retrain the shown run on 10/25/50/100% of its training
 * rows and plot the scores against the row count. On request only: it trains four models.
 */
export function LearningCurvePanel() {
  const view = useRunView();
  const { learningCurve, cancelLearningCurve, onLearningCurveProgress } = useActions();
  const runId = view?.run.id ?? null;
  const [curve, setCurve] = useState<LearningCurve | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // A different run: what was shown belongs to the old one.
  useEffect(() => {
    setCurve(null);
    setError(null);
    setProgress(null);
  }, [runId]);

  useEffect(() => {
    if (!busy || !runId) return;
    return onLearningCurveProgress((p) => {
      if (p.runId === runId) setProgress(p);
    });
  }, [busy, runId, onLearningCurveProgress]);

  if (!view || !runId || view.run.status !== 'completed' || !view.run.hasModel) return null;

  const start = async () => {
    setBusy(true);
    setError(null);
    setCurve(null);
    setProgress(null);
    try {
      setCurve(await learningCurve(runId));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const reading = curve ? readCurve(curve) : null;
  return (
    <section className="card learning-curve-panel" data-testid="learning-curve-panel" aria-label="Learning curve">
      <div className="learning-curve-head">
        <div>
          <h2>Learning curve</h2>
          <p className="muted">
            Retrains this run's model and settings on 10, 25, 50 and 100% of its training rows, scored on the same
            validation rows.
          </p>
        </div>
        {busy ? (
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="learning-curve-cancel"
            onClick={() => void cancelLearningCurve(runId)}
          >
            Cancel
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-primary"
            data-testid="learning-curve-button"
            onClick={() => void start()}
          >
            {curve ? 'Compute again' : 'Compute learning curve'}
          </button>
        )}
      </div>
      {busy && (
        <p className="muted" data-testid="learning-curve-progress" aria-live="polite">
          {progress
            ? `Training ${progress.step + 1} of ${progress.steps}: ${Math.round(progress.fraction * 100)}% (${progress.trainRows} rows), epoch ${Math.min(progress.epoch + 1, progress.epochs)} of ${progress.epochs}…`
            : 'Preparing the subsets…'}
        </p>
      )}
      {error && (
        <div className="error-box" role="alert" data-testid="learning-curve-error">
          {error}
        </div>
      )}
      {curve && (
        <>
          {curve.status === 'cancelled' && (
            <p className="muted">Cancelled: showing the {curve.points.length} finished of 4 retrainings.</p>
          )}
          {curve.points.length > 0 && <CurveChart curve={curve} />}
          {reading && (
            <p className={`learning-curve-reading reading-${reading.kind}`} data-testid="learning-curve-reading">
              {reading.text}
            </p>
          )}
        </>
      )}
    </section>
  );
}
