import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UPLOAD_CHUNK, MAX_UPLOADS_AT_ONCE, type BrowseReply } from '../../../app/ipc/host-files';
import { STALE_UPLOAD_MS, sweepStaleUploads } from '../../../main/host/file-api';
import { startHost, type RunningHost } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services/create-services';

/**
 * Host mode's file API (issue 19.1): chunked uploads into the workspace, the server-side file
 * browser and downloads, over a real HTTP server with its real token check.
 */

let tmp: string;
let workspace: string;
let dataRoot: string;
let outside: string;
let services: Services;
let host: RunningHost;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-host-files-'));
  workspace = path.join(tmp, 'ws');
  dataRoot = path.join(tmp, 'data');
  outside = path.join(tmp, 'outside');
  const staticDir = path.join(tmp, 'static');
  for (const dir of [workspace, dataRoot, outside, staticDir, path.join(dataRoot, 'tables')])
    await mkdir(dir, { recursive: true });
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Layerlab</title>');
  await writeFile(path.join(dataRoot, 'tables', 'iris.csv'), 'a,b\n1,2\n');
  await writeFile(path.join(outside, 'secret.csv'), 'secret\n');
  await symlink(outside, path.join(dataRoot, 'escape'));
  services = createServices({ workspace, mode: 'host', dataRoots: [dataRoot] });
  host = await startHost({
    dispatch: services.dispatch,
    bus: services.bus,
    staticDir,
    files: { workspace, dataRoots: [dataRoot] },
    log: () => undefined,
  });
});

