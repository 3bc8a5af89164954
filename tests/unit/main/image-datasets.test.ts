import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import type { EventPayload } from '../../../app/ipc/contract';
import { MAX_UPLOAD_REQUEST_BYTES } from '../../../app/ipc/image-contract';
import { ProjectService } from '../../../main/data';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

let tmp: string;
let services: Services;
let api: Api;
/** pets/{blue,red}/ of small solid images, plus a corrupt PNG and a text file in red/. */
let fixture: string;

const RED = { r: 230, g: 10, b: 10 };
const BLUE = { r: 10, g: 10, b: 230 };
const solid = (c: typeof RED, w = 20, h = 16) =>
  sharp({ create: { width: w, height: h, channels: 3, background: c } })
    .png()
    .toBuffer();

/** Every file below `root` as upload paths ("pets/red/a.png") and bytes, as a browser's folder input gives them. */
async function filesBelow(root: string, prefix = path.basename(root)): Promise<Array<{ path: string; bytes: Buffer }>> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await filesBelow(full, `${prefix}/${entry.name}`)));
    else out.push({ path: `${prefix}/${entry.name}`, bytes: await readFile(full) });
  }
  return out;
}

/** Upload files the way the renderer does: pieces of at most `piece` bytes, several per request. */
async function upload(
  projectId: string,
  uploadId: string,
  files: Array<{ path: string; bytes: Buffer }>,
  piece = 200,
): Promise<void> {
  let parts: Array<{ path: string; offset: number; data: string }> = [];
  for (const file of files) {
    for (let offset = 0; offset < file.bytes.length || (offset === 0 && file.bytes.length === 0); offset += piece) {
      parts.push({ path: file.path, offset, data: file.bytes.subarray(offset, offset + piece).toString('base64') });
      if (parts.length === 7) {
        await api.invoke('dataset.uploadChunk', { projectId, uploadId, parts });
        parts = [];
      }
      if (file.bytes.length === 0) break;
    }
  }
  if (parts.length > 0) await api.invoke('dataset.uploadChunk', { projectId, uploadId, parts });
}

