import { useActions, useProject } from './context';
import { useStepStatus } from './derived';
import { STEPS, type Step } from '../features/projects/project-store';

const LABELS: Record<Step, string> = { data: 'Data', model: 'Model', train: 'Train', export: 'Export' };

export function StepNav() {
  const step = useProject((s) => s.step);
  const status = useStepStatus();
  const { setStep } = useActions();
  return (
    <nav className="stepnav" aria-label="Steps">
      {STEPS.map((id, i) => {
        const st = status[id];
        const current = id === step;
        return (
          <button
            key={id}
            type="button"
            data-testid={`nav-${id}`}
            className={`step${current ? ' is-current' : ''}${st.done ? ' is-done' : ''}`}
            aria-current={current ? 'step' : undefined}
            disabled={!st.enabled}
            title={st.enabled ? `${LABELS[id]}: ${st.detail}` : (st.blocked ?? undefined)}
            onClick={() => setStep(id)}
          >
            <span className="step-index" aria-hidden="true">
              {st.done ? '✓' : i + 1}
            </span>
            <span className="step-text">
              <span className="step-label">{LABELS[id]}</span>
              <span className="step-detail">{st.detail}</span>
            </span>
          </button>
        );
      })}
    </nav>
  );
}
