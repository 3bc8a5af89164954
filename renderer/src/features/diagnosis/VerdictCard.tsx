import { memo, useMemo, useState } from 'react';
import { fixLabel, headEpochs, type Fix, type Verdict } from '../../../../app/diagnostics';
import type { EpochLogs } from '../../../../app/project/schema';
import { useActions, useTrainForm } from '../../app/context';
import { formatStat } from '../../lib/format';
import { changeText } from '../train/train-form';
import { EvidenceChart } from './EvidenceChart';
import { formCanHold } from './fix-support';

const SERIES_NAMES: Record<string, string> = {
  loss: 'training loss',
  val_loss: 'validation loss',
  accuracy: 'training accuracy',
  val_accuracy: 'validation accuracy',
  mae: 'training MAE',
  val_mae: 'validation MAE',
};

/** Why a fix helps, shown as the button's tooltip. */
const FIX_HINTS: Record<Fix['kind'], string> = {
  add_dropout:
    'Dropout switches off a random share of the units in each step, so the model cannot memorise individual rows.',
  augment:
    'Shows the model a slightly different version of each training image every epoch (mirrored, turned, zoomed, lighter or darker), so it learns the object rather than the pictures; tune the strengths on the Data step.',
  add_l2:
    'Penalises large weights (weight decay), which pulls the model towards smoother functions that generalise better.',
  resize_model: 'Changes the units of every hidden Dense layer: more units can learn more, fewer overfit less.',
  scale_lr: 'Changes the step size of every weight update.',
  train_longer: 'More passes over the training data.',
  fewer_epochs: 'Runs are seeded, so training this many epochs ends exactly at the best epoch of this run.',
  early_stopping: 'Stops when the validation loss stops improving and keeps the best epoch’s weights.',
  more_data: 'More examples make memorising harder and general patterns easier to find.',
};

/** Memoised: the panel redraws with every live update, a verdict only when the epochs change it. */
export const VerdictCard = memo(function VerdictCard({
  verdict,
  epochs,
}: {
  verdict: Verdict;
  epochs: readonly EpochLogs[];
}) {
  const { applyDiagnosisFix } = useActions();
  const config = useTrainForm((s) => s.config);
  const changed = useTrainForm((s) => s.changed);
  const [applied, setApplied] = useState<Record<number, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const fixes = verdict.fixes.map((fix, i) => ({ fix, i })).filter(({ fix }) => !config || formCanHold(fix, config));
  // A verdict on one head of several charts that head's own curves.
  const shown = useMemo(() => (verdict.head ? headEpochs(epochs, verdict.head.node) : epochs), [verdict.head, epochs]);

  const apply = (fix: Fix, i: number) => {
    const why = applyDiagnosisFix(fix);
    setProblem(why);
    if (!why) setApplied((a) => ({ ...a, [i]: fixLabel(fix) }));
  };

  return (
    <article
      className={`verdict verdict-${verdict.severity}`}
      data-testid="verdict"
      data-kind={verdict.kind}
      data-severity={verdict.severity}
    >
      <header className="verdict-head">
        <span className={`severity severity-${verdict.severity}`}>
          {verdict.severity === 'info' ? (verdict.kind === 'healthy' ? 'ok' : 'note') : verdict.severity}
        </span>
        <h3>{verdict.title}</h3>
      </header>
      <p className="verdict-explanation">{verdict.explanation}</p>
      <div className="verdict-evidence">
        <div>
          <p className="evidence-summary" data-testid="evidence-summary">
            <strong>Evidence:</strong> {verdict.evidence.summary}
          </p>
          <ul className="evidence-points">
            {verdict.evidence.points.map((p) => (
              <li key={`${p.series}-${p.epoch}-${p.label}`}>
                Epoch {p.epoch + 1}: {p.label} ({SERIES_NAMES[p.series] ?? p.series} {formatStat(p.value)})
              </li>
            ))}
          </ul>
        </div>
        {epochs.length > 1 && <EvidenceChart epochs={shown} evidence={verdict.evidence} />}
      </div>
      {fixes.length > 0 && (
        <div className="verdict-fixes">
          {fixes.map(({ fix, i }) =>
            fix.kind === 'more_data' ? (
              <span key={i} className="fix-advice" title={FIX_HINTS[fix.kind]}>
                Also: {fixLabel(fix).toLowerCase()}.
              </span>
            ) : (
              <button
                key={i}
                type="button"
                className="btn btn-secondary btn-small"
                data-testid="fix-button"
                data-fix={fix.kind}
                disabled={applied[i] !== undefined}
                title={FIX_HINTS[fix.kind]}
                onClick={() => apply(fix, i)}
              >
                {applied[i] !== undefined ? `✓ ${applied[i]}` : fixLabel(fix)}
              </button>
            ),
          )}
        </div>
      )}
      {Object.keys(applied).length > 0 && (
        <p className="fix-note" role="status" data-testid="fix-note">
          Applied to the model and settings
          {changed.length > 0 && <>, changing {changed.map(changeText).join('; ')}</>}. Press Train to see the effect.
        </p>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </article>
  );
});
