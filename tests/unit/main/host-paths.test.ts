import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { hostStartLines, parseHostFlags } from '../../../main/cli/host-command';
import { UsageError } from '../../../main/cli/cli-error';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';
import { anyPath, pathsInside } from '../../../main/services/path-policy';

/**
 * Host mode: a path that comes through the contract reaches the filesystem only inside the
 * workspace or a --data-root folder (issue 13, item 4). Electron mode stays free.
 */

const ROOT = path.resolve(import.meta.dirname, '../../..');
const REFUSAL = /outside the folders this host may use[\s\S]*start the host with --data-root <folder>/;
/** Column names of the file outside the roots: a refusal must never show them. */
const SECRET_HEADER = 'secret_alpha,secret_beta,label';

let tmp: string;
let workspace: string;
let dataRoot: string;
let outside: string;
let host: Services;
let api: Api;
let electron: Services;
let electronApi: Api;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-host-paths-'));
  workspace = path.join(tmp, 'workspace');
  dataRoot = path.join(tmp, 'data');
  outside = path.join(tmp, 'outside');
  await mkdir(workspace, { recursive: true });
  await mkdir(dataRoot, { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(dataRoot, 'iris.csv'), await readFile(path.join(ROOT, 'resources', 'iris.csv')));
  await writeFile(path.join(outside, 'secret.csv'), `${SECRET_HEADER}\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n`);
  await symlink(path.join(outside, 'secret.csv'), path.join(dataRoot, 'link.csv'));
  await symlink(outside, path.join(dataRoot, 'linked-folder'));
  await symlink(outside, path.join(workspace, 'out-link'));
  host = createServices({ workspace, mode: 'host', dataRoots: [dataRoot] });
  api = createApi(createMemoryTransport(host.dispatch, host.bus));
  electron = createServices({ workspace: path.join(tmp, 'electron-workspace'), mode: 'electron' });
  electronApi = createApi(createMemoryTransport(electron.dispatch, electron.bus));
});
afterAll(async () => {
  await host?.dispose();
  await electron?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

/** The refusal's message, checked to name the path and to quote nothing of the file outside. */
async function refused(promise: Promise<unknown>, named: string): Promise<string> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e as Error,
  );
  expect(error.message).toMatch(REFUSAL);
  expect(error.message).toContain(`"${named}"`);
  expect(error.message).not.toMatch(/secret_alpha|secret_beta|root:|NAME=|ID=/);
  return error.message;
}

