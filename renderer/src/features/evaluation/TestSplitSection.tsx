import { useState } from 'react';
import type { RunEvaluation } from '../../../../app/ipc/contract';
import type { RunSummary } from '../../../../app/project/schema';
import { useActions } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { formatDateTime, formatInt, formatStat } from '../../lib/format';
import { ClassificationView } from './ClassificationView';
import { RegressionView } from './RegressionView';

type State =
  | { runId: string; status: 'confirm' }
  | { runId: string; status: 'loading' }
  | { runId: string; status: 'error'; error: string }
  | { runId: string; status: 'done'; result: RunEvaluation };

/** The stored test score, one line: what the run scored when it was evaluated on the test split. */
function TestScoreLine({ run }: { run: RunSummary }) {
  const score = run.testScore;
  if (!score) return null;
  const metric =
    score.accuracy !== undefined
      ? `accuracy ${formatStat(score.accuracy)}`
      : score.mae !== undefined
        ? `MAE ${formatStat(score.mae)}`
        : '';
  return (
    <p className="test-score" data-testid="test-score">
      <span className="split-badge split-badge-test">Test split</span> {metric}
      {score.loss !== null ? ` · loss ${formatStat(score.loss)}` : ''} on {formatInt(score.rows)} rows, evaluated{' '}
      {formatDateTime(score.evaluatedAt)}.
    </p>
  );
}

/**
 * The held-out test split, evaluated only on an explicit request that first explains why it is
 * done once: a score looked at while tuning is no longer an unseen-data score.
 */
export function TestSplitSection({ run }: { run: RunSummary }) {
  const actions = useActions();
  const [state, setState] = useState<State | null>(null);
  const mine = state?.runId === run.id ? state : null;
  const share = run.taskSpec.split?.testShare ?? 0;

  if (share <= 0) {
    return (
      <p className="muted test-split-none" data-testid="test-split-none">
        This run has no test split. To keep a final, honest score, set a test share under “Split” in the Data step and
        train again.
      </p>
    );
  }
  const evaluate = () => {
    const runId = run.id;
    setState({ runId, status: 'loading' });
    actions.evaluate(runId, 'test').then(
      (result) => setState((s) => (s?.runId === runId ? { runId, status: 'done', result } : s)),
      (error: unknown) =>
        setState((s) => (s?.runId === runId ? { runId, status: 'error', error: messageOf(error) } : s)),
    );
  };

  return (
    <div className="test-split" data-testid="test-split">
      <div className="evaluation-header">
        <h3>
          Final check <span className="split-badge split-badge-test">Test split</span>
        </h3>
        {mine?.status !== 'confirm' && (
          <button
            type="button"
            className="btn btn-small"
            data-testid="evaluate-test-button"
            disabled={mine?.status === 'loading'}
            onClick={() => setState({ runId: run.id, status: 'confirm' })}
          >
            {mine?.status === 'loading' ? 'Evaluating…' : 'Evaluate on test split…'}
          </button>
        )}
      </div>
      <TestScoreLine run={run} />
      {mine?.status === 'confirm' && (
        <div
          className="test-confirm"
          role="alertdialog"
          aria-labelledby="test-confirm-title"
          data-testid="test-confirm"
        >
          <p id="test-confirm-title">
            <strong>Evaluate on the test split?</strong>
          </p>
          <p>
            The {Math.round(share * 100)}% of rows in the test split were never used for training, early stopping or the
            learning curve, so their score tells how the model will do on new data. Do it once, when you are done
            tuning: if you change the model or settings after looking, you start fitting the test rows by hand and the
            score stops being honest.
          </p>
          <div className="card-actions">
            <button
              type="button"
              className="btn btn-primary btn-small"
              data-testid="confirm-test-button"
              onClick={evaluate}
            >
              Evaluate on test split
            </button>
            <button type="button" className="btn btn-small" onClick={() => setState(null)}>
              Not yet
            </button>
          </div>
        </div>
      )}
      {mine?.status === 'error' && (
        <div className="error-box" role="alert">
          {mine.error}
        </div>
      )}
      {mine?.status === 'done' && (
        <div className="test-result" data-testid="test-result">
          <p className="muted" data-testid="test-scope">
            Test split: all {formatInt(mine.result.valRows)} held-out rows, never trained, early-stopped or tuned on.
          </p>
          {mine.result.evaluation.kind === 'classification' ? (
            <ClassificationView result={mine.result} evaluation={mine.result.evaluation} />
          ) : (
            <RegressionView result={mine.result} evaluation={mine.result.evaluation} />
          )}
        </div>
      )}
    </div>
  );
}
