import type { ExportResult } from '../../../../app/engine/protocol';
import { FORMAT_LABELS } from '../../../../app/engine/export-options';
import { useState } from 'react';
import { useHost } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { formatBytes } from '../../lib/format';

/** "model.json" for "<outDir>/model.json": the folder is shown once, above the list. */
function relativeTo(dir: string, file: string): string {
  const base = dir.replace(/[\\/]+$/, '');
  return file.startsWith(`${base}/`) || file.startsWith(`${base}\\`) ? file.slice(base.length + 1) : file;
}

const diffText = (d: number) => (d === 0 ? '0' : d.toExponential(1));

function Parity({ result }: { result: ExportResult }) {
  if (result.checkSkipped !== undefined) {
    return (
      <p className="unverified" data-testid="export-parity">
        Not checked here: {result.checkSkipped}. Written as exported; run it where PyTorch is installed.
      </p>
    );
  }
  if (result.tolerance === null) {
    return (
      <p className="verified" data-testid="export-parity">
        Checked with {result.checkedWith}: max difference on {result.rowsCompared} validation rows ={' '}
        {diffText(result.maxAbsDiff)} (reduced-precision weights: judged by the accuracy change below)
      </p>
    );
  }
  return (
    <p className="verified" data-testid="export-parity">
      Verified with {result.checkedWith}: max difference on {result.rowsCompared} validation rows ={' '}
      {diffText(result.maxAbsDiff)} (allowed {result.tolerance.toExponential(0)})
    </p>
  );
}

function howToLoad(result: ExportResult) {
  switch (result.format) {
    case 'tfjs':
      return (
        <>
          In JavaScript: <code>tf.loadLayersModel('…/model.json')</code>, or <code>node predict.mjs rows.csv</code>{' '}
          beside it.
        </>
      );
    case 'onnx':
      return (
        <>
          With onnxruntime (Node, web or Python): <code>node predict.mjs rows.csv</code> or{' '}
          <code>python predict.py rows.csv</code> beside it.
        </>
      );
    case 'keras':
    case 'h5':
      return (
        <>
          In Python: <code>keras.saving.load_model(…)</code>, or <code>python predict.py rows.csv</code> beside it.
        </>
      );
    case 'pytorch':
      return (
        <>
          Train it on several GPUs or machines: <code>torchrun --nproc_per_node=4 train.py --out result</code> in that
          folder (README.md has multi-node and SLURM commands), then open <code>result</code> here with &ldquo;Open a
          run trained elsewhere&rdquo;. <code>python predict.py rows.csv</code> runs the model as it is.
        </>
      );
  }
}

/** What an export wrote and how it was proven: parity, sizes, accuracy change, files. */
export function ExportResultCard({ result }: { result: ExportResult }) {
  const { weights, float32Tfjs } = result.sizes;
  const accuracy = result.accuracy;
  return (
    <section className="card export-result" data-testid="export-result">
      <h2>
        <span className="ok-mark" aria-hidden="true">
          ✓
        </span>{' '}
        Exported
      </h2>
      <Parity result={result} />
      <dl className="readonly">
        <dt>Format</dt>
        <dd data-testid="export-format">
          {FORMAT_LABELS[result.format]}
          {result.quantize && `, weights quantized to ${result.quantize}`}
          {result.float16Weights && ', float16 weights'}
        </dd>
        <dt>Size</dt>
        <dd data-testid="export-size">
          {formatBytes(weights)} {result.format === 'tfjs' ? 'of weights' : 'model file'} (float32 TF.js weights:{' '}
          {formatBytes(float32Tfjs)}
          {weights < float32Tfjs && `, ${((1 - weights / float32Tfjs) * 100).toFixed(0)}% smaller`})
        </dd>
        {accuracy && (
          <>
            <dt>{accuracy.metric === 'accuracy' ? 'Validation accuracy' : 'Validation MAE'}</dt>
            <dd data-testid="export-accuracy">
              {accuracy.metric === 'accuracy'
                ? `${(accuracy.inApp * 100).toFixed(1)}% in the app → ${(accuracy.exported * 100).toFixed(1)}% exported (${accuracy.change >= 0 ? '+' : ''}${(accuracy.change * 100).toFixed(1)} points)`
                : `${accuracy.inApp.toPrecision(4)} in the app → ${accuracy.exported.toPrecision(4)} exported (${accuracy.change >= 0 ? '+' : ''}${accuracy.change.toPrecision(2)})`}
            </dd>
          </>
        )}
        <dt>Folder</dt>
        <dd>
          <span className="mono">{result.outDir}</span>
          <FolderActions dir={result.outDir} />
        </dd>
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
        {howToLoad(result)} <code>preprocessing.json</code> turns a raw row into the model's input and its output back
        into a label or a number; <code>MODEL_CARD.md</code> describes the data, the model, its training and this check.
      </p>
    </section>
  );
}

/** What this window can do with the export folder: download it as a .zip (browser) or show it in the file manager (desktop). */
function FolderActions({ dir }: { dir: string }) {
  const host = useHost();
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="host-file-actions export-folder-actions">
      {host.capabilities.downloads && (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => host.download(dir)}
          data-testid="export-download"
        >
          Download .zip
        </button>
      )}
      {host.capabilities.reveal && (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => host.reveal(dir).catch((e: unknown) => setError(messageOf(e)))}
          data-testid="export-reveal"
        >
          Show in folder
        </button>
      )}
      {error && (
        <span className="dialog-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
