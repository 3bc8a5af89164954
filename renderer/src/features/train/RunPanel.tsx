import { useDeferredValue } from 'react';
import { accelerationsNote } from '../../../../app/engine/accelerations-note';
import type { BackendReport, EpochLogs, RunSummary } from '../../../../app/project/schema';
import { formatRate, type LrFinderResult } from '../../../../app/training/lr-finder';
import { useActions, useProject, useRuns } from '../../app/context';
import { formatDuration, formatLoss, formatPercent, formatStat, plural } from '../../lib/format';
import { LossChart, MetricChart } from './charts';
import { LrFinderChart } from './LrFinderChart';
import type { BatchPoint } from './run-store';
import { describeKept, keptEpoch, shownEpoch } from '../../../../app/project/kept-epoch';
import { useRunView } from './run-view';

/**
 * The charts take deferred copies of the live data: React redraws them at low priority, in
 * slices it can interrupt, so a redraw never holds the main thread while the status line, the
 * buttons or the user's input need it (bench/renderer-events.ts measures the long tasks).
 */
function LiveCharts(props: {
  epochs: readonly EpochLogs[];
  batches: readonly BatchPoint[] | undefined;
  total: number;
  metric: 'accuracy' | 'mae' | null;
  keptEpoch: number | null;
}) {
  const epochs = useDeferredValue(props.epochs);
  const batches = useDeferredValue(props.batches);
  return (
    <div className="charts">
      <LossChart epochs={epochs} totalEpochs={props.total} batches={batches} keptEpoch={props.keptEpoch} />
      {props.metric && (
        <MetricChart epochs={epochs} totalEpochs={props.total} metric={props.metric} keptEpoch={props.keptEpoch} />
      )}
    </div>
  );
}

/** Several Output heads report their metrics under their own names: no one task metric to chart. */
const severalHeads = (run: RunSummary) => run.graph.nodes.filter((n) => n.type === 'Output').length > 1;

