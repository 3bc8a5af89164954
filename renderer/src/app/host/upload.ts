import { MAX_UPLOAD_CHUNK, UploadChunkReply } from '../../../../app/ipc/host-files';
import type { TransferProgress } from './types';

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface UploadOptions {
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /** Bytes per request; the server refuses more than MAX_UPLOAD_CHUNK. */
  chunkSize?: number;
  fetch?: Fetch;
  /** Prefix of the API's address: "." (next to the page, which the host serves under its secret prefix) by default. */
  base?: string;
}

interface Target {
  id: string;
  /** The file's name, or its "/"-separated path inside an uploaded folder. */
  name: string;
}

const newUploadId = () =>
  `up-${Date.now().toString(36)}-${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

async function problemOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: the status says it
  }
  return `the host answered ${res.status} ${res.statusText}`;
}

/**
 * Streams a file to the host (PUT /api/uploads/<id>/<name>, app/ipc/host-files.ts) one chunk at a
 * time: each chunk is a slice of the File, read by the browser from disk as it is sent, so the
 * page never holds more than one chunk. Resolves to the file's path on the host. A cancel (the
 * signal) or a failure deletes what was sent.
 */
export async function uploadFile(file: File, options: UploadOptions = {}): Promise<string> {
  const id = newUploadId();
  try {
    return (await sendFile(file, { id, name: file.name }, options)).path;
  } catch (error) {
    await discard(id, options);
    throw error;
  }
}

/** Cancelled or failed: nothing of the upload may stay on the host. */
async function discard(id: string, options: UploadOptions): Promise<void> {
  const doFetch: Fetch = options.fetch ?? ((input, init) => fetch(input, init));
  await doFetch(`${options.base ?? '.'}/api/uploads/${id}`, {
    method: 'DELETE',
    credentials: 'same-origin',
    keepalive: true,
  }).catch(() => undefined);
}

/**
 * Streams a folder's files (each with its path below the folder's parent, "pets/cats/a.png") to
 * one upload on the host, a few files at once, and answers the folder's path there
 * (`<workspace>/uploads/<id>/pets`), to be imported by path. Progress counts bytes of all files.
 */
export async function uploadFolder(
  files: readonly { path: string; file: File }[],
  options: UploadOptions = {},
): Promise<string> {
  const id = newUploadId();
  const total = files.reduce((n, f) => n + f.file.size, 0);
  const sent = new Map<string, number>();
  const report = () => options.onProgress?.({ sent: [...sent.values()].reduce((a, b) => a + b, 0), total });
  let root: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const { path, file } = files[next++]!;
      const reply = await sendFile(
        file,
        { id, name: path },
        {
          ...options,
          onProgress: (p) => {
            sent.set(path, p.sent);
            report();
          },
        },
      );
      root ??= reply.root;
    }
  };
  try {
    report();
    // A few at once: small images are mostly round trips; the host takes MAX_UPLOADS_AT_ONCE writers.
    await Promise.all(Array.from({ length: Math.min(3, files.length) }, worker));
  } catch (error) {
    await discard(id, options);
    throw error;
  }
  const top = files[0]?.path.split('/')[0];
  if (!root || !top) throw new Error('The folder holds no files to upload.');
  return `${root}/${top}`;
}

/** One file, chunk by chunk, to `target`; its path (and the upload's folder) on the host once complete. */
async function sendFile(
  file: File,
  target: Target,
  options: UploadOptions,
): Promise<{ path: string; root: string | undefined }> {
  const doFetch: Fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const base = options.base ?? '.';
  const chunk = Math.min(options.chunkSize ?? MAX_UPLOAD_CHUNK, MAX_UPLOAD_CHUNK);
  const name = target.name.split('/').map(encodeURIComponent).join('/');
  const at = (offset: number) => `${base}/api/uploads/${target.id}/${name}?offset=${offset}&size=${file.size}`;
  let offset = 0;
  options.onProgress?.({ sent: 0, total: file.size });
  for (;;) {
    options.signal?.throwIfAborted();
    const res = await doFetch(at(offset), {
      method: 'PUT',
      body: file.slice(offset, Math.min(file.size, offset + chunk)),
      credentials: 'same-origin',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (res.status === 429) {
      // The host is taking other files: wait for a turn.
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    if (res.status === 409) {
      // The host kept a different amount than we think (a chunk cut off): go on from there.
      const body = (await res.json().catch(() => ({}))) as { received?: unknown };
      if (typeof body.received === 'number') {
        offset = body.received;
        continue;
      }
    }
    if (!res.ok) throw new Error(`Could not upload ${target.name}: ${await problemOf(res)}`);
    const reply = UploadChunkReply.parse(await res.json());
    offset = reply.received;
    options.onProgress?.({ sent: offset, total: file.size });
    if (reply.done && reply.path) return { path: reply.path, root: reply.root };
  }
}