const datasetFolders = async (projectId: string) =>
  (await readdir(path.join(tmp, 'projects', projectId, 'datasets'))).sort();

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-images-svc-'));
  services = createServices({ workspace: tmp, mode: 'host' });
  api = createApi(createMemoryTransport(services.dispatch, services.bus));
  fixture = path.join(tmp, 'src', 'pets');
  await mkdir(path.join(fixture, 'red'), { recursive: true });
  await mkdir(path.join(fixture, 'blue'), { recursive: true });
  for (let i = 0; i < 7; i += 1) await writeFile(path.join(fixture, 'red', `r${i}.png`), await solid(RED));
  for (let i = 0; i < 2; i += 1) await writeFile(path.join(fixture, 'blue', `b${i}.png`), await solid(BLUE, 16, 20));
  await writeFile(path.join(fixture, 'red', 'broken.png'), Buffer.concat([(await solid(RED)).subarray(0, 40)]));
  await writeFile(path.join(fixture, 'red', 'notes.txt'), 'not an image\n');
});
afterAll(async () => {
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('image datasets through the contract', () => {
  it('imports an uploaded folder into the project, with progress, thumbnails, skipped files and stored images', async () => {
    const { id } = await api.invoke('project.create', { name: 'Pets upload' });
    await upload(id, 'up-1', await filesBelow(fixture));
    const progress: Array<EventPayload<'dataset.imageImportProgress'>> = [];
    const off = api.on('dataset.imageImportProgress', (p) => progress.push(p));
    const state = await api.invoke('dataset.importImages', {
      projectId: id,
      source: { kind: 'upload', uploadId: 'up-1' },
      options: { width: 8, height: 8, color: 'rgb', fit: 'pad' },
      importId: 'imp-1',
    });
    off();

    expect(state.dataset).toBeNull();
    const meta = state.imageDataset!;
    expect(meta.name).toBe('pets');
    expect(meta.classes.map((c) => [c.name, c.count])).toEqual([
      ['blue', 2],
      ['red', 7],
    ]);
    expect(meta.skipped.map((s) => s.path).sort()).toEqual(['red/broken.png', 'red/notes.txt']);
    expect(meta.warnings.join(' ')).toMatch(/imbalanced: "red" has 7 images and "blue" 2 images/);
    expect(state.project.taskSpec).toEqual({ target: 'class', task: 'classification' });
    expect(progress.at(-1)).toMatchObject({ importId: 'imp-1', phase: 'finishing', done: 11, total: 11 });
    expect(progress.some((p) => p.phase === 'decoding')).toBe(true);
    // The staging copy is gone; only the dataset stays.
    expect(await datasetFolders(id)).toEqual([meta.id]);

    const thumbs = await api.invoke('dataset.imageThumbnails', { projectId: id });
    expect(thumbs.datasetId).toBe(meta.id);
    expect(thumbs.classes.map((c) => c.images.length)).toEqual([2, 7]);
    expect(thumbs.classes[0]!.images[0]).toMatch(/^data:image\/webp;base64,/);

    // Image 0 is the first blue one (classes sorted by name): its stored pixels come back blue.
    const { images } = await api.invoke('dataset.images', { projectId: id, indices: [0, 8] });
    expect(images.map((i) => i.source)).toEqual(['blue/b0.png', 'red/r6.png']);
    const first = await sharp(Buffer.from(images[0]!.src.split(',')[1]!, 'base64'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(first.info.width).toBe(8);
    const centre = (4 * 8 + 4) * first.info.channels;
    expect([first.data[centre], first.data[centre + 2]]).toEqual([BLUE.r, BLUE.b]);
    await expect(api.invoke('dataset.images', { projectId: id, indices: [9] })).rejects.toThrow(
      /Image 9 is not in the dataset pets \(it holds 9 images/,
    );

    const preview = await api.invoke('dataset.augmentedPreview', {
      projectId: id,
      augmentation: { flip: 1, brightness: 0.3 },
      seed: 7,
      variants: 3,
    });
    expect(preview.samples.map((s) => s.className)).toEqual(['blue', 'red']);
    expect(preview.samples[0]!.augmented).toHaveLength(3);
    expect(preview.samples[0]!.original).toMatch(/^data:image\/png;base64,/);

    // Augmentation settings are kept in project.json, validated by field.
    const augmentation = { flip: 0.5, rotation: 0.1, zoom: 0, brightness: 0.2, contrast: 0 };
    expect((await api.invoke('project.save', { projectId: id, augmentation })).project.augmentation).toEqual(
      augmentation,
    );
    await expect(
      api.invoke('project.save', { projectId: id, augmentation: { ...augmentation, rotation: 2 } }),
    ).rejects.toThrow(/augmentation\.rotation.*at most 0\.5/);

    // Reopened by a fresh service (as after a restart), the project has the same image dataset.
    const reopened = await new ProjectService(tmp, { warn: () => undefined }).open(id);
    expect(reopened.imageDataset?.id).toBe(meta.id);
    expect(reopened.dataset).toBeNull();
    expect(reopened.problems).toEqual([]);
    expect(reopened.project.augmentation).toEqual(augmentation);
  });

  it('imports an uploaded .zip and a folder given by path', async () => {
    const { id } = await api.invoke('project.create', { name: 'Pets zip' });
    const entries: Record<string, Uint8Array> = {};
    for (const f of await filesBelow(fixture)) entries[f.path] = f.bytes;
    const zip = Buffer.from(zipSync(entries));
    await upload(id, 'zip-1', [{ path: 'pets.zip', bytes: zip }], MAX_UPLOAD_REQUEST_BYTES);
    const fromZip = await api.invoke('dataset.importImages', {
      projectId: id,
      source: { kind: 'upload', uploadId: 'zip-1' },
    });
    expect(fromZip.imageDataset).toMatchObject({
      name: 'pets',
      sourceFile: 'pets.zip',
      count: 9,
      width: 18,
      height: 18,
      color: 'rgb',
    });
    // Size and colour left to the import: 20×16 and 16×20 images give a square of their median side (√320 ≈ 18), colour since they are red and blue.
    expect(fromZip.imageDataset?.chosen).toMatch(/sizes vary .*stored at 18×18; in colour/);

    const byPath = await api.invoke('dataset.importImages', {
      projectId: id,
      source: { kind: 'path', path: fixture },
      options: { color: 'grayscale', width: 12, height: 10, fit: 'crop' },
    });
    expect(byPath.imageDataset).toMatchObject({ name: 'pets', channels: 1, width: 12, height: 10, fit: 'crop' });
    expect(byPath.project.datasetId).toBe(byPath.imageDataset!.id);
    await expect(
      api.invoke('dataset.importImages', { projectId: id, source: { kind: 'path', path: 'pets' } }),
    ).rejects.toThrow(/"pets" is not an absolute path/);
    await expect(
      api.invoke('dataset.importImages', { projectId: id, source: { kind: 'upload', uploadId: 'never-sent' } }),
    ).rejects.toThrow(/No upload "never-sent"/);
    await expect(
      api.invoke('dataset.importImages', {
        projectId: id,
        source: { kind: 'path', path: fixture },
        options: { width: 2 },
      }),
    ).rejects.toThrow(/options\.width/);
  });

  it('refuses paths that leave the upload folder, pieces out of order and oversized requests', async () => {
    const { id } = await api.invoke('project.create', { name: 'Pets refused' });
    const piece = (p: string, offset = 0) => ({
      projectId: id,
      uploadId: 'bad',
      parts: [{ path: p, offset, data: 'AAAA' }],
    });
    await expect(api.invoke('dataset.uploadChunk', piece('../evil.png'))).rejects.toThrow(
      /parts\.0\.path.*"\." or "\.\." parts/,
    );
    await expect(api.invoke('dataset.uploadChunk', piece('/etc/passwd'))).rejects.toThrow(/must be relative/);
    await expect(api.invoke('dataset.uploadChunk', piece('a\\..\\..\\x'))).rejects.toThrow(/backslashes/);
    await expect(
      api.invoke('dataset.uploadChunk', {
        ...piece('a.png'),
        parts: [{ path: 'a.png', offset: 0, data: 'not base64!' }],
      }),
    ).rejects.toThrow(/base64/);
    await expect(
      api.invoke('dataset.uploadChunk', {
        ...piece('a.png'),
        parts: [{ path: 'a.png', offset: 0, data: 'A'.repeat(MAX_UPLOAD_REQUEST_BYTES * 2) }],
      }),
    ).rejects.toThrow(/at most 4 MiB/);
    await expect(api.invoke('dataset.uploadChunk', piece('pets/a.png', 3))).rejects.toThrow(/starts at byte 3, not 0/);
    expect(await api.invoke('dataset.uploadChunk', piece('pets/a.png'))).toEqual({ files: 1, bytes: 3 });
    await expect(api.invoke('dataset.uploadChunk', piece('pets/a.png', 9))).rejects.toThrow(
      /jumps to byte 9 after 3 bytes/,
    );
    const staging = path.join(tmp, 'projects', id, 'datasets', '.upload-bad');
    expect(existsSync(path.join(staging, 'pets', 'a.png'))).toBe(true);
    expect(await api.invoke('dataset.discardUpload', { projectId: id, uploadId: 'bad' })).toEqual({ discarded: true });
    expect(existsSync(staging)).toBe(false);
    // Nothing was imported: the project has no dataset and lists none.
    const state = await api.invoke('project.open', { projectId: id });
    expect([state.dataset, state.imageDataset]).toEqual([null, null]);
  });

  it('a cancelled image import leaves the project as it was', async () => {
    const { id } = await api.invoke('project.create', { name: 'Pets cancel' });
    const first = await api.invoke('dataset.importImages', {
      projectId: id,
      source: { kind: 'path', path: fixture },
      options: { width: 8, height: 8 },
    });
    const many = path.join(tmp, 'src', 'many');
    const red = await solid(RED, 64, 64);
    const blue = await solid(BLUE, 64, 64);
    for (const [name, bytes] of [
      ['red', red],
      ['blue', blue],
    ] as const) {
      await mkdir(path.join(many, name), { recursive: true });
      for (let i = 0; i < 150; i += 1) await writeFile(path.join(many, name, `${i}.png`), bytes);
    }
    const off = api.on('dataset.imageImportProgress', (p) => {
      if (p.importId === 'cancel-me' && p.phase === 'decoding') {
        off();
        void api.invoke('dataset.cancelImport', { importId: 'cancel-me' });
      }
    });
    const outcome = await api
      .invoke('dataset.importImages', { projectId: id, source: { kind: 'path', path: many }, importId: 'cancel-me' })
      .then(
        () => 'imported',
        (error: Error) => error.message,
      );
    expect(outcome).toMatch(/The import of many was cancelled; the project is as it was/);
    expect(await datasetFolders(id)).toEqual([first.imageDataset!.id]);
    const state = await api.invoke('project.open', { projectId: id });
    expect(state.imageDataset?.id).toBe(first.imageDataset!.id);
  });
});