/** The run being shown: status, epoch counter, backend, live curves and final metrics. */
export function RunPanel() {
  const view = useRunView();
  const startError = useRuns((s) => s.startError);
  const engineBackend = useProject((s) => s.engine?.backend ?? null);
  const starting = useRuns((s) => s.starting);
  const { continueRun } = useActions();

  if (!view) {
    return (
      <section className="card run-panel">
        <div className="run-header">
          <span className="status-badge status-idle" data-testid="run-status">
            Not trained yet
          </span>
        </div>
        {startError && (
          <div className="error-box" role="alert">
            {startError}
          </div>
        )}
        <div className="run-empty">
          <p>Press Train to start. Loss and accuracy appear here live, epoch by epoch.</p>
          <p className="muted">
            The training loss shows how well the model fits the data it learns from; the validation loss, how well it
            does on rows it never sees.
          </p>
        </div>
        <BackendInfo backend={engineBackend} note="will be used" />
      </section>
    );
  }

  const { run, epochs, live, metric, epochNow } = view;
  const planned = run.trainConfig.epochs;
  const running = run.status === 'running';
  const progress =
    running && live?.lastBatch
      ? (live.lastBatch.epoch + (live.lastBatch.batch + 1) / Math.max(1, live.lastBatch.batches)) / planned
      : running || run.status === 'interrupted'
        ? epochs.length / planned
        : 1;
  const kept = keptEpoch(run);
  // The charts span the epochs run once it ended (a 14-epoch run fills its axis, not 5% of 0–300),
  // and grow ahead of the curve while it trains.
  const chartEpochs = running
    ? Math.min(planned, Math.max(10, Math.ceil(epochs.length * 1.25)))
    : Math.max(1, epochs.length);

  return (
    <section className="card run-panel">
      <div className="run-header">
        <span className={`status-badge status-${run.status}`} data-testid="run-status">
          {run.status}
        </span>
        {running && run.paused && (
          <span className="status-badge status-paused" data-testid="paused-badge">
            paused
          </span>
        )}
        <span className="epoch-counter" data-testid="epoch-counter">
          {running || epochs.length === planned
            ? `Epoch ${epochNow} / ${running && run.trainConfig.earlyStopping ? `up to ${planned}` : planned}`
            : `${plural(epochs.length, 'epoch')} run (of up to ${planned})`}
        </span>
        <span className="run-meta muted">
          {new Date(run.startedAt).toLocaleTimeString()}
          {run.endedAt ? ` · ${formatDuration(run.startedAt, run.endedAt)}` : ''}
        </span>
      </div>
      <div className="progress" aria-hidden="true">
        <div
          className={`progress-bar status-${run.status}`}
          style={{ width: `${Math.min(100, Math.max(0, progress * 100)).toFixed(1)}%` }}
        />
      </div>
      <RunNotices run={run} />
      {run.status === 'interrupted' && (
        <div className="run-notice" role="status" data-testid="interrupted-notice">
          {run.error ?? 'Layerlab stopped while this run was training.'}{' '}
          {epochs.length > 0 && (
            <button
              type="button"
              className="btn btn-secondary"
              data-testid="continue-run-button"
              disabled={starting}
              onClick={() => void continueRun(run.id)}
            >
              Resume
            </button>
          )}
        </div>
      )}
      {run.status === 'failed' && (
        <div className="error-box" role="alert">
          <strong>Training failed.</strong> {run.error ?? 'The engine gave no reason.'}
        </div>
      )}
      {startError && (
        <div className="error-box" role="alert">
          {startError}
        </div>
      )}
      <FinalMetrics run={run} last={shownEpoch(run, epochs)} metric={metric} />
      {!running && kept?.restored && (
        <p className="muted" data-testid="kept-epoch-note">
          These are the scores of the model you get: {describeKept(kept)}.
        </p>
      )}
      <LiveCharts
        epochs={epochs}
        batches={live?.batches}
        total={chartEpochs}
        metric={severalHeads(run) ? null : metric}
        keptEpoch={!running && kept?.restored ? kept.epoch : null}
      />
      {running && run.trainConfig.learningRate === 'auto' && !run.lrFinder && (
        <p className="muted" data-testid="lr-finder-running">
          Finding the learning rate (LR range test) before the first epoch…
        </p>
      )}
      {run.lrFinder && <LrFinderResultView run={run} found={run.lrFinder} />}
      <BackendInfo backend={run.backend ?? engineBackend} note={run.backend ? 'was used' : 'is in use'} />
    </section>
  );
}

/** Crash recoveries and early stopping, said plainly. */
function RunNotices({ run }: { run: RunSummary }) {
  const last = run.recoveries?.at(-1);
  const es = run.earlyStopped;
  return (
    <>
      {last && (
        <div className="run-notice" role="status" data-testid="recovery-banner">
          {run.status === 'running'
            ? `The engine stopped unexpectedly; resuming from epoch ${last.fromEpoch + 1}.`
            : `The engine stopped unexpectedly${run.recoveries!.length > 1 ? ` ${run.recoveries!.length} times` : ''}; the run resumed from epoch ${last.fromEpoch + 1} of its last checkpoint.`}
        </div>
      )}
      {es && (
        <div className="run-notice" role="status" data-testid="early-stop-note">
          Early stopping: {es.monitor} stopped improving, so training ended after epoch {es.stoppedAt + 1}
          {es.bestEpoch !== null
            ? `; the best was epoch ${es.bestEpoch + 1}${es.restored ? ', and the model keeps its weights' : ''}`
            : ''}
          .
        </div>
      )}
    </>
  );
}

/** Extra metrics a run may report (config.metrics), beside loss and the task's main metric. */
const EXTRA_METRICS: {
  key: 'precision' | 'recall' | 'auc' | 'rmse' | 'r2' | 'mae' | 'accuracy';
  label: string;
  percent: boolean;
}[] = [
  { key: 'accuracy', label: 'accuracy', percent: true },
  { key: 'precision', label: 'precision', percent: true },
  { key: 'recall', label: 'recall', percent: true },
  { key: 'auc', label: 'AUC', percent: false },
  { key: 'mae', label: 'MAE', percent: false },
  { key: 'rmse', label: 'RMSE', percent: false },
  { key: 'r2', label: 'R²', percent: false },
];

