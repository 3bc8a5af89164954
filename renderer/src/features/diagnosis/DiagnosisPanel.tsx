import { useMemo } from 'react';
import { diagnoseRun, THRESHOLDS, type Baseline } from '../../../../app/diagnostics';
import type { EpochLogs } from '../../../../app/project/schema';
import { formatLoss, formatPercent, formatStat } from '../../lib/format';
import { TimeSeriesForecast } from '../dataset/TimeSeriesForecast';
import { useRunView } from '../train/run-view';
import { VerdictCard } from './VerdictCard';
import './diagnosis.css';

/** The verdicts on the run being shown, live while it trains, with the naive baseline beside its scores. */
export function DiagnosisPanel() {
  const view = useRunView();
  const run = view?.run;
  const epochs = view?.epochs;
  const verdicts = useMemo(() => (run && epochs ? diagnoseRun(run, epochs) : []), [run, epochs]);
  if (!view || !run) return null;
  const running = run.status === 'running';
  return (
    <section className="card diagnosis-panel" data-testid="diagnosis-panel" aria-label="Diagnosis">
      <h2>Diagnosis</h2>
      <BaselineTable baseline={run.baseline ?? null} last={view.epochs.at(-1)} metric={view.metric} />
      {run.forecast && <TimeSeriesForecast forecast={run.forecast} target={run.taskSpec.target} />}
      {verdicts.length === 0 ? (
        <p className="muted" data-testid="diagnosis-empty">
          {running
            ? view.epochs.length < THRESHOLDS.minEpochs
              ? `The diagnosis starts after ${THRESHOLDS.minEpochs} epochs: fewer cannot tell a trend from noise.`
              : 'Watching the curves: nothing wrong so far. The full verdict comes when training ends.'
            : run.status === 'failed'
              ? 'No diagnosis: the run failed before the curves could say anything.'
              : run.status === 'cancelled'
                ? 'The run was cancelled: nothing wrong in the epochs it trained, but too short to call it healthy.'
                : `Too few epochs to diagnose (at least ${THRESHOLDS.minEpochs} are needed).`}
        </p>
      ) : (
        <div className="verdicts">
          {running && <p className="muted">Live: based on the {view.epochs.length} epochs so far.</p>}
          {verdicts.map((v) => (
            <VerdictCard key={`${run.id}-${v.kind}-${v.title}`} verdict={v} epochs={view.epochs} />
          ))}
        </div>
      )}
    </section>
  );
}

function BaselineTable({ baseline, last, metric }: { baseline: Baseline | null; last: EpochLogs | undefined; metric: 'accuracy' | 'mae' }) {
  if (!baseline) return <p className="muted baseline-missing">No naive baseline for this run (it was trained before baselines were computed, or with a loss they have no formula for).</p>;
  const fmt = metric === 'accuracy' ? formatPercent : formatStat;
  const label = metric === 'accuracy' ? 'accuracy' : 'MAE';
  const what = baseline.kind === 'majority_class' ? 'always the most common class' : baseline.kind === 'last_value' ? 'the last value: no change over the horizon' : 'always the training mean';
  return (
    <table className="baseline-table" data-testid="baseline-table">
      <thead>
        <tr>
          <th />
          <th>Validation loss</th>
          <th>Validation {label}</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th>This model (last epoch)</th>
          <td>{formatLoss(last?.val_loss)}</td>
          <td>{fmt(last?.[`val_${metric}`])}</td>
        </tr>
        <tr className="baseline-row">
          <th>
            Naive baseline <span className="muted">({what})</span>
          </th>
          <td data-testid="baseline-val-loss">{formatLoss(baseline.val_loss)}</td>
          <td>{fmt(baseline[`val_${metric}`])}</td>
        </tr>
      </tbody>
    </table>
  );
}