afterAll(async () => {
  await host.close();
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const auth = () => ({ Authorization: `Bearer ${host.token}` });

/** base: the host's root for scripts (the token itself), or the app's prefix where the browser's cookie counts. */
function put(
  id: string,
  name: string,
  body: Uint8Array,
  offset: number,
  size: number,
  headers = auth(),
  base = host.origin,
) {
  return fetch(`${base}/api/uploads/${id}/${encodeURIComponent(name)}?offset=${offset}&size=${size}`, {
    method: 'PUT',
    headers,
    body,
  });
}

/** Sends `data` in chunks of `chunk` bytes, in order; the last reply. */
async function upload(id: string, name: string, data: Uint8Array, chunk = MAX_UPLOAD_CHUNK) {
  let reply: { received: number; done: boolean; path?: string } | null = null;
  for (let offset = 0; offset < data.length || offset === 0; offset += chunk) {
    const res = await put(id, name, data.subarray(offset, offset + chunk), offset, data.length);
    expect(res.status, await res.clone().text()).toBe(200);
    reply = (await res.json()) as typeof reply;
    if (data.length === 0) break;
  }
  return reply!;
}

describe('uploads', () => {
  it('needs the token: no cookie, a wrong token, or another origin is refused before anything is written', async () => {
    const data = new Uint8Array([1, 2, 3]);
    expect((await put('noauth', 'a.csv', data, 0, 3, {} as ReturnType<typeof auth>)).status).toBe(403);
    expect((await put('noauth', 'a.csv', data, 0, 3, { Authorization: 'Bearer wrong-token-0000000000' })).status).toBe(
      403,
    );
    const cookie = { Cookie: host.cookie } as unknown as ReturnType<typeof auth>;
    const evil = { ...cookie, Origin: 'http://evil.example' } as unknown as ReturnType<typeof auth>;
    expect((await put('noauth', 'a.csv', data, 0, 3, evil)).status).toBe(403);
    // The token in the query is not a credential for the API.
    const viaQuery = await fetch(`${host.origin}/api/browse?token=${host.token}`);
    expect(viaQuery.status).toBe(403);
    expect(existsSync(path.join(workspace, 'uploads', 'noauth'))).toBe(false);
    // The cookie from this origin counts only under the app's prefix, where the page sends it.
    const own = { ...cookie, Origin: host.origin } as never;
    expect((await put('noauth', 'a.csv', data, 0, 3, own)).status).toBe(403);
    expect(existsSync(path.join(workspace, 'uploads', 'noauth'))).toBe(false);
    const app = host.appUrl.slice(0, -1);
    const done = await put('noauth', 'a.csv', data, 0, 3, own, app);
    expect(done.status).toBe(200);
    const uploaded = ((await done.json()) as { path: string }).path;
    // The file browser and downloads too; a wrong prefix is refused.
    const browse = await fetch(`${app}/api/browse`, { headers: own });
    expect(browse.status).toBe(200);
    expect(((await browse.json()) as { entries: unknown[] }).entries.length).toBeGreaterThan(0);
    expect((await fetch(`${host.origin}/s/wrong/api/browse`, { headers: own })).status).toBe(403);
    const down = await fetch(`${app}/api/download?path=${encodeURIComponent(uploaded)}`, {
      headers: own,
    });
    expect(down.status).toBe(200);
    expect(new Uint8Array(await down.arrayBuffer())).toEqual(data);
  });

  it('writes a file larger than one chunk to the workspace in order, byte for byte, and answers its path', async () => {
    const data = randomBytes(MAX_UPLOAD_CHUNK * 2 + 12345);
    const reply = await upload('big1', 'big file.csv', data);
    expect(reply.done).toBe(true);
    expect(reply.path).toBe(path.join(await realUploads(), 'big1', 'big file.csv'));
    expect(Buffer.compare(await readFile(reply.path!), data)).toBe(0);
    expect(existsSync(`${reply.path!}.part`)).toBe(false);
  });

  it('keeps a partial file as .part until the last chunk, and a wrong offset is refused naming the right one', async () => {
    const data = randomBytes(3000);
    const first = await put('order', 'x.csv', data.subarray(0, 1000), 0, 3000);
    expect(await first.json()).toMatchObject({ received: 1000, done: false });
    expect(existsSync(path.join(workspace, 'uploads', 'order', 'x.csv'))).toBe(false);
    const gap = await put('order', 'x.csv', data.subarray(2000), 2000, 3000);
    expect(gap.status).toBe(409);
    expect(await gap.json()).toMatchObject({ received: 1000, error: expect.stringMatching(/offset 1000/) });
    await put('order', 'x.csv', data.subarray(1000, 2000), 1000, 3000);
    const last = (await (await put('order', 'x.csv', data.subarray(2000), 2000, 3000)).json()) as { path: string };
    expect(Buffer.compare(await readFile(last.path), data)).toBe(0);
  });

  it('refuses chunks over the limit, chunks past the size, bad names and ids, with a message naming the problem', async () => {
    const tooBig = await put('limits', 'a.csv', new Uint8Array(MAX_UPLOAD_CHUNK + 1), 0, MAX_UPLOAD_CHUNK + 1);
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: string }).error).toMatch(/at most 8 MiB/);
    const past = await put('limits', 'a.csv', new Uint8Array(10), 0, 5);
    expect(past.status).toBe(400);
    expect(((await past.json()) as { error: string }).error).toMatch(/runs past the file's size 5/);
    const badQuery = await fetch(`${host.origin}/api/uploads/limits/a.csv?offset=-1&size=x`, {
      method: 'PUT',
      headers: auth(),
      body: new Uint8Array(1),
    });
    expect(badQuery.status).toBe(400);
    for (const name of ['.hidden', 'a%2F..%2F..%2Fescape.csv', 'a%5Cb.csv', 'x.part']) {
      const res = await fetch(`${host.origin}/api/uploads/limits/${name}?offset=0&size=1`, {
        method: 'PUT',
        headers: auth(),
        body: new Uint8Array(1),
      });
      expect(res.status, name).toBe(400);
    }
    // ".." as the name is resolved away by the URL itself: no such route.
    const dots = await fetch(`${host.origin}/api/uploads/limits/..?offset=0&size=1`, {
      method: 'PUT',
      headers: auth(),
      body: new Uint8Array(1),
    });
    expect(dots.status).toBe(404);
    const badId = await fetch(`${host.origin}/api/uploads/..%2F..%2Fx/a.csv?offset=0&size=1`, {
      method: 'PUT',
      headers: auth(),
      body: new Uint8Array(1),
    });
    expect(badId.status).toBe(400);
    expect(await readdir(tmp)).not.toContain('escape.csv');
    expect(existsSync(path.join(workspace, 'escape.csv'))).toBe(false);
  });

  it("a folder's files keep their subfolders inside the upload, and no part of a path may leave it", async () => {
    const data = randomBytes(100);
    const res = await put('folder1', 'pets/cats/a b.png', data, 0, 100);
    // put() encodes the whole name: the "/" arrive as %2F and are refused as one name with folders.
    expect(res.status).toBe(400);
    const nested = await fetch(`${host.origin}/api/uploads/folder1/pets/cats/a%20b.png?offset=0&size=100`, {
      method: 'PUT',
      headers: auth(),
      body: data,
    });
    expect(nested.status).toBe(200);
    const reply = (await nested.json()) as { path: string; root: string };
    expect(reply.root).toBe(path.join(await realUploads(), 'folder1'));
    expect(reply.path).toBe(path.join(reply.root, 'pets', 'cats', 'a b.png'));
    expect(Buffer.compare(await readFile(reply.path), data)).toBe(0);
    for (const bad of ['pets/.hidden/a.png', 'pets/%2E%2E%2F..%2Fx/a.png', 'pets//a.png', `${'d/'.repeat(40)}a.png`]) {
      const refused = await fetch(`${host.origin}/api/uploads/folder1/${bad}?offset=0&size=1`, {
        method: 'PUT',
        headers: auth(),
        body: new Uint8Array(1),
      });
      expect(refused.status, bad).toBe(400);
    }
  });

  it('takes several uploads at once, each intact, and refuses a second writer of the same file', async () => {
    const files = Array.from({ length: MAX_UPLOADS_AT_ONCE }, (_, i) => randomBytes(3 * 1024 * 1024 + i));
    const replies = await Promise.all(files.map((data, i) => upload(`par${i}`, 'p.csv', data, 1024 * 1024)));
    for (const [i, reply] of replies.entries()) expect(Buffer.compare(await readFile(reply.path!), files[i]!)).toBe(0);

    // Two chunks of one file at once: one is written, the other told to wait its turn.
    const data = randomBytes(2 * 1024 * 1024);
    const [a, b] = await Promise.all([
      put('same', 's.csv', data.subarray(0, 1024 * 1024), 0, data.length),
      put('same', 's.csv', data.subarray(0, 1024 * 1024), 0, data.length),
    ]);
    expect([a.status, b.status].sort()).toEqual(expect.arrayContaining([200]));
    if (a.status !== 200 || b.status !== 200) expect([a.status, b.status]).toContain(409);
  });

  it('cancel (DELETE) removes the upload and its partial file, and a late chunk cannot bring it back', async () => {
    const data = randomBytes(4000);
    await put('cancel1', 'c.csv', data.subarray(0, 1000), 0, 4000);
    expect(existsSync(path.join(workspace, 'uploads', 'cancel1', 'c.csv.part'))).toBe(true);
    const res = await fetch(`${host.origin}/api/uploads/cancel1`, { method: 'DELETE', headers: auth() });
    expect(await res.json()).toEqual({ removed: true });
    expect(existsSync(path.join(workspace, 'uploads', 'cancel1'))).toBe(false);
    const late = await put('cancel1', 'c.csv', data.subarray(1000, 2000), 1000, 4000);
    expect(late.status).toBe(410);
    expect(existsSync(path.join(workspace, 'uploads', 'cancel1'))).toBe(false);
  });
});

