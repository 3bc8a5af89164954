import { useCallback, useEffect, useMemo, useState } from 'react';
import type { RunRow } from '../../../../app/experiments/runs-table';
import { useProject, useWorkbench } from '../../app/context';
import { messageOf } from '../../lib/errors';
import { formatBytes, formatLoss, formatStat } from '../../lib/format';
import { formatMetric, runLabel } from './labels';
import { OverlayChart } from './OverlayChart';
import { ParallelCoordinates } from './ParallelCoordinates';
import { SettingsDiff } from './SettingsDiff';
import { StudyPanel } from './StudyPanel';
import './runs-table.css';

type SortKey =
  | 'starred'
  | 'name'
  | 'status'
  | 'bestLoss'
  | 'bestMetric'
  | 'lastMetric'
  | 'baseline'
  | 'duration'
  | 'backend'
  | 'data'
  | 'disk';

/** Lower is better for a loss and MAE, higher for accuracy: sorting puts the best first either way. */
function sortValue(row: RunRow, key: SortKey): number | string {
  const better = (v: number | null) => (v === null ? Infinity : row.metric === 'accuracy' ? -v : v);
  switch (key) {
    case 'starred':
      return row.starred ? 0 : 1;
    case 'name':
      return runLabel(row).toLowerCase();
    case 'status':
      return row.status;
    case 'bestLoss':
      return row.best.val_loss ?? Infinity;
    case 'bestMetric':
      return better(row.best.metric);
    case 'lastMetric':
      return better(row.last.metric);
    case 'baseline':
      return better(row.baseline?.metric ?? null);
    case 'duration':
      return row.durationS ?? Infinity;
    case 'backend':
      return row.backend ?? '';
    case 'data':
      return row.dataFingerprint ?? '';
    case 'disk':
      return -row.diskBytes;
  }
}

const KEY_SETTINGS = ['optimizer', 'learningRate', 'batchSize', 'model.units', 'model.dropout'] as const;

