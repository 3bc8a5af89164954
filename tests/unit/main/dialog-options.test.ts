import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeHostInputs } from '../../../app/ipc/native-host';
import {
  dialogFolders,
  folderKindOf,
  folderToRemember,
  openDialogOptions,
  saveDialogOptions,
} from '../../../main/electron/dialog-options';
import { RECENT_FILE, RecentStore } from '../../../main/services/recent';

/** The desktop app's native dialogs, their Electron-free part (issue 19.1): options, remembered folders, input checks. */

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-dialogs-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('dialog options', () => {
  it('offers CSV files for a CSV, folders for an image folder, zips for a zip, and starts in the remembered folder', () => {
    expect(openDialogOptions('csv', undefined)).toMatchObject({ properties: ['openFile'] });
    expect(openDialogOptions('csv', undefined).filters[0]!.extensions).toContain('csv');
    expect(openDialogOptions('csv', undefined)).not.toHaveProperty('defaultPath');
    expect(openDialogOptions('images-folder', '/data')).toMatchObject({
      properties: ['openDirectory'],
      defaultPath: '/data',
    });
    expect(openDialogOptions('images-zip', undefined).filters).toEqual([{ name: 'Zip archives', extensions: ['zip'] }]);
    expect(openDialogOptions('model', undefined).filters[0]!.extensions).toEqual(['json', 'h5', 'keras']);
    expect(saveDialogOptions('export-folder', '/exports', 'tfjs').defaultPath).toBe(path.join('/exports', 'tfjs'));
    expect(saveDialogOptions('export-folder', undefined, 'tfjs').defaultPath).toBe('tfjs');
  });

  it("remembers the folder a choice lies in, per kind, in main's recent list, across restarts; a damaged list is no memory", async () => {
    expect(folderToRemember('/data/tables/iris.csv')).toBe('/data/tables');
    expect(folderKindOf('images-zip')).toBe('images');
    expect(folderKindOf('export-folder')).toBe('export');
    const workspace = path.join(tmp, 'nested');
    const memory = dialogFolders(new RecentStore(workspace));
    expect(await memory.folderFor('csv')).toBeUndefined();
    await memory.remember('csv', '/data/tables/iris.csv');
    await memory.remember('images-folder', '/photos/pets');
    // A restart reads recent.json again: the same folders, and a .zip of images opens where the image folder was chosen.
    const again = dialogFolders(new RecentStore(workspace));
    expect(await again.folderFor('csv')).toBe('/data/tables');
    expect(await again.folderFor('images-folder')).toBe('/photos');
    expect(await again.folderFor('images-zip')).toBe('/photos');
    expect(await again.folderFor('model')).toBeUndefined();
    const file = path.join(workspace, RECENT_FILE);
    expect((JSON.parse(await readFile(file, 'utf8')) as { folders: object }).folders).toEqual({
      csv: '/data/tables',
      images: '/photos',
    });

    await writeFile(file, '{not json');
    const damaged = dialogFolders(new RecentStore(workspace));
    expect(await damaged.folderFor('csv')).toBeUndefined();
    await damaged.remember('model', '/models/net/model.json');
    expect(await dialogFolders(new RecentStore(workspace)).folderFor('model')).toBe('/models/net');
  });

  it('main refuses malformed requests from the window: unknown kinds, relative paths, names with folders', () => {
    expect(nativeHostInputs['host.openDialog'].safeParse({ kind: 'csv' }).success).toBe(true);
    expect(nativeHostInputs['host.openDialog'].safeParse({ kind: 'anything' }).success).toBe(false);
    expect(nativeHostInputs['host.openDialog'].safeParse({ kind: 'csv', defaultPath: '/etc' }).success).toBe(false);
    expect(nativeHostInputs['host.reveal'].safeParse({ path: '/tmp/x' }).success).toBe(true);
    expect(nativeHostInputs['host.reveal'].safeParse({ path: 'C:\\Users\\x' }).success).toBe(true);
    expect(nativeHostInputs['host.reveal'].safeParse({ path: 'relative/x' }).success).toBe(false);
    expect(
      nativeHostInputs['host.saveDialog'].safeParse({ kind: 'export-folder', defaultName: '../../x' }).success,
    ).toBe(false);
  });
});
