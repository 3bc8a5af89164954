import { useState } from 'react';
import type { TemplateName } from '../../../../app/graph';
import type { TaskShape } from '../../../../app/dataset/task';
import { useWorkbench } from '../../app/context';
import { hasEdits, laidOutTemplate } from './graph-model';

const NAMES: Record<TemplateName, { label: string; blurb: string }> = {
  linear: { label: 'Linear', blurb: 'Input → Output. Linear or logistic regression: a fast baseline.' },
  mlp: { label: 'MLP', blurb: 'Two hidden Dense layers (32 and 16 units, relu): learns non-linear patterns.' },
};

/** Template buttons replace the graph; when the user has changed it, they ask first. */
export function Templates({ shape }: { shape: TaskShape }) {
  const { stores } = useWorkbench();
  const [confirming, setConfirming] = useState<TemplateName | null>(null);

  const apply = (name: TemplateName) => {
    stores.graph.getState().replace(laidOutTemplate(name, shape.inputWidth, shape.head));
    setConfirming(null);
  };
  const request = (name: TemplateName) => {
    if (hasEdits(stores.graph.getState().graph, shape.inputWidth, shape.head)) setConfirming(name);
    else apply(name);
  };

  return (
    <section className="templates" aria-labelledby="templates-title">
      <h2 id="templates-title" className="side-title">
        Start from
      </h2>
      <div className="template-buttons">
        {(['linear', 'mlp'] as const).map((name) => (
          <button key={name} type="button" className="btn btn-secondary template-btn" data-testid={`template-${name}`} title={NAMES[name].blurb} onClick={() => request(name)}>
            <span>{NAMES[name].label}</span>
          </button>
        ))}
      </div>
      {confirming && (
        <div className="confirm" role="alertdialog" aria-labelledby="confirm-text">
          <p id="confirm-text">
            Replace your model with the <strong>{NAMES[confirming].label}</strong> template? Your changes to the current model will be lost.
          </p>
          <div className="confirm-actions">
            <button type="button" className="btn btn-danger btn-small" data-testid="confirm-template" onClick={() => apply(confirming)}>
              Replace
            </button>
            <button type="button" className="btn btn-small" onClick={() => setConfirming(null)} autoFocus>
              Cancel
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
