import { useState, type FormEvent } from 'react';
import {
  AVAILABLE_EXPORT_FORMATS,
  exportFolderName,
  FORMAT_LABELS,
  type AvailableFormat,
  type Quantize,
} from '../../../../app/engine/export-options';
import type { RunSummary } from '../../../../app/project/schema';
import { metricFor } from '../../../../app/training/config';
import { useActions, useHost, useProject } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { FileBrowserDialog } from '../files/FileBrowserDialog';
import { formatDateTime, formatLoss, formatPercent, formatStat } from '../../lib/format';
import { PlaygroundPanel } from '../playground/PlaygroundPanel';
import { ExportResultCard } from './ExportResultCard';
import { keptEpoch } from '../../../../app/project/kept-epoch';
import { exportProgressText, percentOf } from '../../../../app/progress/work-progress';
import './export.css';

const NO_RUNS: RunSummary[] = [];

function runLabel(run: RunSummary): string {
  // The model's own scores: its kept epoch's (the restored best one, else the last).
  const last = keptEpoch(run)?.logs;
  const metric = metricFor(run.task);
  const v = last?.[`val_${metric}`];
  const score = metric === 'accuracy' ? `val acc ${formatPercent(v)}` : `val MAE ${formatStat(v)}`;
  return `${formatDateTime(run.startedAt)} · ${run.status} · val loss ${formatLoss(last?.val_loss)} · ${score}`;
}

/**
 * The run an export starts from unless the user picks another: the completed run whose model
 * scores best on validation (accuracy, else the lowest MAE, else the lowest validation loss), not
 * merely the latest, which may be a cancelled or worse one.
 */
export function bestRun(runs: readonly RunSummary[]): RunSummary | undefined {
  const score = (run: RunSummary): number => {
    const logs = keptEpoch(run)?.logs;
    const metric = metricFor(run.task);
    const v = logs?.[`val_${metric}`];
    if (v !== undefined && v !== null && Number.isFinite(v)) return metric === 'accuracy' ? v : -v;
    const loss = logs?.val_loss;
    return loss !== undefined && loss !== null && Number.isFinite(loss) ? -loss : Number.NEGATIVE_INFINITY;
  };
  const completed = runs.filter((r) => r.status === 'completed' && r.hasModel);
  return completed.reduce<RunSummary | undefined>(
    (best, r) => (best === undefined || score(r) > score(best) ? r : best),
    undefined,
  );
}

