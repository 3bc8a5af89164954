import { useMemo } from 'react';
import { diagnoseRun, THRESHOLDS, type Baseline } from '../../../../app/diagnostics';
import type { EpochLogs, RunSummary } from '../../../../app/project/schema';
import { formatLoss, formatPercent, formatStat } from '../../lib/format';
import { TimeSeriesForecast } from '../dataset/TimeSeriesForecast';
import { useRunView } from '../train/run-view';
import { VerdictCard } from './VerdictCard';
import { shownEpoch } from '../../../../app/project/kept-epoch';
import './diagnosis.css';

/** The verdicts on the run being shown, live while it trains, with the naive baseline beside its scores. */
export function DiagnosisPanel() {
  const view = useRunView();
  const run = view?.run;
  const epochs = view?.epochs;
  const verdicts = useMemo(() => (run && epochs ? diagnoseRun(run, epochs) : []), [run, epochs]);
  if (!view || !run) return null;
  const running = run.status === 'running';
  // Beside the baseline: the model's scores (its kept epoch's once it ended), as everywhere else.
  const shown = shownEpoch(run, view.epochs);
  return (
    <section className="card diagnosis-panel" data-testid="diagnosis-panel" aria-label="Diagnosis">
      <h2>Diagnosis</h2>
      {run.headBaselines && run.headBaselines.length > 0 ? (
        <HeadBaselineTable heads={run.headBaselines} last={shown} />
      ) : (
        <BaselineTable baseline={run.baseline ?? null} last={shown} metric={view.metric} />
      )}
      {run.forecast && <TimeSeriesForecast forecast={run.forecast} target={run.taskSpec.target} />}
      {verdicts.length === 0 ? (
        <p className="muted" data-testid="diagnosis-empty">
          {running
            ? view.epochs.length < THRESHOLDS.minEpochs
              ? `The diagnosis starts after ${THRESHOLDS.minEpochs} epochs: fewer cannot tell a trend from noise.`
              : 'Watching the curves: nothing wrong so far. The full verdict comes when training ends.'
            : run.status === 'failed'
              ? 'No diagnosis: the run failed before the curves could say anything.'
              : run.status === 'interrupted'
                ? 'The run was interrupted (Layerlab stopped): nothing wrong in the epochs it trained; resume it for the full verdict.'
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

const baselineWhat = (kind: Baseline['kind']) =>
  kind === 'majority_class'
    ? 'always the most common class'
    : kind === 'last_value'
      ? 'the last value: no change over the horizon'
      : 'always the training mean';

/**
 * Several heads: each head's validation loss and metric beside its own naive baseline. The
 * heads' keys in the epoch logs carry the Output node's id (Keras' "val_<output>_mae").
 */
function HeadBaselineTable({
  heads,
  last,
}: {
  heads: NonNullable<RunSummary['headBaselines']>;
  last: EpochLogs | undefined;
}) {
  return (
    <table className="baseline-table" data-testid="head-baseline-table">
      <thead>
        <tr>
          <th>Head (target)</th>
          <th />
          <th>Validation loss</th>
          <th>Validation score</th>
        </tr>
      </thead>
      <tbody>
        {heads.flatMap(({ node, target, task, baseline }) => {
          const metric = task === 'classification' ? 'accuracy' : 'mae';
          const fmt = metric === 'accuracy' ? formatPercent : formatStat;
          const label = metric === 'accuracy' ? 'accuracy' : 'MAE';
          return [
            <tr key={`${node}-model`}>
              <th rowSpan={2}>
                {node} <span className="muted">({target})</span>
              </th>
              <th>This model (last epoch)</th>
              <td>{formatLoss(last?.[`val_${node}_loss`])}</td>
              <td>
                {fmt(last?.[`val_${node}_${metric}`])} <span className="muted">{label}</span>
              </td>
            </tr>,
            <tr key={`${node}-baseline`} className="baseline-row">
              <th>Naive baseline {baseline && <span className="muted">({baselineWhat(baseline.kind)})</span>}</th>
              <td data-testid={`head-baseline-val-loss-${node}`}>{baseline ? formatLoss(baseline.val_loss) : '–'}</td>
              <td>{baseline ? fmt(baseline[`val_${metric}`]) : '–'}</td>
            </tr>,
          ];
        })}
      </tbody>
    </table>
  );
}

function BaselineTable({
  baseline,
  last,
  metric,
}: {
  baseline: Baseline | null;
  last: EpochLogs | undefined;
  metric: 'accuracy' | 'mae';
}) {
  if (!baseline)
    return (
      <p className="muted baseline-missing">
        No naive baseline for this run (it was trained before baselines were computed, or with a loss they have no
        formula for).
      </p>
    );
  const fmt = metric === 'accuracy' ? formatPercent : formatStat;
  const label = metric === 'accuracy' ? 'accuracy' : 'MAE';
  const what = baselineWhat(baseline.kind);
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
