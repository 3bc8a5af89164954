import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

/** Superseded datasets give their space back (issue 13 item 8: 176 MB were left in one workspace). */

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let services: Services;
let api: Api;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-replaced-'));
  services = createServices({ workspace: path.join(tmp, 'ws'), mode: 'electron' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('a dataset replaced by a new import', () => {
  it('is deleted when it is a table', async () => {
    const { id } = await api.invoke('project.create', { name: 'Twice' });
    const text = await readFile(path.join(ROOT, 'resources', 'iris.csv'), 'utf8');
    const first = await api.invoke('dataset.importText', { projectId: id, fileName: 'iris.csv', text });
    const second = await api.invoke('dataset.importText', { projectId: id, fileName: 'iris.csv', text });
    expect(second.project.datasetId).not.toBe(first.project.datasetId);
    expect(await readdir(services.projects.datasetsDir(id))).toEqual([second.project.datasetId]);
    expect((await api.invoke('project.open', { projectId: id })).dataset?.rows).toBe(150);
  });

  it('is kept while a run streams from it when it is an image dataset, deleted otherwise', async () => {
    const pets = path.join(tmp, 'pets');
    for (const cls of ['cats', 'dogs'])
      for (let i = 0; i < 3; i += 1) {
        await mkdir(path.join(pets, cls), { recursive: true });
        await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 60 * i, g: 0, b: 0 } } })
          .png()
          .toFile(path.join(pets, cls, `${i}.png`));
      }
    const { id } = await api.invoke('project.create', { name: 'Images' });
    const importPets = async () =>
      (await api.invoke('dataset.importImages', { projectId: id, source: { kind: 'path', path: pets } })).project
        .datasetId!;
    const a = await importPets();
    // A run trained on `a` streams from its shards: its prepared split names the folder.
    const runData = path.join(services.projects.runsDir(id), 'run-1', 'data');
    await mkdir(runData, { recursive: true });
    const aDir = path.join(services.projects.datasetsDir(id), a);
    await writeFile(path.join(runData, 'prepared.json'), JSON.stringify({ images: { datasetDir: aDir } }));
    const b = await importPets();
    const c = await importPets();
    expect((await readdir(services.projects.datasetsDir(id))).sort()).toEqual([a, c].sort());
    expect(b).not.toBe(c);
  });
});
