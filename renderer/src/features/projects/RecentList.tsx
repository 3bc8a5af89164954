import { useState } from 'react';
import type { RecentItem } from '../../../../app/ipc/recent';
import { useWorkbench } from '../../app/context';
import { useRecentEntries, useRecentList } from '../../app/host/use-recent';
import { messageOf } from '../../lib/errors';
import { formatPercent, formatRelative, formatStat } from '../../lib/format';
import { isZipName, selectionFromPath } from '../dataset/image-files';

/** What a recent file is, in a word or two. */
export function recentKindLabel(entry: Pick<RecentItem, 'kind' | 'path'>): string {
  switch (entry.kind) {
    case 'project':
      return 'Project';
    case 'csv':
      return 'CSV';
    case 'images':
      return isZipName(entry.path) ? 'Images (.zip)' : 'Image folder';
    case 'model':
      return 'Model';
  }
}

/** The kept validation score as the runs table shows it: accuracy in percent, MAE as a number. */
export function recentScore(score: RecentItem['score']): string | null {
  if (!score) return null;
  return score.metric === 'accuracy'
    ? `val accuracy ${formatPercent(score.value)}`
    : `val MAE ${formatStat(score.value)}`;
}

/** A long path with its start elided, so the folders nearest the file stay readable (the whole path is the title). */
export function shortPath(p: string, max = 48): string {
  return p.length <= max ? p : `…${p.slice(p.length - max + 1)}`;
}

/** The folder a path lies in (either separator: the path is the main side's). */
const parentOf = (p: string) => p.replace(/[\\/][^\\/]*$/, '') || p;

/** A file's name without its extension: the name of the project it starts. */
const projectNameFor = (entry: RecentItem) =>
  entry.label.replace(/\.(csv|tsv|txt|zip|json|h5|keras)$/i, '') || entry.label;

/**
 * The start page's recent projects and files (main's recent.list, the same in the desktop app and
 * every browser on the host). A project opens in one click; a CSV, image folder or model starts a
 * new project from it, imported where it lies. One that was moved or deleted is shown as missing,
 * with Remove.
 */
export function RecentList() {
  const recent = useRecentList();
  const entries = useRecentEntries((s) => s.entries);
  const loaded = useRecentEntries((s) => s.loaded);
  const error = useRecentEntries((s) => s.error);
  const problem = useRecentEntries((s) => s.problem);
  const workbench = useWorkbench();
  const { openProject, createProject, importPath, importModel, setStep } = workbench.actions;
  const [busy, setBusy] = useState<string | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);

  if (!loaded || (entries.length === 0 && !error && !problem)) return null;

  const projects = entries.filter((e) => e.kind === 'project');
  const files = entries.filter((e) => e.kind !== 'project');

  const open = async (entry: RecentItem) => {
    if (busy || entry.missing) return;
    setBusy(`${entry.kind}:${entry.key}`);
    setOpenError(null);
    try {
      if (entry.kind === 'project') {
        await openProject(entry.key);
        return;
      }
      if (!(await createProject(projectNameFor(entry)))) return; // the new-project card shows why
      if (entry.kind === 'csv') await importPath(entry.path, undefined, entry.label);
      else if (entry.kind === 'images')
        workbench.images.actions.select(selectionFromPath(entry.path, isZipName(entry.path) ? 'zip' : 'folder'));
      else {
        await importModel({ path: entry.path });
        setStep('model');
      }
    } catch (e) {
      setOpenError(`Could not open ${entry.label}: ${messageOf(e)}`);
    } finally {
      setBusy(null);
      void recent.refresh();
    }
  };

  const row = (entry: RecentItem) => {
    const id = `${entry.kind}:${entry.key}`;
    const score = entry.kind === 'project' ? recentScore(entry.score) : null;
    // A file's name is on the first line; the second says where it lies (its folder, the start elided when long).
    const where = entry.kind === 'project' ? entry.path : shortPath(parentOf(entry.path));
    const detail = entry.missing
      ? `Not found in ${where}`
      : entry.kind === 'project'
        ? (entry.dataset ?? 'No dataset yet')
        : `in ${where}`;
    return (
      <li key={id} className={`recent-item${entry.missing ? ' is-missing' : ''}`} data-testid="recent-item">
        <button
          type="button"
          className="recent-open"
          disabled={entry.missing || busy !== null}
          onClick={() => void open(entry)}
          title={
            entry.missing
              ? `${entry.path} is not there any more (moved or deleted)`
              : entry.kind === 'project'
                ? `Open ${entry.label}`
                : `Start a new project from ${entry.path}`
          }
          data-testid="recent-open"
        >
          <span className="recent-top">
            <span className="recent-kind">{recentKindLabel(entry)}</span>
            <span className="recent-name">{entry.label}</span>
            {entry.missing && (
              <span className="recent-missing" data-testid="recent-missing">
                Missing
              </span>
            )}
          </span>
          <span className="recent-when muted">
            {busy === id
              ? 'Opening…'
              : `${entry.kind === 'project' ? 'Opened' : 'Imported'} ${formatRelative(entry.at)}`}
          </span>
          <span className="recent-detail muted" title={entry.kind === 'project' ? undefined : entry.path}>
            {detail}
          </span>
          {score && <span className="recent-score">{score}</span>}
        </button>
        <button
          type="button"
          className="btn btn-small btn-ghost recent-remove"
          onClick={() => void recent.remove(entry.kind, entry.key)}
          aria-label={`Remove ${entry.label} from the recent list`}
          title="Remove from the recent list (the files stay where they are)"
          data-testid="recent-remove"
        >
          {entry.missing ? 'Remove' : '✕'}
        </button>
      </li>
    );
  };

  return (
    <section className="card recent-card" aria-labelledby="recent-title" data-testid="recent-list">
      <h2 id="recent-title">Recent</h2>
      {problem && (
        <p className="recent-problem" role="status">
          {problem}{' '}
          <button type="button" className="btn btn-small" onClick={() => recent.dismissProblem()}>
            OK
          </button>
        </p>
      )}
      {(error ?? openError) && (
        <p className="error-box" role="alert">
          {error ?? openError}
        </p>
      )}
      <div className="recent-columns">
        {projects.length > 0 && (
          <div>
            <h3 className="recent-heading muted small">Projects</h3>
            <ul className="recent-items" data-testid="recent-projects">
              {projects.map(row)}
            </ul>
          </div>
        )}
        {files.length > 0 && (
          <div>
            <h3 className="recent-heading muted small">Files — one click starts a new project from it</h3>
            <ul className="recent-items" data-testid="recent-files-list">
              {files.map(row)}
            </ul>
          </div>
        )}
      </div>
    </section>
  );
}
