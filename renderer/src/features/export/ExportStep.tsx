import { useState, type FormEvent } from 'react';
import type { RunSummary } from '../../../../app/project/schema';
import { metricFor } from '../../../../app/training/config';
import { useActions, useProject } from '../../app/context';
import { formatDateTime, formatLoss, formatPercent, formatStat } from '../../lib/format';
import { PlaygroundPanel } from '../playground/PlaygroundPanel';
import './export.css';

const NO_RUNS: RunSummary[] = [];

/** "model.json" for "<outDir>/model.json": the folder is shown once, above the list. */
function relativeTo(dir: string, file: string): string {
  const base = dir.replace(/[\\/]+$/, '');
  return file.startsWith(`${base}/`) || file.startsWith(`${base}\\`) ? file.slice(base.length + 1) : file;
}

function runLabel(run: RunSummary): string {
  const last = run.epochs.at(-1);
  const metric = metricFor(run.task);
  const v = last?.[`val_${metric}`];
  const score = metric === 'accuracy' ? `val acc ${formatPercent(v)}` : `val MAE ${formatStat(v)}`;
  return `${formatDateTime(run.startedAt)} · ${run.status} · val loss ${formatLoss(last?.val_loss)} · ${score}`;
}

export function ExportStep() {
  const runs = useProject((s) => s.current?.runs ?? NO_RUNS);
  const projectPath = useProject((s) => s.current?.path ?? '');
  const mode = useProject((s) => s.appInfo?.mode ?? null);
  const { exportRun } = useActions();
  const exportable = [...runs].filter((r) => r.hasModel).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const [runId, setRunId] = useState<string | null>(null);
  const [dir, setDir] = useState('');
  const busy = useProject((s) => s.exporting);
  const result = useProject((s) => s.exportResult);
  const error = useProject((s) => s.exportError);

  const chosen = exportable.find((r) => r.id === runId) ?? exportable[0];
  const defaultDir = chosen ? `${projectPath || '<project>'}/exports/${chosen.id}` : '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!chosen || busy) return;
    await exportRun(chosen.id, dir.trim() === '' ? null : dir.trim());
  };

  return (
    <div className="page export-step">
      <div className="page-header">
        <div>
          <h1>Export</h1>
          <p className="muted">Save a trained model in TensorFlow.js Layers format, with the preprocessing it needs to work on raw rows.</p>
        </div>
      </div>

      {exportable.length === 0 ? (
        <div className="card empty-card">No trained model yet. Train one in step 3, then export it here.</div>
      ) : (
        <form className="card export-form" onSubmit={submit}>
          <label className="field">
            <span className="field-label">Model</span>
            <select className="select" data-testid="export-run-select" value={chosen?.id ?? ''} onChange={(e) => setRunId(e.target.value)}>
              {exportable.map((r, i) => (
                <option key={r.id} value={r.id}>
                  {i === 0 ? 'Latest: ' : ''}
                  {runLabel(r)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">Folder</span>
            <input className="input mono" data-testid="export-dir-input" value={dir} placeholder={defaultDir} onChange={(e) => setDir(e.target.value)} spellCheck={false} />
            <span className="field-hint muted">
              An absolute path. Leave empty to use <code>{defaultDir}</code>.
              {mode === 'host' && ' In host mode this folder is on the machine running Layerlab, which may not be this computer.'}
            </span>
          </label>
          <div className="card-actions">
            <button type="submit" className="btn btn-primary" data-testid="export-button" disabled={busy}>
              {busy ? 'Exporting and verifying…' : 'Export'}
            </button>
          </div>
        </form>
      )}

      {chosen && <PlaygroundPanel runId={chosen.id} />}

      {error && (
        <div className="error-box" role="alert" data-testid="export-error">
          <strong>Export failed.</strong> {error}
        </div>
      )}

      {result && (
        <section className="card export-result" data-testid="export-result">
          <h2>
            <span className="ok-mark" aria-hidden="true">
              ✓
            </span>{' '}
            Exported
          </h2>
          <p className="verified">
            Verified: reloaded with tf.loadLayersModel; max difference on {result.rowsCompared} validation rows = {result.maxAbsDiff === 0 ? '0' : result.maxAbsDiff.toExponential(1)}
          </p>
          <dl className="readonly">
            <dt>Folder</dt>
            <dd className="mono">{result.outDir}</dd>
            <dt>Files</dt>
            <dd>
              <ul className="file-list mono">
                {result.files.map((f) => (
                  <li key={f}>{relativeTo(result.outDir, f)}</li>
                ))}
              </ul>
            </dd>
          </dl>
          <p className="muted">
            Load it in JavaScript with <code>tf.loadLayersModel('…/model.json')</code>; <code>preprocessing.json</code> says how to turn a raw row into the model's input and its
            output back into a label or a number.
          </p>
        </section>
      )}
    </div>
  );
}
