import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat, statfs, truncate } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import {
  MAX_BROWSE_ENTRIES,
  MAX_UPLOAD_CHUNK,
  MAX_UPLOAD_DEPTH,
  MAX_UPLOADS_AT_ONCE,
  UploadIdPattern,
  uploadNameProblem,
  UploadQuery,
  type BrowseEntry,
  type BrowseReply,
  type UploadChunkReply,
} from '../../app/ipc/host-files';
import { UserError } from '../../app/ipc/errors';
import { pathsInside } from '../services/path-policy';

/**
 * Host mode's file API (the routes are described in app/ipc/host-files.ts): streamed uploads into
 * `<workspace>/uploads`, a file browser and downloads limited to the workspace and the --data-root
 * folders. The server has already checked the token; this module checks everything else.
 */
export interface FileApiOptions {
  workspace: string;
  dataRoots?: readonly string[];
}

export interface FileApi {
  /** Answers a request under /api/; false when the path is not one of ours. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const inside = (root: string, file: string) => {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
};

/** Text-like files shrink under deflate; weights and archives are stored as they are (faster, no gain lost). */
const COMPRESSIBLE = /\.(json|md|txt|csv|py|mjs|js|ts|html|yaml|yml)$/i;

/** `attachment; filename*=UTF-8''…`: any file name, safely quoted. */
function attachment(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, `The ${what} in the address is not valid URL encoding.`);
  }
}

