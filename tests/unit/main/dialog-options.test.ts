import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeHostInputs } from '../../../app/ipc/native-host';
import {
  DialogMemory,
  folderToRemember,
  openDialogOptions,
  saveDialogOptions,
} from '../../../main/electron/dialog-options';

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

  it('remembers the folder a choice lies in, per kind, across restarts, and ignores a damaged memory file', async () => {
    expect(folderToRemember('/data/tables/iris.csv')).toBe('/data/tables');
    const file = path.join(tmp, 'nested', 'dialog-folders.json');
    const memory = new DialogMemory(file);
    expect(await memory.folderFor('csv')).toBeUndefined();
    await memory.remember('csv', '/data/tables/iris.csv');
    await memory.remember('images-folder', '/photos/pets');
    const again = new DialogMemory(file);
    expect(await again.folderFor('csv')).toBe('/data/tables');
    expect(await again.folderFor('images-folder')).toBe('/photos');
    expect(await again.folderFor('model')).toBeUndefined();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ csv: '/data/tables', 'images-folder': '/photos' });

    await writeFile(file, '{not json');
    expect(await new DialogMemory(file).folderFor('csv')).toBeUndefined();
    await writeFile(file, JSON.stringify({ csv: 'relative/path', bogus: '/x' }));
    const damaged = new DialogMemory(file);
    expect(await damaged.folderFor('csv')).toBeUndefined();
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