describe('host mode: paths in requests stay inside the workspace and --data-root folders', () => {
  it('imports a CSV inside the data root', async () => {
    const { id } = await api.invoke('project.create', { name: 'Inside' });
    const state = await api.invoke('dataset.importPath', { projectId: id, path: path.join(dataRoot, 'iris.csv') });
    expect(state.dataset?.rows).toBe(150);
    // `..` that stays inside is fine.
    const again = await api.invoke('dataset.importPath', {
      projectId: id,
      path: path.join(dataRoot, 'sub', '..', 'iris.csv'),
    });
    expect(again.dataset?.rows).toBe(150);
  });

  it('refuses /etc/os-release, a ".." escape and symlinks that lead outside, importing nothing', async () => {
    const { id } = await api.invoke('project.create', { name: 'Outside' });
    await refused(api.invoke('dataset.importPath', { projectId: id, path: '/etc/os-release' }), '/etc/os-release');
    await refused(api.invoke('dataset.importPath', { projectId: id, path: '/etc/passwd' }), '/etc/passwd');
    const escape = `${dataRoot}/../outside/secret.csv`;
    await refused(api.invoke('dataset.importPath', { projectId: id, path: escape }), escape);
    await refused(
      api.invoke('dataset.importPath', { projectId: id, path: path.join(dataRoot, 'link.csv') }),
      path.join(dataRoot, 'link.csv'),
    );
    await refused(
      api.invoke('dataset.importPath', { projectId: id, path: path.join(dataRoot, 'linked-folder', 'secret.csv') }),
      path.join(dataRoot, 'linked-folder', 'secret.csv'),
    );
    // A file that does not exist outside is refused the same way: no hint whether it exists.
    await refused(api.invoke('dataset.importPath', { projectId: id, path: '/no/such/file.csv' }), '/no/such/file.csv');
    const message = await refused(
      api.invoke('dataset.importImages', { projectId: id, source: { kind: 'path', path: outside } }),
      outside,
    );
    expect(message).toContain(dataRoot);
    const state = await api.invoke('project.open', { projectId: id });
    expect(state.project.datasetId).toBeNull();
    expect(state.dataset).toBeNull();
  });

  it('skips an image in an allowed folder that is a link to a file outside, naming it, and imports the rest', async () => {
    const pets = path.join(dataRoot, 'pets');
    const png = (shade: number) =>
      sharp({ create: { width: 8, height: 8, channels: 3, background: { r: shade, g: 0, b: 0 } } })
        .png()
        .toBuffer();
    for (const cls of ['cats', 'dogs']) {
      await mkdir(path.join(pets, cls), { recursive: true });
      for (let i = 0; i < 3; i += 1) await writeFile(path.join(pets, cls, `${i}.png`), await png(40 * i));
    }
    await writeFile(path.join(outside, 'private.png'), await png(255));
    await symlink(path.join(outside, 'private.png'), path.join(pets, 'cats', 'private.png'));
    // A link that stays inside the data root is read like any file.
    await symlink(path.join(pets, 'dogs', '0.png'), path.join(pets, 'dogs', 'again.png'));

    const { id } = await api.invoke('project.create', { name: 'Linked images' });
    const state = await api.invoke('dataset.importImages', { projectId: id, source: { kind: 'path', path: pets } });
    const meta = state.imageDataset!;
    expect(meta.classes.map((c) => [c.name, c.count])).toEqual([
      ['cats', 3],
      ['dogs', 4],
    ]);
    expect(meta.skipped).toEqual([
      { path: 'cats/private.png', reason: 'a link to a file outside the folders this host may use; not read' },
    ]);

    // Electron reads the same link: the user chose the folder in their own dialog.
    const { id: desk } = await electronApi.invoke('project.create', { name: 'Linked images' });
    const desktop = await electronApi.invoke('dataset.importImages', {
      projectId: desk,
      source: { kind: 'path', path: pets },
    });
    expect(desktop.imageDataset!.classes.map((c) => c.count)).toEqual([4, 4]);
  }, 60_000);

  it('refuses model.import by a path outside, before reading it', async () => {
    const { id } = await api.invoke('project.create', { name: 'Model' });
    await writeFile(path.join(outside, 'model.json'), '{"not": "read"}');
    await refused(
      api.invoke('model.import', { projectId: id, path: path.join(outside, 'model.json') }),
      path.join(outside, 'model.json'),
    );
    await refused(api.invoke('model.import', { projectId: id, path: '/etc/passwd' }), '/etc/passwd');
    // A model.json inside the data root whose weights file is a link to a file outside it.
    const modelDir = path.join(dataRoot, 'linked-model');
    await mkdir(modelDir, { recursive: true });
    await writeFile(path.join(outside, 'weights.bin'), Buffer.alloc(24));
    await symlink(path.join(outside, 'weights.bin'), path.join(modelDir, 'weights.bin'));
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'linked',
        layers: [
          { class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3], activation: 'linear' } },
        ],
      },
    };
    await writeFile(
      path.join(modelDir, 'model.json'),
      JSON.stringify({
        modelTopology: topology,
        weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }] }],
      }),
    );
    await refused(
      api.invoke('model.import', { projectId: id, path: path.join(modelDir, 'model.json') }),
      path.join(modelDir, 'weights.bin'),
    );
    await refused(
      api.invoke('model.import', { projectId: id, path: path.join(dataRoot, 'linked-folder', 'model.json') }),
      path.join(dataRoot, 'linked-folder', 'model.json'),
    );
  });

  it('exports into the workspace and refuses a folder outside it, writing nothing there', async () => {
    const { id } = await api.invoke('project.create', { name: 'Export' });
    const imported = await api.invoke('dataset.importPath', { projectId: id, path: path.join(dataRoot, 'iris.csv') });
    const taskSpec = { target: 'species', task: 'classification' as const };
    const shape = taskShape(imported.dataset!, taskSpec);
    const started = await api.invoke('run.start', {
      projectId: id,
      taskSpec,
      graph: templateGraph('mlp', shape.inputWidth, shape.head),
      trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 2, batchSize: 32, learningRate: 0.01 },
    });
    const run = await host.runs.whenDone(started.id);
    expect(run.status).toBe('completed');

    const refusedDir = path.join(outside, 'export');
    await refused(api.invoke('export.model', { projectId: id, runId: run.id, outDir: refusedDir }), refusedDir);
    expect(existsSync(refusedDir)).toBe(false);
    await refused(api.invoke('export.model', { projectId: id, runId: run.id, outDir: outside }), outside);
    await refused(
      api.invoke('export.model', { projectId: id, runId: run.id, outDir: '/etc/hostname/export' }),
      '/etc/hostname/export',
    );
    // A link inside the workspace that leads out, to a folder not yet made.
    const viaLink = path.join(workspace, 'out-link', 'model');
    await refused(api.invoke('export.model', { projectId: id, runId: run.id, outDir: viaLink }), viaLink);
    expect(existsSync(path.join(outside, 'model'))).toBe(false);

    const inside = path.join(workspace, 'my-exports', 'iris');
    const exported = await api.invoke('export.model', { projectId: id, runId: run.id, outDir: inside });
    expect(exported.outDir).toBe(inside);
    expect(existsSync(path.join(inside, 'model.json'))).toBe(true);
    const byDefault = await api.invoke('export.model', { projectId: id, runId: run.id, outDir: null });
    expect(existsSync(path.join(byDefault.outDir, 'model.json'))).toBe(true);
  }, 180_000);

  it('electron mode still takes a path outside the workspace', async () => {
    const { id } = await electronApi.invoke('project.create', { name: 'Desktop' });
    const state = await electronApi.invoke('dataset.importPath', {
      projectId: id,
      path: path.join(outside, 'secret.csv'),
    });
    expect(state.dataset?.columns.map((c) => c.name)).toEqual(SECRET_HEADER.split(','));
    await expect(electronApi.invoke('dataset.importPath', { projectId: id, path: 'relative.csv' })).rejects.toThrow(
      /is not an absolute path/,
    );
  });
});