function FinalMetrics({
  run,
  last,
  metric,
}: {
  run: RunSummary;
  last: EpochLogs | undefined;
  metric: 'accuracy' | 'mae';
}) {
  const fmt = metric === 'accuracy' ? formatPercent : formatStat;
  const label = metric === 'accuracy' ? 'accuracy' : 'MAE';
  // Once it ended, the kept epoch's scores (the restored best one's, else the last's): the model's own.
  const word = run.status === 'running' ? 'Latest' : 'Model';
  const tiles = [
    { label: 'Training loss', value: formatLoss(last?.loss) },
    { label: 'Validation loss', value: formatLoss(last?.val_loss), key: true },
    ...(severalHeads(run)
      ? []
      : [
          { label: `Training ${label}`, value: fmt(last?.[metric]) },
          { label: `Validation ${label}`, value: fmt(last?.[`val_${metric}`]), key: true },
        ]),
    // Validation values of any further metric the run reported.
    ...EXTRA_METRICS.filter((m) => m.key !== metric && last?.[`val_${m.key}`] !== undefined).map((m) => ({
      label: `Validation ${m.label}`,
      value: (m.percent ? formatPercent : formatStat)(last?.[`val_${m.key}`]),
      key: false,
    })),
    // Several heads: each head's validation loss and metrics, under its Output's name (Keras' "val_out_price_mae").
    ...Object.keys(last ?? {})
      .filter(
        (k) =>
          k.startsWith('val_') &&
          k !== 'val_loss' &&
          k !== `val_${metric}` &&
          !EXTRA_METRICS.some((m) => `val_${m.key}` === k),
      )
      .map((k) => ({
        label: `Validation ${k.slice(4)}`,
        value: (/_(accuracy|precision|recall)$/.test(k)
          ? formatPercent
          : k.endsWith('_loss')
            ? formatLoss
            : formatStat)(last?.[k]),
        key: false,
      })),
    ...(last?.lr !== undefined && last.lr !== null
      ? [{ label: 'Learning rate', value: last.lr.toPrecision(3), key: false }]
      : []),
  ];
  return (
    <dl className="metrics" data-testid="final-metrics" aria-label={`${word} metrics`}>
      {tiles.map((t) => (
        <div key={t.label} className={`metric${t.key ? ' is-key' : ''}`}>
          <dt>
            {t.label} <span className="metric-when">{word.toLowerCase()}</span>
          </dt>
          <dd>{t.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function BackendInfo({ backend, note }: { backend: BackendReport | null; note: string }) {
  if (!backend) {
    return (
      <span className="backend-info muted" data-testid="backend-info">
        Backend: waiting for the engine to start.
      </span>
    );
  }
  const skipped = backend.skipped;
  const accelerations = accelerationsNote(backend);
  return (
    <span
      className="backend-info"
      data-testid="backend-info"
      title={skipped.map((s) => `${s.name}: ${s.reason}`).join('\n') || undefined}
    >
      Backend: <strong>{backend.name}</strong> {note}.
      {skipped.length > 0 && (
        <span className="muted">
          {' '}
          Faster backends skipped: {skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}.
        </span>
      )}
      {accelerations && <span className="muted"> {accelerations}</span>}
    </span>
  );
}

/** A run's LR range test: the curve, and for a test run alone (Find learning rate) a button to train with its rate. */
function LrFinderResultView({ run, found }: { run: RunSummary; found: LrFinderResult }) {
  const { adoptLearningRate } = useActions();
  const alone = !run.hasModel && run.epochs.length === 0 && run.status === 'completed';
  return (
    <>
      {alone && (
        <div className="run-notice" data-testid="lr-finder-only">
          LR range test only: no model was trained.{' '}
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="use-found-rate"
            onClick={() => adoptLearningRate(found.suggestion)}
          >
            Train with {formatRate(found.suggestion)}
          </button>
        </div>
      )}
      <LrFinderChart found={found} />
    </>
  );
}
