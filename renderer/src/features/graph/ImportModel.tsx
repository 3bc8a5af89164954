import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { TaskShape } from '../../../../app/dataset/task';
import {
  MAX_MODEL_IMPORT_BYTES,
  MAX_MODEL_IMPORT_FILES,
  type ModelImportSummary,
} from '../../../../app/ipc/model-import-contract';
import { useActions, useHost, useWorkbench } from '../../app/context';
import { droppedModel, takeDroppedModel } from '../../app/host/dropped-model';
import { FileBrowserDialog } from '../files/FileBrowserDialog';
import { formatInt, plural } from '../../lib/format';
import { messageOf } from '../../lib/errors';
import { hasEdits, taskInput } from './graph-model';

const ACCEPT = '.json,.bin,.h5,.hdf5,.keras';

/** A file's bytes as base64 (what the contract carries; a browser cannot hand main a path). */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () =>
      reject(new Error(`Could not read ${file.name}: ${reader.error?.message ?? 'unknown error'}`));
    reader.readAsDataURL(file);
  });
}

/**
 * "Import model": a TF.js model.json chosen together with its weight files, or a Keras .h5 /
 * .keras file, becomes the project's graph with its weights kept; the user can then freeze the
 * imported layers (Trainable) and train a new head on this dataset.
 */
export function ImportModel({ shape }: { shape: TaskShape }) {
  const { stores } = useWorkbench();
  const actions = useActions();
  const input = useRef<HTMLInputElement>(null);
  const host = useHost();
  const [browsing, setBrowsing] = useState(false);
  /** What waits for the user's "Replace": chosen files, or a path on the main side. */
  const [pending, setPending] = useState<File[] | { path: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<(ModelImportSummary & { refitted: string[] }) | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (files: File[] | { path: string }) => {
    setPending(null);
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      if (!Array.isArray(files)) {
        // By path: imported where it lies, any size (model.json finds its shards beside it).
        setDone(await actions.importModel(files));
        return;
      }
      const total = files.reduce((n, f) => n + f.size, 0);
      if (files.length > MAX_MODEL_IMPORT_FILES)
        throw new Error(
          `${files.length} files were chosen; one model is at most ${MAX_MODEL_IMPORT_FILES} files (model.json and its weight shards).`,
        );
      if (total > MAX_MODEL_IMPORT_BYTES) {
        throw new Error(
          `The chosen files are ${(total / 1024 / 1024).toFixed(0)} MiB together; up to ${MAX_MODEL_IMPORT_BYTES / 1024 / 1024} MiB can be imported here. Convert larger models with "layerlab graph --from MODEL --out GRAPH.json".`,
        );
      }
      const payload = await Promise.all(files.map(async (f) => ({ name: f.name, data: await base64Of(f) })));
      setDone(await actions.importModel(payload));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const chosen = (list: FileList | File[] | { path: string } | null) => {
    const files = list === null ? [] : 'path' in list ? list : [...list];
    if (input.current) input.current.value = ''; // choosing the same files again must fire again
    if (Array.isArray(files) && files.length === 0) return;
    // Like a template, an import replaces the model: ask first when the user has built one.
    if (hasEdits(stores.graph.getState().graph, taskInput(shape), shape.head)) setPending(files);
    else void run(files);
  };

  // A model dropped anywhere on the window (FileDropOverlay) lands here, as if chosen with the button.
  const dropped = useStore(droppedModel, (s) => s.pending);
  useEffect(() => {
    const model = dropped ? takeDroppedModel() : null;
    if (model) chosen(model);
  });

  return (
    <section className="import-model" aria-labelledby="import-model-title">
      <h2 id="import-model-title" className="side-title">
        Or import
      </h2>
      <button
        type="button"
        className="btn btn-secondary import-model-btn"
        data-testid="import-model"
        disabled={busy}
        title="A TF.js model.json (choose it together with its weights .bin files), a Keras .h5 or a .keras file. Its weights are kept; freeze layers with Trainable to train only a new head."
        onClick={() => {
          if (!host.capabilities.nativeDialogs) input.current?.click();
          else
            host.openDialog('model').then(
              (paths) => paths?.[0] && chosen({ path: paths[0] }),
              (e: unknown) => setError(messageOf(e)),
            );
        }}
      >
        {busy ? 'Importing…' : 'Import model…'}
      </button>
      {host.capabilities.serverFiles && (
        <button
          type="button"
          className="btn btn-ghost btn-small"
          disabled={busy}
          onClick={() => setBrowsing(true)}
          data-testid="import-model-host"
        >
          From the host…
        </button>
      )}
      {browsing && (
        <FileBrowserDialog
          title="Import a model from the host"
          remember="model"
          mode="file"
          hint="A model.json (its weight files beside it), a .h5 or a .keras file"
          accept={(e) => /\.(json|h5|hdf5|keras)$/i.test(e.name)}
          onClose={() => setBrowsing(false)}
          onChoose={(entry) => {
            setBrowsing(false);
            chosen({ path: entry.path });
          }}
        />
      )}
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPT}
        hidden
        data-testid="import-model-input"
        onChange={(e) => chosen(e.target.files)}
      />
      {pending && (
        <div className="confirm" role="alertdialog" aria-labelledby="import-confirm-text">
          <p id="import-confirm-text">
            Replace your model with{' '}
            <strong>{Array.isArray(pending) ? pending.map((f) => f.name).join(', ') : pending.path}</strong>? Your
            changes to the current model will be lost.
          </p>
          <div className="confirm-actions">
            <button
              type="button"
              className="btn btn-danger btn-small"
              data-testid="confirm-import"
              onClick={() => void run(pending)}
            >
              Replace
            </button>
            <button type="button" className="btn btn-small" onClick={() => setPending(null)} autoFocus>
              Cancel
            </button>
          </div>
        </div>
      )}
      {done && (
        <p className="import-model-result" data-testid="import-model-result" role="status">
          Imported {done.file}: {plural(done.layers, 'layer')}, {formatInt(done.params)} parameters, weights of{' '}
          {plural(done.layersWithWeights, 'layer')}
          {done.frozen > 0 ? `, ${done.frozen} frozen` : ''}. Select a layer and untick Trainable to freeze it.
          {done.refitted.length > 0 && (
            <span data-testid="import-model-refitted">
              {' '}
              Resized to this dataset, so starting from fresh weights: {done.refitted.join(', ')}.
            </span>
          )}
        </p>
      )}
      {error && (
        <p className="import-model-error error-box" data-testid="import-model-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
