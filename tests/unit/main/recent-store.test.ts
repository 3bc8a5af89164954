import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import { RECENT_LIMIT, RecentFile } from '../../../app/ipc/recent';
import { ProjectService } from '../../../main/data';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { RECENT_FILE, RecentStore } from '../../../main/services/recent';

/**
 * Recent projects and files (issue 19): kept by main in <workspace>/recent.json, newest first,
 * capped per kind, a damaged file reported and replaced, entries whose folder went shown as
 * missing. Real files and a real ProjectService; the contract through the real dispatch.
 */

const ROOT = path.resolve(import.meta.dirname, '../../..');
const IRIS = path.join(ROOT, 'resources', 'iris.csv');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-recent-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let n = 0;
async function workspace(): Promise<string> {
  const dir = path.join(tmp, `ws-${(n += 1)}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A clock that moves one second a call, so entries have distinct times. */
const ticking = () => {
  let t = Date.parse('2026-12-01T10:00:00Z');
  return () => new Date((t += 1000));
};

describe('RecentStore', () => {
  it('lists newest first, one entry per thing, at most RECENT_LIMIT of each kind, and survives a restart', async () => {
    const ws = await workspace();
    const store = new RecentStore(ws, null, ticking());
    const files: string[] = [];
    for (let i = 0; i < RECENT_LIMIT + 3; i++) {
      const file = path.join(ws, `t${i}.csv`);
      await writeFile(file, 'a,b\n1,2\n');
      files.push(file);
      await store.add({ kind: 'csv', key: file, label: `t${i}.csv` });
    }
    await store.add({ kind: 'model', key: path.join(ws, 'model.json'), label: 'model.json' });
    await store.add({ kind: 'csv', key: files[5]!, label: 't5.csv' }); // opened again: moves to the top

    const list = await new RecentStore(ws).list(); // a fresh store reads the file
    const csv = list.entries.filter((e) => e.kind === 'csv');
    expect(csv).toHaveLength(RECENT_LIMIT);
    expect(list.entries[0]!.key).toBe(files[5]);
    expect(list.entries[1]!.kind).toBe('model');
    expect(csv.filter((e) => e.key === files[5])).toHaveLength(1);
    // The oldest three went, and the order is by time, newest first.
    for (const old of files.slice(0, 3)) expect(csv.some((e) => e.key === old)).toBe(false);
    const times = list.entries.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(list.problem).toBeNull();
    // On disk as the schema says.
    expect(RecentFile.safeParse(JSON.parse(await readFile(path.join(ws, RECENT_FILE), 'utf8'))).success).toBe(true);
  });

  it('shows a file or project whose folder is gone as missing, until the user removes it', async () => {
    const ws = await workspace();
    const projects = new ProjectService(ws, { warn: () => undefined });
    const store = new RecentStore(ws, projects);
    const file = path.join(ws, 'gone.csv');
    await writeFile(file, 'a\n1\n');
    const kept = await projects.create('Kept');
    const gone = await projects.create('Gone');
    await store.add({ kind: 'csv', key: file, label: 'gone.csv' });
    await store.add({ kind: 'project', key: kept.id, label: 'Kept' });
    await store.add({ kind: 'project', key: gone.id, label: 'Gone' });
    await rm(file);
    await rm(gone.path, { recursive: true });

    const list = await store.list();
    expect(list.entries.map((e) => [e.key, e.missing])).toEqual([
      [gone.id, true],
      [kept.id, false],
      [file, true],
    ]);
    expect(list.entries.find((e) => e.key === kept.id)!.path).toBe(kept.path);

    await store.remove('project', gone.id);
    await store.remove('csv', file);
    expect((await store.list()).entries.map((e) => e.key)).toEqual([kept.id]);
  });

  it('reports a corrupt file once, keeps it as recent.json.bad and starts afresh', async () => {
    for (const bad of ['{"version": 1, "entries": [', '{"version": 1, "entries": [{"kind": "song"}], "folders": {}}']) {
      const ws = await workspace();
      await writeFile(path.join(ws, RECENT_FILE), bad);
      const store = new RecentStore(ws);
      const first = await store.list();
      expect(first.entries).toEqual([]);
      expect(first.problem).toContain(path.join(ws, RECENT_FILE));
      expect(first.problem).toContain('recent.json.bad');
      expect(await readFile(path.join(ws, `${RECENT_FILE}.bad`), 'utf8')).toBe(bad);
      // Replaced by a valid empty list, and said once.
      expect(JSON.parse(await readFile(path.join(ws, RECENT_FILE), 'utf8'))).toEqual({
        version: 1,
        entries: [],
        folders: {},
      });
      expect((await store.list()).problem).toBeNull();
      await store.add({ kind: 'csv', key: IRIS, label: 'iris.csv' });
      expect((await new RecentStore(ws).list()).entries.map((e) => e.key)).toEqual([IRIS]);
    }
  });
});

describe('recent.* through the contract (host mode)', () => {
  let services: Services;
  let api: Api;
  let ws: string;
  let dataRoot: string;
  beforeAll(async () => {
    ws = await workspace();
    dataRoot = path.join(tmp, 'data-root');
    await mkdir(dataRoot, { recursive: true });
    await copyFile(IRIS, path.join(dataRoot, 'iris.csv'));
    services = createServices({ workspace: ws, mode: 'host', dataRoots: [dataRoot] });
    api = createApi(createMemoryTransport(services.dispatch, services.bus));
  });
  afterAll(async () => {
    await services?.dispose();
  });

  it('records the project opened and the CSV imported by path, with the dataset in a few words', async () => {
    const { id } = await api.invoke('project.create', { name: 'Iris recent' });
    await api.invoke('dataset.importPath', { projectId: id, path: path.join(dataRoot, 'iris.csv') });
    const list = await api.invoke('recent.list', {});
    expect(list.entries.map((e) => [e.kind, e.key])).toEqual([
      ['csv', path.join(dataRoot, 'iris.csv')],
      ['project', id],
    ]);
    const project = list.entries.find((e) => e.kind === 'project')!;
    expect(project.label).toBe('Iris recent');
    expect(project.dataset).toBe('iris.csv · 150 rows × 5 columns');
    expect(project.score).toBeNull();
    expect(project.missing).toBe(false);
  });

  it('remembers the last folder per kind, only inside the workspace and --data-root folders', async () => {
    await api.invoke('recent.rememberFolder', { kind: 'csv', path: dataRoot });
    expect((await api.invoke('recent.list', {})).folders.csv).toBe(dataRoot);
    await expect(api.invoke('recent.rememberFolder', { kind: 'model', path: os.homedir() })).rejects.toThrow(
      /outside the folders this host may use/,
    );
    expect((await api.invoke('recent.list', {})).folders.model).toBeUndefined();
    const removed = await api.invoke('recent.remove', { kind: 'csv', key: path.join(dataRoot, 'iris.csv') });
    expect(removed.entries.map((e) => e.kind)).toEqual(['project']);
  });
});
