import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DialogKind } from '../../app/ipc/native-host';
import { writeJsonAtomic } from '../data/atomic-write';

/**
 * The pure part of the desktop app's native dialogs (main/electron/native-host.ts shows them):
 * what each kind of dialog offers, and the last folder the user chose for each kind, so the next
 * dialog opens there. Electron-free, so it is tested in plain Node.
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

/**
 * Last folders per dialog kind, kept in a small JSON file in the app's user-data folder.
 * A damaged or missing file means no memory, never an error.
 */
export class DialogMemory {
  private folders: Partial<Record<DialogKind, string>> = {};
  private loaded: Promise<void> | null = null;

  constructor(private readonly file: string) {}

  private load(): Promise<void> {
    this.loaded ??= readFile(this.file, 'utf8').then(
      (text) => {
        const value = JSON.parse(text) as unknown;
        if (value && typeof value === 'object')
          for (const [kind, folder] of Object.entries(value))
            if (kind in OPEN && typeof folder === 'string' && path.isAbsolute(folder))
              this.folders[kind as DialogKind] = folder;
      },
      () => undefined,
    );
    return this.loaded.catch(() => undefined);
  }

  async folderFor(kind: DialogKind): Promise<string | undefined> {
    await this.load();
    return this.folders[kind];
  }

  async remember(kind: DialogKind, chosen: string): Promise<void> {
    await this.load();
    this.folders[kind] = folderToRemember(chosen);
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeJsonAtomic(this.file, this.folders);
  }
}
