import { ReactFlowProvider } from '@xyflow/react';
import { useActions, useGraph } from '../../app/context';
import { useTaskInfo } from '../../app/derived';
import { GraphCanvas } from './GraphCanvas';
import { GraphIssues } from './GraphIssues';
import { ImportModel } from './ImportModel';
import { ModelSummary } from './ModelSummary';
import { NodeConfigPanel } from './NodeConfigPanel';
import { Palette } from './Palette';
import { Templates } from './Templates';
import './graph.css';

export function ModelStep() {
  const info = useTaskInfo();
  const ok = useGraph((s) => s.analysis.ok && s.nodes.length > 0);
  const firstIssue = useGraph((s) => s.analysis.issues[0]?.message ?? null);
  const { setStep } = useActions();

  if (!info.shape) {
    return (
      <div className="page">
        <div className="empty-state">
          <h1>Model</h1>
          <p className="muted">
            {info.error ?? 'Import a dataset and choose a target column first; the model is sized from them.'}
          </p>
          <button type="button" className="btn btn-primary" onClick={() => setStep('data')}>
            Go to Data
          </button>
        </div>
      </div>
    );
  }

  return (
    <ReactFlowProvider>
      <div className="model-step">
        <aside className="model-left">
          <Templates shape={info.shape} />
          <ImportModel shape={info.shape} />
          <Palette />
        </aside>
        <div className="model-center">
          <GraphCanvas />
          <div className="model-statusbar">
            <GraphIssues />
            <div className="continue">
              <button
                type="button"
                className="btn btn-primary"
                data-testid="continue-to-train"
                disabled={!ok}
                title={ok ? 'Go to training' : (firstIssue ?? 'The model is empty')}
                onClick={() => setStep('train')}
              >
                Continue to Train →
              </button>
              {!ok && <span className="disabled-reason">Fix the issues to train</span>}
            </div>
          </div>
        </div>
        <aside className="model-right">
          <NodeConfigPanel shape={info.shape} />
          <ModelSummary />
        </aside>
      </div>
    </ReactFlowProvider>
  );
}
