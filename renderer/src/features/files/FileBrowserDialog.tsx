import { useCallback, useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { BrowseEntry, BrowseReply } from '../../../../app/ipc/host-files';
import type { FolderKind } from '../../../../app/ipc/recent';
import { useHost } from '../../app/context';
import { useRecentList } from '../../app/host/use-recent';
import { messageOf } from '../../lib/errors';
import { formatBytes, formatDateTime } from '../../lib/format';
import './files.css';

export interface FileBrowserProps {
  title: string;
  /** 'file': pick a file (or, with `folders`, a folder); 'folder': pick where something goes. */
  mode: 'file' | 'folder';
  /** Which files can be chosen (by name); others are listed greyed. */
  accept?: (entry: BrowseEntry) => boolean;
  /** In file mode, folders may be chosen too (an image folder). */
  folders?: boolean;
  /** What the files this dialog wants are called ("a CSV file, an image folder or a .zip"). */
  hint?: string;
  /** Opens in the folder last chosen for this kind and remembers the one chosen now (main's recent list). */
  remember?: FolderKind;
  onChoose: (entry: { path: string; kind: 'file' | 'folder' }) => void;
  onClose: () => void;
}

/**
 * Host mode's file dialog: the host's own files, limited to the workspace and the --data-root
 * folders it was started with (the server refuses anything else). Folders open on double-click
 * (or Enter); the chosen entry is returned by path, to be imported where it lies.
 */
export function FileBrowserDialog({
  title,
  mode,
  accept,
  folders,
  hint,
  remember,
  onChoose: chooseEntry,
  onClose,
}: FileBrowserProps) {
  const host = useHost();
  const recent = useRecentList();
  const [listing, setListing] = useState<BrowseReply | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<BrowseEntry | null>(null);
  const [loading, setLoading] = useState(false);
  const dialog = useRef<HTMLDivElement>(null);

  const open = useCallback(
    async (path?: string) => {
      setLoading(true);
      try {
        setListing(await host.browse(path));
        setSelected(null);
        setError(null);
      } catch (e) {
        setError(messageOf(e));
      } finally {
        setLoading(false);
      }
    },
    [host],
  );

  useEffect(() => {
    let live = true;
    void (async () => {
      // The folder last chosen for this kind, when it is still there and still allowed; else the roots.
      if (remember && !recent.store.getState().loaded) await recent.refresh();
      const last = remember ? recent.store.getState().folders[remember] : undefined;
      if (!live) return;
      if (last) {
        try {
          setListing(await host.browse(last));
          return;
        } catch {
          // moved, deleted or no longer under a root: start from the roots
        }
      }
      if (live) await open();
    })();
    dialog.current?.focus();
    return () => {
      live = false;
    };
  }, [open, host, recent, remember]);

  /** The folder shown is where the next dialog of this kind opens. */
  const onChoose = (entry: { path: string; kind: 'file' | 'folder' }) => {
    if (remember && listing?.path) void recent.rememberFolder(remember, listing.path);
    chooseEntry(entry);
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const choosable = (entry: BrowseEntry) =>
    entry.kind === 'folder' ? mode === 'folder' || !!folders : mode === 'file' && (accept?.(entry) ?? true);
  const atRoots = listing?.path === null;
  const chosen: { path: string; kind: 'file' | 'folder' } | null =
    selected && choosable(selected) && !atRoots
      ? { path: selected.path, kind: selected.kind }
      : mode === 'folder' && listing?.path
        ? { path: listing.path, kind: 'folder' }
        : null;

  // On top of everything, outside the drop zone or form that opened it (their layout and events stay theirs).
  return createPortal(
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className="modal file-browser"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        tabIndex={-1}
        ref={dialog}
        data-testid="file-browser"
      >
        <header className="modal-header">
          <h2>{title}</h2>
          <button type="button" className="btn btn-ghost" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <div className="file-browser-body">
          <nav className="file-browser-roots" aria-label="Folders this host may use">
            <div className="muted small">On the host</div>
            {(listing?.roots ?? []).map((root) => (
              <button
                type="button"
                key={root.path}
                className={`file-browser-root${listing?.path?.startsWith(root.path) ? ' is-active' : ''}`}
                onClick={() => void open(root.path)}
                title={root.path}
              >
                {root.name}
              </button>
            ))}
          </nav>
          <div className="file-browser-main">
            <div className="file-browser-path">
              <button
                type="button"
                className="btn btn-small"
                disabled={!listing || listing.path === null}
                onClick={() => void open(listing?.parent ?? undefined)}
                data-testid="file-browser-up"
              >
                ↑ Up
              </button>
              <span className="mono" data-testid="file-browser-path">
                {listing?.path ?? 'The workspace and the data folders this host was started with'}
              </span>
            </div>
            {error && (
              <div className="error-box" role="alert" data-testid="file-browser-error">
                {error}
              </div>
            )}
            <ul className="file-browser-list" role="listbox" aria-label="Files" aria-busy={loading}>
              {listing?.entries.length === 0 && <li className="muted file-browser-empty">This folder is empty.</li>}
              {listing?.entries.map((entry) => (
                <li
                  key={entry.path}
                  role="option"
                  aria-selected={selected?.path === entry.path}
                  tabIndex={0}
                  className={`file-browser-entry is-${entry.kind}${choosable(entry) || entry.kind === 'folder' ? '' : ' is-dim'}${selected?.path === entry.path ? ' is-selected' : ''}`}
                  onClick={() => setSelected(entry)}
                  onDoubleClick={() =>
                    entry.kind === 'folder' ? void open(entry.path) : choosable(entry) && onChoose(entry)
                  }
                  onKeyDown={(e) => {
                    if (e.key === 'Enter')
                      if (entry.kind === 'folder') void open(entry.path);
                      else if (choosable(entry)) onChoose(entry);
                  }}
                  data-testid="file-browser-entry"
                >
                  <EntryIcon kind={entry.kind} />
                  <span className="file-browser-name">{entry.name}</span>
                  <span className="muted file-browser-size">
                    {entry.kind === 'file' && entry.size !== undefined ? formatBytes(entry.size) : ''}
                  </span>
                  <span className="muted file-browser-date">
                    {entry.modified ? formatDateTime(entry.modified) : ''}
                  </span>
                </li>
              ))}
              {listing?.truncated && <li className="muted">Only the first entries are shown.</li>}
            </ul>
          </div>
        </div>
        <footer className="modal-footer">
          <span className="muted small">
            {hint ? `${hint}. ` : ''}Only the workspace and the folders given with --data-root are reachable.
          </span>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={!chosen}
            onClick={() => chosen && onChoose(chosen)}
            data-testid="file-browser-choose"
          >
            {mode === 'folder' ? 'Choose this folder' : 'Open'}
          </button>
        </footer>
      </div>
    </div>,
    document.body,
  );
}

/** Folder and file glyphs drawn here: no emoji font is needed. */
function EntryIcon({ kind }: { kind: 'folder' | 'file' }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" className={`file-browser-icon is-${kind}`}>
      {kind === 'folder' ? (
        <path d="M3 6.5A1.5 1.5 0 0 1 4.5 5h4.6l2 2h8.4A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z" />
      ) : (
        <path d="M6 3.5A1.5 1.5 0 0 1 7.5 2H14l5 5v13.5a1.5 1.5 0 0 1-1.5 1.5h-10A1.5 1.5 0 0 1 6 20.5zM14 2v5h5" />
      )}
    </svg>
  );
}
