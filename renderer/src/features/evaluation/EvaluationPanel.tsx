import { useState } from 'react';
import type { RunEvaluation } from '../../../../app/ipc/contract';
import { useActions } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { formatInt } from '../../lib/format';
import { useRunView } from '../train/run-view';
import { ClassificationView } from './ClassificationView';
import { RegressionView } from './RegressionView';
import { TestSplitSection } from './TestSplitSection';
import './evaluation.css';

type State =
  | { runId: string; status: 'loading' }
  | { runId: string; status: 'error'; error: string }
  | { runId: string; status: 'done'; result: RunEvaluation };

/** Evaluation of the shown run's model on its validation split, on request (it runs the model); the test split below, once. */
export function EvaluationPanel() {
  const view = useRunView();
  const actions = useActions();
  const [state, setState] = useState<State | null>(null);
  const run = view?.run;
  if (!run || run.status === 'running' || !run.hasModel) return null;
  const mine = state?.runId === run.id ? state : null;

  const evaluate = () => {
    const runId = run.id;
    setState({ runId, status: 'loading' });
    actions.evaluate(runId).then(
      (result) => setState((s) => (s?.runId === runId ? { runId, status: 'done', result } : s)),
      (error: unknown) =>
        setState((s) => (s?.runId === runId ? { runId, status: 'error', error: messageOf(error) } : s)),
    );
  };

  return (
    <section className="card evaluation-panel" data-testid="evaluation-panel" aria-label="Evaluation">
      <div className="evaluation-header">
        <h2>
          Evaluation <span className="split-badge">validation split</span>
        </h2>
        <button
          type="button"
          className="btn btn-primary btn-small"
          data-testid="evaluate-button"
          disabled={mine?.status === 'loading'}
          onClick={evaluate}
        >
          {mine?.status === 'loading'
            ? 'Evaluating…'
            : mine?.status === 'done'
              ? 'Evaluate again'
              : 'Evaluate on validation rows'}
        </button>
      </div>
      {!mine && (
        <p className="muted">
          Runs this run’s model on the rows held out for validation and shows where it is right and wrong. Tune against
          these; keep the test split for the end.
        </p>
      )}
      {mine?.status === 'error' && (
        <div className="error-box" role="alert">
          {mine.error}
        </div>
      )}
      {mine?.status === 'done' && (
        <>
          <p className="muted" data-testid="evaluation-scope">
            {mine.result.capped
              ? `On the first ${formatInt(mine.result.evaluation.rows)} of ${formatInt(mine.result.valRows)} validation rows (a random sample: the split is shuffled).`
              : `On all ${formatInt(mine.result.valRows)} validation rows: rows the model never trained on.`}
          </p>
          {mine.result.evaluation.kind === 'classification' ? (
            <ClassificationView result={mine.result} evaluation={mine.result.evaluation} />
          ) : (
            <RegressionView result={mine.result} evaluation={mine.result.evaluation} />
          )}
        </>
      )}
      <TestSplitSection run={run} />
    </section>
  );
}