/** Every regular file below `dir`, as "/"-separated relative paths; links are not followed. */
async function filesBelow(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesBelow(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** A partial upload untouched this long was abandoned (a closed tab): the host removes it at start-up. */
export const STALE_UPLOAD_MS = 24 * 60 * 60 * 1000;

/**
 * Removes `.part` files under `uploadsDir` last written more than `maxAgeMs` ago, and upload
 * folders left empty; complete uploads stay. Answers what it removed.
 */
export async function sweepStaleUploads(uploadsDir: string, maxAgeMs = STALE_UPLOAD_MS, now = Date.now()) {
  const removed: string[] = [];
  const ids = await readdir(uploadsDir, { withFileTypes: true }).catch(() => []);
  for (const id of ids) {
    if (!id.isDirectory()) continue;
    const dir = path.join(uploadsDir, id.name);
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    let left = 0;
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const info = entry.name.endsWith('.part') ? await lstat(file).catch(() => null) : null;
      if (info && now - info.mtimeMs > maxAgeMs) {
        await rm(file, { force: true });
        removed.push(file);
      } else left += 1;
    }
    if (left === 0) await rm(dir, { recursive: true, force: true });
  }
  return removed;
}

export function createFileApi(options: FileApiOptions): FileApi {
  const workspace = path.resolve(options.workspace);
  const dataRoots = (options.dataRoots ?? []).map((r) => path.resolve(r));
  const roots = [workspace, ...dataRoots];
  const policy = pathsInside(roots);
  const uploadsDir = path.join(workspace, 'uploads');
  /** Chunks being written, by "<uploadId>/<name>": one at a time per file, MAX_UPLOADS_AT_ONCE in all. */
  const writing = new Map<string, { id: string; req: http.IncomingMessage; done: Promise<unknown> }>();
  /** Uploads cancelled in this session: a late chunk must not bring one back. */
  const cancelled = new Set<string>();
  void sweepStaleUploads(uploadsDir).catch(() => undefined);

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      // A refused chunk's body is not read: the connection goes rather than being drained.
      ...(status >= 400 ? { Connection: 'close' } : {}),
    });
    res.end(JSON.stringify(body));
  };

  /** The upload's own folder, created if needed, checked to lie inside uploads/ after links are resolved. */
  async function uploadFolder(id: string): Promise<string> {
    const dir = path.join(uploadsDir, id);
    await mkdir(dir, { recursive: true });
    const [realRoot, realDir] = await Promise.all([realpath(uploadsDir), realpath(dir)]);
    if (!inside(realRoot, realDir) || realRoot === realDir)
      throw new HttpError(403, `The upload folder ${id} leads outside ${uploadsDir}.`);
    return realDir;
  }

  async function putChunk(req: http.IncomingMessage, res: http.ServerResponse, url: URL, id: string, name: string) {
    const query = UploadQuery.safeParse({
      offset: url.searchParams.get('offset') ?? undefined,
      size: url.searchParams.get('size') ?? undefined,
    });
    if (!query.success) {
      const issue = query.error.issues[0];
      throw new HttpError(400, `Upload ${name}: ${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}.`);
    }
    const { offset, size } = query.data;
    const declared = req.headers['content-length'];
    const length = declared === undefined ? NaN : Number(declared);
    if (!Number.isInteger(length) || length < 0)
      throw new HttpError(411, `Upload ${name}: each chunk must say its length (Content-Length).`);
    if (length > MAX_UPLOAD_CHUNK)
      throw new HttpError(
        413,
        `Upload ${name}: a chunk is at most ${MAX_UPLOAD_CHUNK / 1024 / 1024} MiB; this one is ${length} bytes.`,
      );
    if (offset + length > size)
      throw new HttpError(400, `Upload ${name}: this chunk (${offset}+${length}) runs past the file's size ${size}.`);
    if (length === 0 && size > 0) throw new HttpError(400, `Upload ${name}: an empty chunk carries nothing.`);
    if (cancelled.has(id)) throw new HttpError(410, `Upload ${id} was cancelled.`);
    const key = `${id}/${name}`;
    if (writing.has(key))
      throw new HttpError(409, `Upload ${name}: another chunk of this file is still being written; send them in turn.`);
    if (writing.size >= MAX_UPLOADS_AT_ONCE)
      throw new HttpError(429, `The host is receiving ${MAX_UPLOADS_AT_ONCE} files already; try again in a moment.`);

    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    writing.set(key, { id, req, done });
    let part: string | null = null;
    let wrote = false;
    try {
      const root = await uploadFolder(id);
      // A file of an uploaded folder ("pets/cats/a.png") gets its subfolders, checked to stay inside the upload's own.
      const dir = path.join(root, ...name.split('/').slice(0, -1));
      if (dir !== root) {
        await mkdir(dir, { recursive: true });
        if (!inside(root, await realpath(dir))) throw new HttpError(403, `Upload ${name}: its folder leads outside.`);
      }
      const base = name.split('/').pop()!;
      part = path.join(dir, `${base}.part`);
      const current = (await stat(part).catch(() => null))?.size ?? 0;
      if (offset !== 0 && offset !== current)
        throw new HttpError(
          409,
          `Upload ${name}: expected the chunk at offset ${current}, got ${offset}; resend from ${current}.`,
          { received: current, size },
        );
      if (offset === 0) {
        const free = await statfs(dir).then(
          (s) => s.bavail * s.bsize,
          () => Infinity,
        );
        if (size > free)
          throw new HttpError(
            507,
            `Upload ${name}: the file is ${size} bytes and the host's disk has ${free} bytes free.`,
          );
      }
      let count = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          count += chunk.length;
          if (count > length)
            callback(new HttpError(400, `Upload ${name}: the body is longer than its Content-Length.`));
          else callback(null, chunk);
        },
      });
      const handle = await open(part, offset === 0 ? 'w' : 'r+');
      wrote = true;
      await pipeline(req, counter, handle.createWriteStream({ start: offset }));
      if (count !== length)
        throw new HttpError(400, `Upload ${name}: the chunk ended after ${count} of ${length} bytes.`);
      const received = offset + length;
      const reply: UploadChunkReply = { received, size, done: received === size };
      if (reply.done) {
        const final = path.join(dir, base);
        await rename(part, final);
        reply.path = final;
        reply.root = root;
      }
      send(res, 200, reply);
    } catch (error) {
      // Whatever this chunk wrote is undone: the partial file ends where the last good chunk did.
      if (part && wrote) await truncate(part, offset).catch(() => undefined);
      throw error;
    } finally {
      writing.delete(key);
      settle();
    }
  }

  async function deleteUpload(res: http.ServerResponse, id: string) {
    cancelled.add(id);
    // A chunk still arriving is cut off first, so nothing is written after the folder goes.
    const pending = [...writing.values()].filter((w) => w.id === id);
    for (const w of pending) w.req.destroy();
    await Promise.all(pending.map((w) => w.done));
    const dir = path.join(uploadsDir, id);
    const existed = await lstat(dir).then(
      () => true,
      () => false,
    );
    await rm(dir, { recursive: true, force: true });
    send(res, 200, { removed: existed });
  }

  async function browse(res: http.ServerResponse, url: URL) {
    const rootList = roots.map((root, i) => ({
      name: i === 0 ? 'Workspace' : path.basename(root) || root,
      path: root,
    }));
    const given = url.searchParams.get('path');
    if (given === null || given === '') {
      const reply: BrowseReply = {
        path: null,
        parent: null,
        roots: rootList,
        entries: rootList.map((r) => ({ name: r.name, path: r.path, kind: 'folder' })),
        truncated: false,
      };
      send(res, 200, reply);
      return;
    }
    const dir = await policy.check(given, 'The folder');
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) throw new HttpError(404, `The folder "${given}" does not exist (or is not a folder).`);
    const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort((a, b) => a.localeCompare(b));
    const entries: BrowseEntry[] = [];
    for (const name of names.slice(0, MAX_BROWSE_ENTRIES)) {
      const full = path.join(dir, name);
      const st = await stat(full).catch(() => null);
      if (!st || (!st.isDirectory() && !st.isFile())) continue;
      entries.push(
        st.isDirectory()
          ? { name, path: full, kind: 'folder', modified: st.mtime.toISOString() }
          : { name, path: full, kind: 'file', size: st.size, modified: st.mtime.toISOString() },
      );
    }
    entries.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'folder' ? -1 : 1));
    const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
    const isRoot = realRoots.includes(dir) || roots.includes(dir);
    const parent = isRoot ? null : path.dirname(dir);
    const reply: BrowseReply = {
      path: dir,
      parent: parent && realRoots.some((r) => inside(r, parent)) ? parent : null,
      roots: rootList,
      entries,
      truncated: names.length > MAX_BROWSE_ENTRIES,
    };
    send(res, 200, reply);
  }

  async function download(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const given = url.searchParams.get('path');
    if (!given) throw new HttpError(400, 'Say what to download: /api/download?path=<file or folder>.');
    const target = await policy.check(given, 'The download');
    const info = await stat(target).catch(() => null);
    if (!info) throw new HttpError(404, `"${given}" does not exist.`);
    const common = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    if (info.isFile()) {
      res.writeHead(200, {
        ...common,
        'Content-Type': 'application/octet-stream',
        'Content-Length': info.size,
        'Content-Disposition': attachment(path.basename(target)),
      });
      if (req.method === 'HEAD') res.end();
      else await pipeline(createReadStream(target), res);
      return;
    }
    if (!info.isDirectory()) throw new HttpError(400, `"${given}" is neither a file nor a folder.`);
    const files = await filesBelow(target);
    res.writeHead(200, {
      ...common,
      'Content-Type': 'application/zip',
      'Content-Disposition': attachment(`${path.basename(target)}.zip`),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // Streamed: one entry at a time, read in 1 MiB pieces, waiting whenever the socket is full.
    const zip = new Zip((error, chunk, final) => {
      if (error) res.destroy(error);
      else {
        res.write(chunk);
        if (final) res.end();
      }
    });
    for (const rel of files) {
      const file = path.join(target, ...rel.split('/'));
      const entry = COMPRESSIBLE.test(rel) ? new ZipDeflate(rel, { level: 6 }) : new ZipPassThrough(rel);
      entry.mtime = (await stat(file)).mtime;
      zip.add(entry);
      for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
        if (res.destroyed) {
          zip.terminate();
          return;
        }
        entry.push(chunk as Buffer);
        if (res.writableNeedDrain) await once(res, 'drain');
      }
      entry.push(new Uint8Array(0), true);
    }
    zip.end();
  }

  return {
    async handle(req, res, url) {
      if (!url.pathname.startsWith('/api/')) return false;
      try {
        const upload = /^\/api\/uploads\/([^/]+)(?:\/(.+))?$/.exec(url.pathname);
        if (upload) {
          const id = decode(upload[1]!, 'upload id');
          if (!UploadIdPattern.test(id))
            throw new HttpError(400, 'An upload id is 1 to 64 letters, digits, "-" or "_".');
          if (req.method === 'DELETE' && upload[2] === undefined) await deleteUpload(res, id);
          else if (req.method === 'PUT' && upload[2] !== undefined) {
            // A file name, or a folder's file by its "/"-separated path: every part a plain name.
            const parts = upload[2].split('/').map((part) => decode(part, 'file name'));
            const name = parts.join('/');
            if (parts.length > MAX_UPLOAD_DEPTH || name.length > 1024)
              throw new HttpError(
                400,
                `Upload "${name}": at most ${MAX_UPLOAD_DEPTH} folders deep and 1024 characters.`,
              );
            for (const part of parts) {
              const problem = uploadNameProblem(part);
              if (problem) throw new HttpError(400, `Upload "${name}": ${problem}.`);
            }
            await putChunk(req, res, url, id, name);
          } else throw new HttpError(405, 'Uploads take PUT /api/uploads/<id>/<name> and DELETE /api/uploads/<id>.');
        } else if (url.pathname === '/api/browse' && req.method === 'GET') await browse(res, url);
        else if (url.pathname === '/api/download' && (req.method === 'GET' || req.method === 'HEAD'))
          await download(req, res, url);
        else throw new HttpError(404, `No such API: ${req.method} ${url.pathname}.`);
      } catch (error) {
        if (error instanceof HttpError) send(res, error.status, { error: error.message, ...error.extra });
        else if (error instanceof UserError) send(res, 403, { error: error.message });
        else if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || req.destroyed) {
          // The browser went away (a cancelled upload): there is no one to answer.
          res.destroy();
        } else send(res, 500, { error: `The host could not do that: ${(error as Error).message}` });
      }
      return true;
    },
  };
}
