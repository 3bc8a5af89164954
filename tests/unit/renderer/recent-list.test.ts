import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { RECENT_FILE } from '../../../main/services/recent';
import { createRecent } from '../../../renderer/src/app/host/recent';

/**
 * The view's recent list (renderer/src/app/host/recent.ts) over the real contract: real services
 * on a temporary workspace, the in-memory transport, real files. What the start page shows is
 * what main recorded when a project was opened and a CSV imported by path; a file deleted since
 * is listed as missing until removed; a dialog's folder is remembered in recent.json.
 */

const ROOT = path.resolve(import.meta.dirname, '../../..');
const IRIS = path.join(ROOT, 'resources', 'iris.csv');

let tmp: string;
let services: Services;
let api: Api;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-recent-view-'));
  services = createServices({ workspace: tmp, mode: 'electron' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('createRecent (the start page recent list)', () => {
  it('lists the project opened and the CSV imported, with its dataset and state; a deleted file shows as missing until removed', async () => {
    const recent = createRecent(api);
    expect(createRecent(api)).toBe(recent); // one list per connection, shared by the views
    await recent.refresh();
    expect(recent.store.getState()).toMatchObject({ loaded: true, entries: [], error: null });

    const csv = path.join(tmp, 'flowers.csv');
    await copyFile(IRIS, csv);
    const project = await api.invoke('project.create', { name: 'Flowers' });
    await api.invoke('dataset.importPath', { projectId: project.id, path: csv });
    await recent.refresh();

    const { entries } = recent.store.getState();
    expect(entries.map((e) => [e.kind, e.label, e.missing])).toEqual([
      ['csv', 'flowers.csv', false],
      ['project', 'Flowers', false],
    ]);
    const listed = entries.find((e) => e.kind === 'project')!;
    expect(listed.key).toBe(project.id);
    expect(listed.dataset).toBe('flowers.csv · 150 rows × 5 columns');
    expect(listed.score).toBeNull(); // nothing trained yet
    expect(entries[0]!.path).toBe(csv);

    await rm(csv);
    await recent.refresh();
    expect(recent.store.getState().entries.find((e) => e.kind === 'csv')).toMatchObject({ missing: true, path: csv });

    await recent.remove('csv', csv);
    expect(recent.store.getState().entries.map((e) => e.kind)).toEqual(['project']);
    // Gone on the main side too: a fresh list (another window) agrees.
    const other = createRecent(createApi(createMemoryTransport(services.dispatch, services.bus)));
    await other.refresh();
    expect(other.store.getState().entries.map((e) => e.key)).toEqual([project.id]);
  });

  it('remembers the folder a dialog chose, in recent.json, for the next dialog of that kind', async () => {
    const recent = createRecent(api);
    recent.rememberFolder('csv', path.join(tmp, 'data'));
    expect(recent.store.getState().folders.csv).toBe(path.join(tmp, 'data'));
    await recent.refresh(); // waits for main's queued write
    expect(recent.store.getState().folders.csv).toBe(path.join(tmp, 'data'));
    const file = JSON.parse(await readFile(path.join(tmp, RECENT_FILE), 'utf8')) as { folders: object };
    expect(file.folders).toEqual({ csv: path.join(tmp, 'data') });
  });

  it('says when the list cannot be read, instead of showing an empty one as if nothing was opened', async () => {
    const failing = createRecent({
      invoke: () => Promise.reject(new Error('The connection to Layerlab was lost.')),
    } as unknown as Api);
    await failing.refresh();
    expect(failing.store.getState()).toMatchObject({
      loaded: true,
      error: 'Could not read the recent projects and files: The connection to Layerlab was lost.',
    });
  });
});
