import { createStore } from 'zustand/vanilla';
import type { Api } from '../../../../app/ipc/client';
import type { FolderKind, RecentItem, RecentKind } from '../../../../app/ipc/recent';

/** One listed item: a project or a file imported by path, with whether it is still there. */
export type RecentEntry = RecentItem;

export interface RecentState {
  /** Newest first. */
  entries: RecentItem[];
  /** The folder each kind of file dialog last chose (host mode's file browser opens there). */
  folders: Partial<Record<FolderKind, string>>;
  /** The list has been read from main at least once. */
  loaded: boolean;
  /** The list could not be read or changed (the connection, a full disk). */
  error: string | null;
  /** Main found recent.json damaged and started it afresh (said once). */
  problem: string | null;
}

export type Recent = ReturnType<typeof makeRecent>;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Recent projects and files as main keeps them (`recent.list`, main/services/recent.ts): the
 * same list in the desktop app and in every browser on the host. Main records a project opened
 * or a file imported by path itself; the view reads the list, removes entries and remembers
 * the folder a file dialog chose.
 */
export function createRecent(source: Pick<Api, 'invoke'> | object | null): Recent {
  const api: Pick<Api, 'invoke'> | null = source && 'invoke' in source ? (source as Pick<Api, 'invoke'>) : null;
  if (!api) return makeRecent(null);
  let recent = byApi.get(api);
  if (!recent) byApi.set(api, (recent = makeRecent(api)));
  return recent;
}

/** One list per connection: every part of the window that asks for it shares it. */
const byApi = new WeakMap<object, Recent>();

function makeRecent(api: Pick<Api, 'invoke'> | null) {
  const store = createStore<RecentState>()(() => ({
    entries: [],
    folders: {},
    loaded: false,
    error: null,
    problem: null,
  }));
  let reading: Promise<void> | null = null;
  /** Folders being remembered: a list read after them waits, so it cannot answer the folder as it was. */
  let writes: Promise<unknown> = Promise.resolve();

  const refresh = (): Promise<void> => {
    if (!api) return Promise.resolve();
    reading ??= writes
      .then(() => api.invoke('recent.list', {}))
      .then(
        (list) => {
          reading = null;
          store.setState({
            entries: list.entries,
            folders: list.folders,
            loaded: true,
            error: null,
            problem: list.problem ?? store.getState().problem,
          });
        },
        (error: unknown) => {
          reading = null;
          store.setState({ loaded: true, error: `Could not read the recent projects and files: ${message(error)}` });
        },
      );
    return reading;
  };

  return {
    store,
    refresh,
    /** Something was opened or imported: main has recorded it; the list shown follows. */
    add(_entry: { kind: RecentKind; key: string; label: string }) {
      void refresh();
    },
    async remove(kind: RecentKind, key: string) {
      if (!api) return;
      try {
        const list = await api.invoke('recent.remove', { kind, key });
        store.setState({ entries: list.entries, folders: list.folders, error: null });
      } catch (error) {
        store.setState({ error: `Could not remove it from the recent list: ${message(error)}` });
      }
    },
    /** The folder the next dialog of this kind opens in; not remembering it is no error worth showing. */
    rememberFolder(kind: FolderKind, folder: string): Promise<void> {
      store.setState({ folders: { ...store.getState().folders, [kind]: folder } });
      if (!api) return Promise.resolve();
      const write = writes
        .then(() => api.invoke('recent.rememberFolder', { kind, path: folder }))
        .then(
          () => undefined,
          () => undefined,
        );
      writes = write;
      return write;
    },
    dismissProblem() {
      store.setState({ problem: null });
    },
  };
}
