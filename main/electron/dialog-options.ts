import path from 'node:path';
import type { DialogKind } from '../../app/ipc/native-host';
import type { FolderKind } from '../../app/ipc/recent';
import type { RecentStore } from '../services/recent';

/**
 * The pure part of the desktop app's native dialogs (main/electron/native-host.ts shows them):
 * what each kind of dialog offers, and the last folder the user chose for each kind (kept in main's
 * recent list), so the next dialog opens there. Electron-free, so it is tested in plain Node.
 */

export interface DialogFilter {
  name: string;
  extensions: string[];
}

export interface OpenOptions {
  title: string;
  buttonLabel: string;
  properties: Array<'openFile' | 'openDirectory' | 'multiSelections' | 'createDirectory'>;
  filters: DialogFilter[];
  defaultPath?: string;
}

export interface SaveOptions {
  title: string;
  buttonLabel: string;
  defaultPath?: string;
  properties: Array<'createDirectory' | 'showOverwriteConfirmation'>;
}

const OPEN: Record<DialogKind, Omit<OpenOptions, 'defaultPath'>> = {
  csv: {
    title: 'Import a CSV file',
    buttonLabel: 'Import',
    properties: ['openFile'],
    filters: [
      { name: 'CSV files', extensions: ['csv', 'tsv', 'txt'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  'images-folder': {
    title: 'Import a folder of images (one subfolder per class)',
    buttonLabel: 'Import folder',
    properties: ['openDirectory'],
    filters: [],
  },
  'images-zip': {
    title: 'Import a .zip of images (one folder per class)',
    buttonLabel: 'Import',
    properties: ['openFile'],
    filters: [{ name: 'Zip archives', extensions: ['zip'] }],
  },
  model: {
    title: 'Import a model (model.json, .h5 or .keras)',
    buttonLabel: 'Import model',
    properties: ['openFile'],
    filters: [{ name: 'Models', extensions: ['json', 'h5', 'keras'] }],
  },
  'export-folder': {
    title: 'Export into a folder',
    buttonLabel: 'Choose folder',
    properties: ['openDirectory', 'createDirectory'],
    filters: [],
  },
};

/** What an open dialog of this kind shows, starting in the folder last used for it. */
export function openDialogOptions(kind: DialogKind, lastFolder: string | undefined): OpenOptions {
  return { ...OPEN[kind], ...(lastFolder ? { defaultPath: lastFolder } : {}) };
}

/** A save dialog (where an export goes): the remembered folder joined with the offered name. */
export function saveDialogOptions(kind: DialogKind, lastFolder: string | undefined, defaultName?: string): SaveOptions {
  const defaultPath =
    lastFolder && defaultName ? path.join(lastFolder, defaultName) : (lastFolder ?? defaultName ?? undefined);
  return {
    title: kind === 'export-folder' ? 'Export the model as…' : OPEN[kind].title,
    buttonLabel: kind === 'export-folder' ? 'Export here' : 'Save',
    properties: ['createDirectory', 'showOverwriteConfirmation'],
    ...(defaultPath ? { defaultPath } : {}),
  };
}

/** The folder to remember after the user chose `chosen`: the folder it lies in (so the next dialog shows its siblings). */
export function folderToRemember(chosen: string): string {
  return path.dirname(path.resolve(chosen));
}

/** The recent list's folder kind for a dialog kind: a folder of images and a .zip of them open in the same place. */
export function folderKindOf(kind: DialogKind): FolderKind {
  switch (kind) {
    case 'images-folder':
    case 'images-zip':
      return 'images';
    case 'export-folder':
      return 'export';
    default:
      return kind;
  }
}

/** Where the last folders are kept: main's recent list (RecentStore, `<workspace>/recent.json`). */
export type FolderMemory = Pick<RecentStore, 'folder' | 'rememberFolder'>;

/**
 * The native dialogs' last folder per kind, kept in main's recent list beside recent projects
 * and files (the same place host mode's file browser keeps it), so each dialog opens where the
 * user last chose one of its kind. A folder that cannot be read or written is no memory, never an error.
 */
export function dialogFolders(memory: FolderMemory) {
  return {
    folderFor: (kind: DialogKind): Promise<string | undefined> =>
      memory.folder(folderKindOf(kind)).catch(() => undefined),
    remember: (kind: DialogKind, chosen: string): Promise<void> =>
      memory.rememberFolder(folderKindOf(kind), folderToRemember(chosen)).catch(() => undefined),
  };
}

export type DialogFolders = ReturnType<typeof dialogFolders>;