describe('abandoned uploads', () => {
  it('a .part untouched for a day is removed at start-up; a fresh one and complete files stay', async () => {
    const uploads = path.join(tmp, 'sweep', 'uploads');
    await mkdir(path.join(uploads, 'old'), { recursive: true });
    await mkdir(path.join(uploads, 'fresh'), { recursive: true });
    await mkdir(path.join(uploads, 'done'), { recursive: true });
    await writeFile(path.join(uploads, 'old', 'a.csv.part'), 'partial');
    await writeFile(path.join(uploads, 'fresh', 'b.csv.part'), 'partial');
    await writeFile(path.join(uploads, 'done', 'c.csv'), 'whole');
    const dayAgo = new Date(Date.now() - STALE_UPLOAD_MS - 60_000);
    await utimes(path.join(uploads, 'old', 'a.csv.part'), dayAgo, dayAgo);
    await utimes(path.join(uploads, 'done', 'c.csv'), dayAgo, dayAgo);
    expect(await sweepStaleUploads(uploads)).toEqual([path.join(uploads, 'old', 'a.csv.part')]);
    expect((await readdir(uploads)).sort()).toEqual(['done', 'fresh']);
    expect(existsSync(path.join(uploads, 'fresh', 'b.csv.part'))).toBe(true);
    expect(existsSync(path.join(uploads, 'done', 'c.csv'))).toBe(true);
  });
});

