import { groupIssues } from '../../../../app/graph';
import { useGraph } from '../../app/context';
import { formatInt, plural } from '../../lib/format';

/** The status line under the canvas: every problem, or what is ready. */
export function GraphIssues() {
  const analysis = useGraph((s) => s.analysis);
  const ok = analysis.ok && analysis.order.length > 0;
  return (
    <div className={`graph-issues${ok ? ' is-ok' : ' has-issues'}`} data-testid="graph-issues" role="status">
      {ok ? (
        <span>
          <span className="ok-mark" aria-hidden="true">
            ✓
          </span>{' '}
          The model is valid: {plural(analysis.order.length, 'layer')}, {formatInt(analysis.trainableParams)} trainable
          parameters
          {analysis.nonTrainableParams > 0 && (
            <> and {formatInt(analysis.nonTrainableParams)} non-trainable (frozen layers, normalization statistics)</>
          )}
          .
        </span>
      ) : (
        <>
          <strong>
            {analysis.issues.length === 0
              ? 'The model is empty.'
              : `${plural(analysis.issues.length, 'issue')} to fix before training:`}
          </strong>
          <ul>
            {groupIssues(analysis.issues).map((group) => (
              <li key={group.message} data-testid="graph-issue">
                {group.message}
                {group.count > 1 && (
                  <span className="issue-count" title={`${group.count} layers have this problem`}>
                    {' '}
                    ×{group.count}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
