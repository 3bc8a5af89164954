import { useState } from 'react';
import { TEMPLATES, templateProblem, type TemplateName } from '../../../../app/graph';
import type { TaskShape } from '../../../../app/dataset/task';
import { useWorkbench } from '../../app/context';
import { hasEdits, laidOutTemplate, taskInput } from './graph-model';

const NAMES: Record<TemplateName, { label: string; blurb: string }> = {
  linear: { label: 'Linear', blurb: 'Input → Output. Linear or logistic regression: a fast baseline.' },
  mlp: { label: 'MLP', blurb: 'Two hidden Dense layers (32 and 16 units, relu): learns non-linear patterns.' },
  cnn: {
    label: 'CNN',
    blurb: 'Two Conv2D + MaxPooling stages (16 and 32 filters), then Dense 64: an image classifier.',
  },
  residual_cnn: {
    label: 'Residual CNN',
    blurb:
      'A stem Conv2D and a residual block (two convs added back to their input), pooled to Dense 64: trains deeper without losing the signal.',
  },
  lstm: { label: 'LSTM', blurb: 'An LSTM with 32 units over each window of past steps: a forecaster for time series.' },
};

/** Template buttons replace the graph; when the user has changed it, they ask first. */
export function Templates({ shape }: { shape: TaskShape }) {
  const { stores } = useWorkbench();
  const [confirming, setConfirming] = useState<TemplateName | null>(null);

  const input = taskInput(shape);

  const apply = (name: TemplateName) => {
    stores.graph.getState().replace(laidOutTemplate(name, input, shape.head));
    setConfirming(null);
  };
  const request = (name: TemplateName) => {
    if (hasEdits(stores.graph.getState().graph, input, shape.head)) setConfirming(name);
    else apply(name);
  };

  return (
    <section className="templates" aria-labelledby="templates-title">
      <h2 id="templates-title" className="side-title">
        Start from
      </h2>
      <div className="template-buttons">
        {TEMPLATES.map((name) => {
          // A template that cannot fit this dataset stays visible, disabled, saying why.
          const problem = templateProblem(name, input);
          return (
            <button
              key={name}
              type="button"
              className="btn btn-secondary template-btn"
              data-testid={`template-${name}`}
              title={problem ?? NAMES[name].blurb}
              disabled={problem !== undefined}
              onClick={() => request(name)}
            >
              <span>{NAMES[name].label}</span>
            </button>
          );
        })}
      </div>
      {confirming && (
        <div className="confirm" role="alertdialog" aria-labelledby="confirm-text">
          <p id="confirm-text">
            Replace your model with the <strong>{NAMES[confirming].label}</strong> template? Your changes to the current
            model will be lost.
          </p>
          <div className="confirm-actions">
            <button
              type="button"
              className="btn btn-danger btn-small"
              data-testid="confirm-template"
              onClick={() => apply(confirming)}
            >
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
