import { useRef, useState } from 'react';
import { MAX_RUN_IMPORT_FILES } from '../../../../app/ipc/run-import-contract';
import { useHost, useProject, useWorkbench } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { plural } from '../../lib/format';

/** The files of a result folder the import reads; anything else in the folder (checkpoints, logs) stays behind. */
const WANTED = /^(model\.json|metrics\.json|training\.json|preprocessing\.json|config\.json|.*\.bin)$/;

/** A file's bytes as base64 (what the contract carries in the desktop app, whose files are small and local). */
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
 * "Open a run trained elsewhere": the folder the PyTorch export's train.py wrote (under
 * torchrun, on other machines) becomes a run of this project, selected, with its curves,
 * diagnosis, evaluation, playground and exports.
 */
export function ImportRun() {
  const { client, stores } = useWorkbench();
  const host = useHost();
  const projectId = useProject((s) => s.current?.id ?? null);
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  /** Host mode: the share of the folder's bytes sent so far, while it uploads. */
  const [sent, setSent] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const chosen = async (list: FileList | null) => {
    const all = list ? [...list] : [];
    const files = all.filter((f) => WANTED.test(f.name));
    if (input.current) input.current.value = ''; // empties `list`: choosing the same folder again must fire again
    if (!projectId || all.length === 0) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      if (!files.some((f) => f.name === 'model.json'))
        throw new Error(
          'The chosen folder has no model.json: choose the folder train.py wrote (its --out, "result" by default).',
        );
      if (files.length > MAX_RUN_IMPORT_FILES)
        throw new Error(
          `The folder has ${files.length} model files; a run folder has at most ${MAX_RUN_IMPORT_FILES}.`,
        );
      // Host mode: the files stream to the host chunk by chunk (never whole in the page's memory
      // or in one message), into one upload folder that is then imported by path.
      const top = files[0]!.webkitRelativePath.split('/')[0] || 'result';
      const { run } = host.capabilities.uploads
        ? await client.api.invoke('run.importFolder', {
            projectId,
            path: await host.pathOfFolder(
              files.map((file) => ({ path: `${top}/${file.name}`, file })),
              { onProgress: (p) => setSent(p.total > 0 ? p.sent / p.total : 1) },
            ),
          })
        : await client.api.invoke('run.importFolder', {
            projectId,
            files: await Promise.all(files.map(async (f) => ({ name: f.name, data: await base64Of(f) }))),
          });
      stores.runs.getState().select(run.id);
      setDone(`Opened a run trained with ${run.backend?.name ?? 'PyTorch'}: ${plural(run.epochs.length, 'epoch')}.`);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
      setSent(null);
    }
  };

  return (
    <section className="card import-run-card" aria-labelledby="import-run-title">
      <h2 id="import-run-title" className="side-title">
        Trained elsewhere
      </h2>
      <button
        type="button"
        className="btn btn-secondary"
        data-testid="import-run"
        disabled={busy || !projectId}
        title="The folder the PyTorch export's train.py wrote (model.json, weights.bin, metrics.json, training.json): export this project's run as PyTorch, train it with torchrun, then open the result here."
        onClick={() => input.current?.click()}
      >
        {busy
          ? sent !== null && sent < 1
            ? `Sending… ${Math.floor(sent * 100)}%`
            : 'Opening…'
          : 'Open a run trained elsewhere…'}
      </button>
      <input
        ref={input}
        type="file"
        multiple
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="import-run-input"
        {...{ webkitdirectory: '', directory: '' }}
        onChange={(e) => void chosen(e.target.files)}
      />
      {done && (
        <p className="muted" data-testid="import-run-result" role="status">
          {done}
        </p>
      )}
      {error && (
        <p className="error-box" data-testid="import-run-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