async function realUploads() {
  const { realpath } = await import('node:fs/promises');
  return realpath(path.join(workspace, 'uploads'));
}

const browse = async (dir?: string) => {
  const res = await fetch(`${host.origin}/api/browse${dir ? `?path=${encodeURIComponent(dir)}` : ''}`, {
    headers: auth(),
  });
  return { status: res.status, body: (await res.json()) as BrowseReply & { error?: string } };
};

describe('file browser', () => {
  it('lists the workspace and the --data-root folders, then a folder inside them', async () => {
    const roots = await browse();
    expect(roots.body.entries.map((e) => e.path)).toEqual([workspace, dataRoot]);
    const tables = await browse(path.join(dataRoot, 'tables'));
    expect(tables.status).toBe(200);
    expect(tables.body.entries).toEqual([
      expect.objectContaining({
        name: 'iris.csv',
        kind: 'file',
        size: 8,
        path: path.join(dataRoot, 'tables', 'iris.csv'),
      }),
    ]);
    expect(tables.body.parent).toBe(dataRoot);
    expect((await browse(dataRoot)).body.parent).toBeNull();
  });

  it('refuses a folder outside, through "..", and through a link that leads out, without listing it', async () => {
    for (const dir of [outside, path.join(dataRoot, '..', 'outside'), path.join(dataRoot, 'escape'), '/etc']) {
      const res = await browse(dir);
      expect(res.status, dir).toBe(403);
      expect(res.body.error).toMatch(/outside the folders this host may use/);
      expect(JSON.stringify(res.body)).not.toContain('secret.csv');
    }
  });
});

describe('downloads', () => {
  it('streams a folder as a zip whose files equal the folder, and refuses one outside', async () => {
    const dir = path.join(workspace, 'projects', 'p', 'exports', 'r1', 'tfjs');
    await mkdir(path.join(dir, 'snippets'), { recursive: true });
    const weights = randomBytes(3 * 1024 * 1024);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model' }));
    await writeFile(path.join(dir, 'group1-shard1of1.bin'), weights);
    await writeFile(path.join(dir, 'snippets', 'predict.mjs'), 'console.log(1);\n');
    const res = await fetch(`${host.origin}/api/download?path=${encodeURIComponent(dir)}`, { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/filename="tfjs\.zip"/);
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['group1-shard1of1.bin', 'model.json', 'snippets/predict.mjs']);
    expect(Buffer.compare(Buffer.from(files['group1-shard1of1.bin']!), weights)).toBe(0);
    expect(Buffer.from(files['model.json']!).toString()).toBe(JSON.stringify({ format: 'layers-model' }));

    const refused = await fetch(`${host.origin}/api/download?path=${encodeURIComponent(outside)}`, { headers: auth() });
    expect(refused.status).toBe(403);
  });
});