function keySettings(row: RunRow): string {
  const s = row.settings;
  const parts = [
    String(s['optimizer'] ?? ''),
    typeof s['learningRate'] === 'number' ? `lr ${formatStat(s['learningRate'])}` : '',
    typeof s['batchSize'] === 'number' ? `batch ${s['batchSize']}` : '',
    s['model.units'] ? `units ${s['model.units']}` : '',
    typeof s['model.dropout'] === 'number' && s['model.dropout'] > 0 ? `dropout ${s['model.dropout']}` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

function matches(row: RunRow, text: string): boolean {
  if (!text) return true;
  const needle = text.toLowerCase();
  const haystack = [
    runLabel(row),
    row.id,
    row.status,
    row.backend ?? '',
    row.dataFingerprint ?? '',
    ...row.verdicts,
    ...Object.entries(row.settings).map(([k, v]) => `${k}=${String(v)}`),
  ]
    .join(' ')
    .toLowerCase();
  return needle.split(/\s+/).every((word) => haystack.includes(word));
}

/**
 * Every run of the project in one table (issue 16.1): sort by any column, filter by text or
 * status, tick runs to overlay their curves and see only the settings that differ; parallel
 * coordinates show settings against score for all runs shown; rename, star and delete in place.
 */
export function RunsTable() {
  const { client, stores } = useWorkbench();
  const api = client.api;
  const projectId = useProject((s) => s.current?.id ?? null);
  const runCount = useProject((s) => s.current?.runs.length ?? 0);
  const [rows, setRows] = useState<RunRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'bestLoss', descending: false });
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState<string>('all');
  const [selected, setSelected] = useState<string[]>([]);
  const [editing, setEditing] = useState<{ id: string; name: string } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);

  const load = useCallback(async () => {
    if (!projectId) return;
    try {
      setRows(await api.invoke('runs.table', { projectId }));
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [api, projectId]);
  // Again whenever the project's runs change (a run started, ended or was deleted).
  useEffect(() => {
    void load();
  }, [load, runCount]);

  const shown = useMemo(() => {
    const list = (rows ?? []).filter((r) => (status === 'all' || r.status === status) && matches(r, filter));
    return list.sort((a, b) => {
      const x = sortValue(a, sort.key);
      const y = sortValue(b, sort.key);
      const order = x < y ? -1 : x > y ? 1 : b.startedAt.localeCompare(a.startedAt);
      return sort.descending ? -order : order;
    });
  }, [rows, status, filter, sort]);
  const selectedRows = useMemo(
    () => selected.map((id) => rows?.find((r) => r.id === id)).filter((r): r is RunRow => r !== undefined),
    [rows, selected],
  );

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
    await load();
  };
  const rename = (id: string, name: string) =>
    act(() => api.invoke('run.rename', { projectId: projectId!, runId: id, name: name.trim() === '' ? null : name }));
  const star = (row: RunRow) =>
    act(() => api.invoke('run.star', { projectId: projectId!, runId: row.id, starred: !row.starred }));
  const remove = (id: string) =>
    act(async () => {
      await api.invoke('run.delete', { projectId: projectId!, runId: id });
      setSelected((s) => s.filter((x) => x !== id));
      // The run history and every other view drop it too.
      stores.project.setState((s) =>
        s.current ? { current: { ...s.current, runs: s.current.runs.filter((r) => r.id !== id) } } : {},
      );
      if (stores.runs.getState().selectedRunId === id) stores.runs.getState().select(null);
    });

  const header = (key: SortKey, label: string, title?: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="runs-sort"
        data-testid={`sort-${key}`}
        title={title}
        onClick={() => setSort((s) => ({ key, descending: s.key === key ? !s.descending : false }))}
      >
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );

  if (!projectId) return null;
  const statuses = [...new Set((rows ?? []).map((r) => r.status))].sort();
  return (
    <div className="runs-table-view" data-testid="runs-table-view">
      <div className="runs-toolbar">
        <input
          type="search"
          className="runs-filter"
          placeholder="Filter: words in a name, setting (batchSize=32), verdict…"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          data-testid="runs-filter"
          aria-label="Filter runs"
        />
        <select
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          aria-label="Status"
          data-testid="runs-status"
        >
          <option value="all">every status</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <span className="muted">
          {shown.length} of {rows?.length ?? 0} runs · {selected.length} selected · scores are each run&apos;s kept
          epoch (its best when early stopping restored it)
        </span>
      </div>
      {error && (
        <p className="runs-error" role="alert">
          {error}
        </p>
      )}
      <div className="runs-table-scroll">
        <table className="runs-table" data-testid="runs-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">Select</span>
              </th>
              {header('starred', '★', 'Starred first')}
              {header('name', 'Run')}
              {header('status', 'Status')}
              {header('bestLoss', 'Best val loss', "The kept epoch's validation loss")}
              {header('bestMetric', 'Best val score', "The kept epoch's validation accuracy or MAE")}
              {header('lastMetric', 'Last val score', "The last epoch's")}
              {header('baseline', 'Baseline', 'The naive baseline: the most frequent class, or the mean')}
              <th scope="col">Settings</th>
              {header('duration', 'Time')}
              {header('backend', 'Backend')}
              {header('data', 'Data', "SHA-256 of the data trained on (manifest.json's), first 12 digits")}
              <th scope="col">Verdicts</th>
              {header('disk', 'Disk')}
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => {
              const isSelected = selected.includes(row.id);
              return (
                <tr
                  key={row.id}
                  className={isSelected ? 'is-selected' : undefined}
                  data-testid="runs-row"
                  data-run-id={row.id}
                >
                  <td>
                    <input
                      type="checkbox"
                      checked={isSelected}
                      aria-label={`Compare ${runLabel(row)}`}
                      data-testid="runs-select"
                      onChange={() =>
                        setSelected((s) => (s.includes(row.id) ? s.filter((x) => x !== row.id) : [...s, row.id]))
                      }
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      className={`runs-star${row.starred ? ' is-on' : ''}`}
                      aria-pressed={row.starred}
                      aria-label={row.starred ? 'Unstar' : 'Star'}
                      data-testid="runs-star"
                      onClick={() => void star(row)}
                    >
                      {row.starred ? '★' : '☆'}
                    </button>
                  </td>
                  <td className="runs-name">
                    {editing?.id === row.id ? (
                      <form
                        onSubmit={(e) => {
                          e.preventDefault();
                          setEditing(null);
                          void rename(row.id, editing.name);
                        }}
                      >
                        <input
                          autoFocus
                          value={editing.name}
                          maxLength={120}
                          aria-label="Run name"
                          data-testid="runs-name-input"
                          onChange={(e) => setEditing({ id: row.id, name: e.target.value })}
                          onKeyDown={(e) => e.key === 'Escape' && setEditing(null)}
                        />
                      </form>
                    ) : (
                      <button
                        type="button"
                        className="runs-name-button"
                        title="Rename"
                        data-testid="runs-rename"
                        onClick={() => setEditing({ id: row.id, name: row.name ?? '' })}
                      >
                        {runLabel(row)}
                      </button>
                    )}
                    <span className="muted runs-id">{row.id}</span>
                  </td>
                  <td>
                    <span className={`status-badge small status-${row.status}`}>{row.status}</span>
                  </td>
                  <td className="num">{formatLoss(row.best.val_loss)}</td>
                  <td className="num" data-testid="runs-best">
                    {formatMetric(row, row.best.metric)}
                    {row.keptEpoch !== null && (
                      <span className="muted">
                        {' '}
                        ep {row.keptEpoch + 1}/{row.epochsRun}
                      </span>
                    )}
                  </td>
                  <td className="num">{formatMetric(row, row.last.metric)}</td>
                  <td className="num muted">{formatMetric(row, row.baseline?.metric)}</td>
                  <td
                    className="runs-settings"
                    title={KEY_SETTINGS.map((k) => `${k}: ${String(row.settings[k])}`).join('\n')}
                  >
                    {keySettings(row)}
                  </td>
                  <td className="num">{row.durationS === null ? '–' : `${row.durationS.toFixed(1)} s`}</td>
                  <td>{row.backend ?? '–'}</td>
                  <td className="mono">{row.dataFingerprint ?? '–'}</td>
                  <td className="runs-verdicts">{row.verdicts.join(', ') || '–'}</td>
                  <td className="num">{formatBytes(row.diskBytes)}</td>
                  <td>
                    {confirmDelete === row.id ? (
                      <span className="runs-confirm">
                        <button
                          type="button"
                          className="btn btn-danger btn-small"
                          data-testid="runs-delete-confirm"
                          onClick={() => {
                            setConfirmDelete(null);
                            void remove(row.id);
                          }}
                        >
                          Delete {formatBytes(row.diskBytes)}
                        </button>
                        <button
                          type="button"
                          className="btn btn-ghost btn-small"
                          onClick={() => setConfirmDelete(null)}
                        >
                          Keep
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-ghost btn-small"
                        data-testid="runs-delete"
                        disabled={row.status === 'running'}
                        title={row.status === 'running' ? 'Stop the run before deleting it' : 'Delete this run'}
                        onClick={() => setConfirmDelete(row.id)}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {selectedRows.length === 0 ? (
        <p className="muted runs-hint">Tick runs to overlay their curves and see which settings differ.</p>
      ) : (
        <div className="runs-compare">
          <OverlayChart rows={selectedRows} />
          <SettingsDiff rows={selectedRows} />
        </div>
      )}
      <ParallelCoordinates rows={shown} selected={selected} />
      <StudyPanel />
    </div>
  );
}