export function ExportStep() {
  const runs = useProject((s) => s.current?.runs ?? NO_RUNS);
  const projectPath = useProject((s) => s.current?.path ?? '');
  const mode = useProject((s) => s.appInfo?.mode ?? null);
  const { exportRun, cancelExport } = useActions();
  const host = useHost();
  const [browsing, setBrowsing] = useState(false);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const exportable = [...runs].filter((r) => r.hasModel).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const [runId, setRunId] = useState<string | null>(null);
  const [dir, setDir] = useState('');
  const [format, setFormat] = useState<AvailableFormat>('tfjs');
  const [quantize, setQuantize] = useState<Quantize | null>(null);
  const [float16Weights, setFloat16Weights] = useState(false);
  const busy = useProject((s) => s.exporting);
  const progress = useProject((s) => s.exportProgress);
  const cancelling = useProject((s) => s.exportCancelling);
  const cancelled = useProject((s) => s.exportCancelled);
  const result = useProject((s) => s.exportResult);
  const error = useProject((s) => s.exportError);

  const best = bestRun(exportable);
  const chosen = exportable.find((r) => r.id === runId) ?? best ?? exportable[0];
  const defaultDir = chosen
    ? `${projectPath || '<project>'}/exports/${chosen.id}/${exportFolderName({ format, quantize: format === 'tfjs' ? quantize : null, float16Weights: format === 'onnx' && float16Weights })}`
    : '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!chosen || busy) return;
    // Options that do not apply to the chosen format are hidden, and are not sent either.
    await exportRun(chosen.id, dir.trim() === '' ? null : dir.trim(), {
      format,
      quantize: format === 'tfjs' ? quantize : null,
      float16Weights: format === 'onnx' && float16Weights,
    });
  };

  return (
    <div className="page export-step">
      <div className="page-header">
        <div>
          <h1>Export</h1>
          <p className="muted">
            Save a trained model as TensorFlow.js, Keras or ONNX, with the preprocessing it needs to work on raw rows,
            code that runs it, and a model card, or as a PyTorch project that trains it on many GPUs with torchrun.
            Every export is loaded back by an independent runtime and compared with the model here before it counts as
            done.
          </p>
        </div>
      </div>

      {exportable.length === 0 ? (
        <div className="card empty-card">No trained model yet. Train one in step 3, then export it here.</div>
      ) : (
        <form className="card export-form" onSubmit={submit}>
          <label className="field">
            <span className="field-label">Model</span>
            <select
              className="select"
              data-testid="export-run-select"
              value={chosen?.id ?? ''}
              onChange={(e) => setRunId(e.target.value)}
            >
              {exportable.map((r, i) => (
                <option key={r.id} value={r.id}>
                  {[r.id === best?.id ? 'Best' : '', i === 0 ? 'Latest' : ''].filter(Boolean).join(', ')}
                  {r.id === best?.id || i === 0 ? ': ' : ''}
                  {runLabel(r)}
                </option>
              ))}
            </select>
            {runId === null && best && (
              <span className="field-hint muted" data-testid="export-run-why">
                The completed run whose model scores best on validation
                {best.id === exportable[0]?.id ? ' (also the latest)' : ''}.
              </span>
            )}
          </label>
          <label className="field">
            <span className="field-label">Format</span>
            <select
              className="select"
              data-testid="export-format-select"
              value={format}
              onChange={(e) => setFormat(e.target.value as AvailableFormat)}
            >
              {AVAILABLE_EXPORT_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {FORMAT_LABELS[f]}
                </option>
              ))}
            </select>
          </label>
          {format === 'tfjs' && (
            <label className="field">
              <span className="field-label">Weights</span>
              <select
                className="select"
                data-testid="export-quantize-select"
                value={quantize ?? 'float32'}
                onChange={(e) => setQuantize(e.target.value === 'float32' ? null : (e.target.value as Quantize))}
              >
                <option value="float32">float32 (exact)</option>
                <option value="float16">float16 (half the size)</option>
                <option value="uint8">uint8 (a quarter of the size)</option>
              </select>
              <span className="field-hint muted">
                Quantized weights are smaller; the accuracy change on the validation split is measured and shown.
              </span>
            </label>
          )}
          {format === 'onnx' && (
            <label className="checkbox">
              <input
                type="checkbox"
                data-testid="export-float16-checkbox"
                checked={float16Weights}
                onChange={(e) => setFloat16Weights(e.target.checked)}
              />
              <span>float16 weights (smaller; the accuracy change on the validation split is measured and shown)</span>
            </label>
          )}
          <label className="field">
            <span className="field-label">Folder</span>
            <span className="export-dir-row">
              <input
                className="input mono"
                data-testid="export-dir-input"
                value={dir}
                placeholder={defaultDir}
                onChange={(e) => setDir(e.target.value)}
                spellCheck={false}
              />
              {(host.capabilities.nativeDialogs || host.capabilities.serverFiles) && (
                <button
                  type="button"
                  className="btn"
                  data-testid="export-dir-choose"
                  onClick={() => {
                    setDialogError(null);
                    if (!host.capabilities.nativeDialogs) setBrowsing(true);
                    else
                      host.saveDialog('export-folder', defaultDir.split('/').pop()).then(
                        (path) => path && setDir(path),
                        (error: unknown) => setDialogError(messageOf(error)),
                      );
                  }}
                >
                  Choose…
                </button>
              )}
            </span>
            {dialogError && (
              <span className="dialog-error" role="alert">
                {dialogError}
              </span>
            )}
            <span className="field-hint muted">
              An absolute path. Leave empty to use <code>{defaultDir}</code>.
              {mode === 'host' &&
                ' In host mode this folder is on the machine running Layerlab, which may not be this computer.'}
            </span>
          </label>
          <div className="card-actions">
            <button type="submit" className="btn btn-primary" data-testid="export-button" disabled={busy}>
              {busy ? 'Exporting and verifying…' : 'Export'}
            </button>
            {busy && (
              <button
                type="button"
                className="btn"
                data-testid="export-cancel"
                disabled={cancelling}
                onClick={() => void cancelExport()}
              >
                {cancelling ? 'Cancelling…' : 'Cancel'}
              </button>
            )}
          </div>
          {busy && (
            <div className="export-progress" data-testid="export-progress" role="status">
              <progress max={100} value={progress ? percentOf(progress) : 0} />
              <span className="muted">
                {progress ? exportProgressText(progress) : 'Starting…'}
                {cancelling ? ' · stopping' : ''}
              </span>
            </div>
          )}
        </form>
      )}

      {chosen && <PlaygroundPanel runId={chosen.id} />}

      {error && (
        <div className="error-box" role="alert" data-testid="export-error">
          <strong>{cancelled ? 'Export cancelled.' : 'Export failed.'}</strong> {error}
        </div>
      )}

      {result && <ExportResultCard result={result} />}
      {browsing && (
        <FileBrowserDialog
          title="Export into a folder on the host"
          remember="export"
          mode="folder"
          hint="The export writes a new folder inside the one you choose"
          onClose={() => setBrowsing(false)}
          onChoose={(entry) => {
            setBrowsing(false);
            setDir(`${entry.path}/${defaultDir.split('/').pop() ?? 'export'}`);
          }}
        />
      )}
    </div>
  );
}
