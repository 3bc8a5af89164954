import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile, uploadFolder } from '../../../renderer/src/app/host/upload';
import { startHost, type RunningHost } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services/create-services';

/**
 * The browser host's uploader (renderer/src/app/host/upload.ts) against a real host server: a
 * file goes in chunks with progress, lands whole in the workspace, and a cancel removes it.
 */

let tmp: string;
let workspace: string;
let services: Services;
let host: RunningHost;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-uploader-'));
  workspace = path.join(tmp, 'ws');
  const staticDir = path.join(tmp, 'static');
  await mkdir(staticDir, { recursive: true });
  await mkdir(workspace);
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html>');
  services = createServices({ workspace, mode: 'host' });
  host = await startHost({
    dispatch: services.dispatch,
    bus: services.bus,
    staticDir,
    files: { workspace },
    log: () => undefined,
  });
});
afterAll(async () => {
  await host.close();
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

/** The page's fetch: same origin, the token in a header instead of the cookie. */
const pageFetch = (input: string, init?: RequestInit) =>
  fetch(input, { ...init, headers: { Authorization: `Bearer ${host.token}` } });

describe('uploadFile', () => {
  it('sends a file in chunks with progress and answers its path in the workspace', async () => {
    const data = randomBytes(2_500_000);
    const progress: number[] = [];
    const file = new File([data], 'table.csv');
    const at = await uploadFile(file, {
      fetch: pageFetch,
      base: host.origin,
      chunkSize: 1024 * 1024,
      onProgress: (p) => progress.push(p.sent),
    });
    expect(progress).toEqual([0, 1024 * 1024, 2 * 1024 * 1024, 2_500_000]);
    expect(path.basename(at)).toBe('table.csv');
    expect(Buffer.compare(await readFile(at), data)).toBe(0);
  });

  it('a cancel stops the upload and the host deletes what it received', async () => {
    const controller = new AbortController();
    const file = new File([randomBytes(3 * 1024 * 1024)], 'cancelled.csv');
    const upload = uploadFile(file, {
      fetch: pageFetch,
      base: host.origin,
      chunkSize: 1024 * 1024,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.sent >= 1024 * 1024) controller.abort();
      },
    });
    await expect(upload).rejects.toThrow();
    const uploads = path.join(workspace, 'uploads');
    const left = existsSync(uploads) ? await readdir(uploads, { recursive: true }) : [];
    expect(left.filter((f) => String(f).includes('cancelled'))).toEqual([]);
  });

  it("sends a folder's files with their subfolders and answers the folder's path, ready to import", async () => {
    const files = ['pets/cats/a.png', 'pets/cats/b.png', 'pets/dogs/c.png', 'pets/dogs/d.png'].map((p, i) => ({
      path: p,
      file: new File([randomBytes(1000 + i)], p.split('/').pop()!),
    }));
    const seen: number[] = [];
    const folder = await uploadFolder(files, {
      fetch: pageFetch,
      base: host.origin,
      onProgress: (p) => seen.push(p.sent),
    });
    expect(path.basename(folder)).toBe('pets');
    for (const [i, f] of files.entries())
      expect((await readFile(path.join(folder, ...f.path.split('/').slice(1)))).length).toBe(1000 + i);
    expect(seen.at(-1)).toBe(4006);
  });

  it('a refusal from the host is the error, naming the file', async () => {
    const denied = (input: string, init?: RequestInit) => fetch(input, init);
    await expect(uploadFile(new File(['a,b\n'], 'x.csv'), { fetch: denied, base: host.origin })).rejects.toThrow(
      /Could not upload x\.csv: .*needs the host token/,
    );
  });
});
