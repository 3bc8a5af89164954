import { z } from 'zod';

/**
 * Recent projects and files, and the last folder per kind of file dialog: kept on the main side
 * in `<workspace>/recent.json` (main/services/recent.ts), the same for the desktop app and host
 * mode. Main records an entry itself when a project is opened or a file is imported by path, so
 * the renderer only lists, removes and remembers folders.
 */

export const RecentKind = z.enum(['project', 'csv', 'images', 'model']);
export type RecentKind = z.infer<typeof RecentKind>;

/** What a file dialog picks: each kind opens where the user last chose one of its kind. */
export const FolderKind = z.enum(['csv', 'images', 'model', 'export']);
export type FolderKind = z.infer<typeof FolderKind>;

/** Entries kept per kind; an older one past this is dropped. */
export const RECENT_LIMIT = 10;

/** One stored entry: a project (by id) or a file or folder imported by path. */
export const RecentEntry = z.object({
  kind: RecentKind,
  /** The project's id, or the path on the main side. */
  key: z.string().min(1).max(4096),
  label: z.string().max(300),
  /** When it was last opened or imported (ISO). */
  at: z.string(),
});
export type RecentEntry = z.infer<typeof RecentEntry>;

/** recent.json as written. */
export const RecentFile = z.object({
  version: z.literal(1),
  entries: z.array(RecentEntry),
  folders: z.partialRecord(FolderKind, z.string().min(1).max(4096)),
});
export type RecentFile = z.infer<typeof RecentFile>;

/** An entry as listed: whether its folder or file is still there, and for a project what it holds. */
export const RecentItem = RecentEntry.extend({
  /** The project's folder, or the file's path. */
  path: z.string(),
  /** Its folder or file is gone (moved or deleted): listed so the user can remove it, not silently dropped. */
  missing: z.boolean(),
  /** Projects: the dataset in a few words ("iris.csv · 150 rows × 5 columns"), null without one. */
  dataset: z.string().nullable().optional(),
  /** Projects: the kept epoch's validation score of the latest run that trained, null without one. */
  score: z
    .object({ metric: z.enum(['accuracy', 'mae']), value: z.number(), runs: z.number().int().nonnegative() })
    .nullable()
    .optional(),
});
export type RecentItem = z.infer<typeof RecentItem>;

export const RecentList = z.object({
  /** Newest first. */
  entries: z.array(RecentItem),
  folders: z.partialRecord(FolderKind, z.string()),
  /** recent.json could not be read (what was wrong, and where the bad copy was kept); null when it was fine. */
  problem: z.string().nullable(),
});
export type RecentList = z.infer<typeof RecentList>;

export const recentInputs = {
  list: z.object({}).strict(),
  remove: z.object({ kind: RecentKind, key: z.string().min(1).max(4096) }).strict(),
  rememberFolder: z.object({ kind: FolderKind, path: z.string().min(1).max(4096) }).strict(),
} as const;
