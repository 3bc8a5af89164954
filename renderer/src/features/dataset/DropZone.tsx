import { useState, type ChangeEvent, type DragEvent } from 'react';
import { useActions, useHost, useProject } from '../../app/context';
import { useRecentEntries } from '../../app/host/use-recent';
import { messageOf } from '../../lib/errors';
import { FileBrowserDialog } from '../files/FileBrowserDialog';
import { isZipName, selectionFromFolderInput, selectionFromPath, selectionFromZip } from './image-files';
import { useImageActions } from './use-image-import';
import { CollectButton } from './WebcamCollector';

/**
 * Where a dataset comes in: drop it here (or anywhere on the window, see FileDropOverlay) or
 * choose it. The desktop app opens its native dialogs and imports the file where it lies; in a
 * browser a chosen file is streamed to the host first, or a file already on the host is picked
 * in its file browser. Either way the import goes by path, at any size.
 */
export function DropZone({ compact }: { compact: boolean }) {
  const importing = useProject((s) => s.importing);
  const upload = useProject((s) => s.upload !== null);
  const { importFile, importPath } = useActions();
  const host = useHost();
  const images = useImageActions();
  const [over, setOver] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const recentFiles = useRecentEntries((s) => s.entries).filter((e) => e.kind === 'csv' && !e.missing);

  /** A path on the main side: a CSV is imported, a folder or .zip waits for its image options. */
  const takePath = (path: string, kind: 'file' | 'folder') => {
    if (kind === 'folder') images.select(selectionFromPath(path, 'folder'));
    else if (isZipName(path)) images.select(selectionFromPath(path, 'zip'));
    else void importPath(path);
  };
  const native = (kind: 'csv' | 'images-folder' | 'images-zip') => {
    setDialogError(null);
    host.openDialog(kind).then(
      (paths) => paths?.[0] && takePath(paths[0], kind === 'images-folder' ? 'folder' : 'file'),
      (error: unknown) => setDialogError(messageOf(error)),
    );
  };

  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    // A .zip is an image folder packed up: it waits for its import options like a dropped folder.
    if (file && isZipName(file.name)) images.select(selectionFromZip(file));
    else if (file) {
      void importFile(file);
    }
    // Choosing the same file again (after fixing it) must fire change again.
    e.target.value = '';
  };
  const onFolder = (e: ChangeEvent<HTMLInputElement>) => {
    const selection = e.target.files ? selectionFromFolderInput(e.target.files) : null;
    if (selection) images.select(selection);
    e.target.value = '';
  };
  // The window-level handler imports the file; here we only show where it will land.
  const onDragOver = (e: DragEvent) => {
    if (e.dataTransfer.types.includes('Files')) setOver(true);
  };

  return (
    <div
      className={`dropzone${compact ? ' is-compact' : ''}${over ? ' is-over' : ''}${importing ? ' is-busy' : ''}`}
      data-testid="csv-drop-zone"
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={() => setOver(false)}
    >
      <svg className="dropzone-icon" viewBox="0 0 24 24" aria-hidden="true">
        <path
          d="M12 16V4m0 0-4 4m4-4 4 4M5 14v4a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-4"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
      <div className="dropzone-text">
        {importing ? (
          <strong role="status">
            {upload ? 'Uploading' : 'Importing'} {importing}…
          </strong>
        ) : (
          <>
            <strong>
              {compact
                ? 'Drop another CSV file, image folder or .zip here to replace the data, or choose one'
                : 'Drop a CSV file, an image folder or a .zip here, or choose one'}
            </strong>
            {!compact && (
              <span className="muted">
                A table, one example per line; delimiter, header row and encoding are detected; any size
                {host.capabilities.uploads ? ' (it is streamed to the host, with progress)' : ''}. Or images: a folder
                with one subfolder per class (pets/cats/…, pets/dogs/…), or a .zip of one.
              </span>
            )}
          </>
        )}
      </div>
      {host.capabilities.nativeDialogs ? (
        <div className="host-file-actions">
          <button type="button" className="btn" onClick={() => native('csv')} disabled={!!importing}>
            Open CSV…
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => native('images-folder')}
            disabled={!!importing}
          >
            Open image folder…
          </button>
          <button type="button" className="btn btn-small" onClick={() => native('images-zip')} disabled={!!importing}>
            Open .zip…
          </button>
          <CollectButton disabled={!!importing} />
          {dialogError && (
            <span className="dialog-error" role="alert">
              {dialogError}
            </span>
          )}
        </div>
      ) : (
        <>
          <label className="file-picker">
            <span className="visually-hidden">Choose a CSV file</span>
            <input
              type="file"
              accept=".csv,text/csv,.zip,application/zip"
              data-testid="csv-file-input"
              onChange={onChange}
              disabled={!!importing}
            />
          </label>
          <label className="file-picker folder-picker">
            <span className="btn btn-small">Choose an image folder</span>
            {/* webkitdirectory: the browser hands over every file below the chosen folder, with its relative path. */}
            <input
              type="file"
              className="visually-hidden"
              {...{ webkitdirectory: '', directory: '' }}
              multiple
              data-testid="image-folder-input"
              onChange={onFolder}
              disabled={!!importing}
            />
          </label>
          <CollectButton disabled={!!importing} />
          {host.capabilities.serverFiles && (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => setBrowsing(true)}
              disabled={!!importing}
              data-testid="browse-host-files"
            >
              Choose on the host…
            </button>
          )}
        </>
      )}
      {!compact && recentFiles.length > 0 && !importing && (
        <div className="recent-files" data-testid="recent-files">
          <span className="muted small">Recent files:</span>
          {recentFiles.slice(0, 5).map((entry) => (
            <button
              type="button"
              key={entry.key}
              className="btn btn-ghost btn-small"
              title={entry.key}
              onClick={() => void importPath(entry.key, undefined, entry.label)}
            >
              {entry.label}
            </button>
          ))}
        </div>
      )}
      {browsing && (
        <FileBrowserDialog
          title="Import from the host"
          remember="csv"
          mode="file"
          folders
          hint="A CSV file, an image folder or a .zip"
          accept={(e) => /\.(csv|tsv|txt|zip)$/i.test(e.name)}
          onClose={() => setBrowsing(false)}
          onChoose={(entry) => {
            setBrowsing(false);
            takePath(entry.path, entry.kind);
          }}
        />
      )}
    </div>
  );
}
