import type { RunSummary } from '../../../../app/project/schema';
import { metricFor } from '../../../../app/training/config';
import { useProject, useRuns, useWorkbench } from '../../app/context';
import { formatDateTime, formatLoss, formatPercent, formatStat, plural } from '../../lib/format';
import { runEpochs } from './run-store';
import { newest } from './run-view';
import { shownEpoch } from '../../../../app/project/kept-epoch';
import { CompareRunsButton } from '../runs-table/CompareRuns';

const NO_RUNS: RunSummary[] = [];

/** Past runs of the project, newest first; clicking one shows its curves. */
export function RunHistory() {
  const runs = useProject((s) => s.current?.runs ?? NO_RUNS);
  const selectedId = useRuns((s) => s.selectedRunId);
  const live = useRuns((s) => s.live);
  const { stores } = useWorkbench();
  const shownId = selectedId ?? newest(runs)?.id;
  const sorted = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return (
    <section className="card run-history-card">
      <h2 className="run-history-title">
        Runs <span className="muted count">{runs.length}</span>
        <CompareRunsButton />
      </h2>
      {sorted.length === 0 ? (
        <p className="muted" data-testid="run-history">
          No runs yet.
        </p>
      ) : (
        <ul className="run-history" data-testid="run-history">
          {sorted.map((run) => {
            const epochs = runEpochs(run, live[run.id]);
            // A finished run shows its model's scores (the kept epoch's); a running one its latest.
            const last = shownEpoch(run, epochs);
            const metric = metricFor(run.task);
            const value = last?.[`val_${metric}`];
            return (
              <li key={run.id}>
                <button
                  type="button"
                  className={`run-item${run.id === shownId ? ' is-selected' : ''}`}
                  data-testid="run-item"
                  data-run-id={run.id}
                  aria-pressed={run.id === shownId}
                  onClick={() => stores.runs.getState().select(run.id)}
                >
                  <span className="run-item-top">
                    <span className="run-date">{formatDateTime(run.startedAt)}</span>
                    <span className={`status-badge small status-${run.status}`}>{run.status}</span>
                  </span>
                  <span className="run-item-bottom muted">
                    {run.status === 'running'
                      ? `${epochs.length}/${run.trainConfig.epochs} epochs`
                      : plural(epochs.length, 'epoch')}{' '}
                    · {run.trainConfig.optimizer} ·{' '}
                    {run.status === 'running' && !last
                      ? 'starting…'
                      : `val loss ${formatLoss(last?.val_loss)} · val ${metric === 'accuracy' ? 'acc' : 'MAE'} ${metric === 'accuracy' ? formatPercent(value) : formatStat(value)}`}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
