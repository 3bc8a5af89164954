import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatZodError } from '../../app/ipc/errors';
import {
  RECENT_LIMIT,
  RecentFile,
  type FolderKind,
  type RecentEntry,
  type RecentItem,
  type RecentKind,
  type RecentList,
} from '../../app/ipc/recent';
import { keptEpoch } from '../../app/project/kept-epoch';
import { metricFor } from '../../app/training/config';
import { writeJsonAtomic } from '../data/atomic-write';
import type { ProjectService } from '../data';

/** The file, in the workspace beside projects/. */
export const RECENT_FILE = 'recent.json';

const EMPTY: RecentFile = { version: 1, entries: [], folders: {} };

/** Adds `entry` first, dropping an older entry for the same thing and the oldest past RECENT_LIMIT of its kind. */
export function addRecent(list: readonly RecentEntry[], entry: RecentEntry, limit = RECENT_LIMIT): RecentEntry[] {
  const counts = new Map<RecentKind, number>();
  return [entry, ...list.filter((e) => !(e.kind === entry.kind && e.key === entry.key))].filter((e) => {
    const n = (counts.get(e.kind) ?? 0) + 1;
    counts.set(e.kind, n);
    return n <= limit;
  });
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT' && error.code !== 'ENOTDIR',
  );

/**
 * Recent projects and files and the last folder per dialog kind, in `<workspace>/recent.json`,
 * written atomically (main/data/atomic-write.ts) and checked with zod when read. A file that is
 * not JSON or not the schema is reported once (`problem`), kept beside as recent.json.bad and
 * replaced by an empty list: a damaged list never stops the app. Writes go one at a time.
 */
export class RecentStore {
  readonly file: string;
  private state: RecentFile | null = null;
  private problem: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    workspace: string,
    private readonly projects: ProjectService | null = null,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.file = path.join(workspace, RECENT_FILE);
  }

  private async load(): Promise<RecentFile> {
    if (this.state) return this.state;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.state = { ...EMPTY };
      return this.state;
    }
    let reason: string | null = null;
    try {
      const parsed = RecentFile.safeParse(JSON.parse(text));
      if (parsed.success) this.state = parsed.data;
      else reason = formatZodError(parsed.error);
    } catch (error) {
      reason = `not JSON (${error instanceof Error ? error.message : String(error)})`;
    }
    if (reason !== null) {
      const bad = `${this.file}.bad`;
      await rename(this.file, bad).catch(() => undefined);
      this.problem = `The list of recent projects and files (${this.file}) could not be read: ${reason}. It was started afresh; the old file was kept as ${bad}.`;
      this.state = { ...EMPTY };
      await writeJsonAtomic(this.file, this.state);
    }
    return this.state!;
  }

  private change(fn: (state: RecentFile) => RecentFile): Promise<void> {
    const next = this.queue.then(async () => {
      const state = fn(await this.load());
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeJsonAtomic(this.file, state);
      this.state = state;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Record a project opened or a file imported (newest first). */
  add(entry: Omit<RecentEntry, 'at'>): Promise<void> {
    const at = this.now().toISOString();
    return this.change((s) => ({ ...s, entries: addRecent(s.entries, { ...entry, at }) }));
  }

  remove(kind: RecentKind, key: string): Promise<void> {
    return this.change((s) => ({ ...s, entries: s.entries.filter((e) => !(e.kind === kind && e.key === key)) }));
  }

  /** The folder the last dialog of this kind chose (undefined when none did), after the writes queued before. */
  async folder(kind: FolderKind): Promise<string | undefined> {
    await this.queue;
    return (await this.load()).folders[kind];
  }

  /** The folder the next dialog of this kind opens in. */
  rememberFolder(kind: FolderKind, folder: string): Promise<void> {
    return this.change((s) => ({ ...s, folders: { ...s.folders, [kind]: folder } }));
  }

  /** Every entry, newest first, with whether it is still there and, for projects, what it holds. */
  async list(): Promise<RecentList> {
    await this.queue;
    const state = await this.load();
    const entries = await Promise.all(state.entries.map((e) => this.describe(e)));
    const problem = this.problem;
    this.problem = null; // said once
    return { entries, folders: state.folders, problem };
  }

  private async describe(entry: RecentEntry): Promise<RecentItem> {
    if (entry.kind !== 'project' || !this.projects) {
      return { ...entry, path: entry.key, missing: !(await exists(entry.key)) };
    }
    let dir: string;
    try {
      dir = this.projects.projectDir(entry.key);
    } catch {
      return { ...entry, path: entry.key, missing: true, dataset: null, score: null };
    }
    if (!(await exists(dir))) return { ...entry, path: dir, missing: true, dataset: null, score: null };
    try {
      const opened = await this.projects.open(entry.key);
      const d = opened.dataset;
      const im = opened.imageDataset;
      const dataset = d
        ? `${d.sourceFile} · ${d.rows.toLocaleString('en-US')} rows × ${d.columns.length} columns`
        : im
          ? `${im.sourceFile} · ${im.count.toLocaleString('en-US')} images, ${im.classes.length} classes`
          : null;
      const trained = opened.runs
        .filter((r) => r.epochs.length > 0)
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      const last = trained.at(-1);
      const metric = last ? metricFor(last.task) : null;
      const value = last && metric ? keptEpoch(last)?.logs[`val_${metric}`] : undefined;
      const score =
        metric && typeof value === 'number' && Number.isFinite(value)
          ? { metric, value, runs: opened.runs.length }
          : null;
      // The name as it is now (the list keeps the name it had when opened).
      return { ...entry, label: opened.project.name, path: dir, missing: false, dataset, score };
    } catch {
      // A damaged project.json: there, but not described; opening it says what is wrong.
      return { ...entry, path: dir, missing: false, dataset: null, score: null };
    }
  }
}
