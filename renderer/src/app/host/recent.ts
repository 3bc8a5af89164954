import { createStore } from 'zustand/vanilla';

/** One remembered item: a project (id) or a file imported by path. */
export interface RecentEntry {
  kind: 'project' | 'csv' | 'images' | 'model';
  /** The project's id, or the file's path on the main side. */
  key: string;
  label: string;
  at: string;
}

/** Entries kept per kind. */
export const RECENT_LIMIT = 8;
const KEY = 'layerlab.recent';

/** Adds `entry` first, dropping an older entry for the same thing and the oldest past the limit of its kind. */
export function addRecent(list: readonly RecentEntry[], entry: RecentEntry): RecentEntry[] {
  const rest = list.filter((e) => !(e.kind === entry.kind && e.key === entry.key));
  const out = [entry, ...rest];
  const counts = new Map<string, number>();
  return out.filter((e) => {
    const n = (counts.get(e.kind) ?? 0) + 1;
    counts.set(e.kind, n);
    return n <= RECENT_LIMIT;
  });
}

function parse(text: string | null): RecentEntry[] {
  try {
    const value = JSON.parse(text ?? '[]') as unknown;
    return Array.isArray(value)
      ? value.filter(
          (e): e is RecentEntry =>
            typeof e === 'object' &&
            e !== null &&
            ['project', 'csv', 'images', 'model'].includes((e as RecentEntry).kind) &&
            typeof (e as RecentEntry).key === 'string' &&
            typeof (e as RecentEntry).label === 'string',
        )
      : [];
  } catch {
    return [];
  }
}

export type Recent = ReturnType<typeof createRecent>;

/** Recent projects and files, kept in this browser's (or window's) storage, newest first. */
/** What the list is kept in: localStorage in a window (typed here, so the module also type-checks without the DOM). */
export interface RecentStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function createRecent(storage: RecentStorage | null) {
  const store = createStore<{ entries: RecentEntry[] }>()(() => ({ entries: parse(storage?.getItem(KEY) ?? null) }));
  return {
    store,
    add(entry: Omit<RecentEntry, 'at'>) {
      const entries = addRecent(store.getState().entries, { ...entry, at: new Date().toISOString() });
      store.setState({ entries });
      try {
        storage?.setItem(KEY, JSON.stringify(entries));
      } catch {
        // storage full or disabled: the list lives for this window only
      }
    },
    remove(kind: RecentEntry['kind'], key: string) {
      const entries = store.getState().entries.filter((e) => !(e.kind === kind && e.key === key));
      store.setState({ entries });
      storage?.setItem(KEY, JSON.stringify(entries));
    },
  };
}