describe('the path policy', () => {
  it('checks the path as written and after symlinks, and leaves Electron free', async () => {
    const policy = pathsInside([workspace, dataRoot]);
    expect(await policy.check(path.join(dataRoot, 'iris.csv'), 'The file')).toBe(path.join(dataRoot, 'iris.csv'));
    expect(await policy.check(path.join(workspace, 'new', 'folder'), 'The folder')).toBe(
      path.join(workspace, 'new', 'folder'),
    );
    await expect(policy.check(path.join(dataRoot, 'link.csv'), 'The file')).rejects.toThrow(REFUSAL);
    await expect(policy.check(`${dataRoot}-sibling/x.csv`, 'The file')).rejects.toThrow(REFUSAL);
    await expect(policy.check('data/iris.csv', 'The file')).rejects.toThrow(
      /"data\/iris\.csv" is not an absolute path/,
    );
    expect(await anyPath.check('/etc/os-release', 'The file')).toBe('/etc/os-release');
  });
});

describe('layerlab host --data-root', () => {
  it('is repeatable, resolved, and must name an existing folder', () => {
    expect(parseHostFlags([]).dataRoots).toEqual([]);
    expect(parseHostFlags(['--data-root', dataRoot, '--data-root', outside]).dataRoots).toEqual([dataRoot, outside]);
    expect(() => parseHostFlags(['--data-root', path.join(tmp, 'missing')])).toThrow(UsageError);
    expect(() => parseHostFlags(['--data-root', path.join(dataRoot, 'iris.csv')])).toThrow(/not a folder/);
    const lines = hostStartLines(
      { port: 5179, token: 'k3Jd9-xQ_2mZp7Lw', url: 'http://127.0.0.1:5179/', address: '127.0.0.1' },
      '/ws',
      [dataRoot],
    );
    expect(lines.join('\n')).toContain(dataRoot);
  });
});
