import { MAX_UPLOAD_CHUNK, UploadChunkReply } from '../../../../app/ipc/host-files';
import type { TransferProgress } from './types';

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface UploadOptions {
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /** Bytes per request; the server refuses more than MAX_UPLOAD_CHUNK. */
  chunkSize?: number;
  fetch?: Fetch;
  /** Prefix of the API's address ("" on the host's own page). */
  base?: string;
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
  const doFetch: Fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const base = options.base ?? '';
  const chunk = Math.min(options.chunkSize ?? MAX_UPLOAD_CHUNK, MAX_UPLOAD_CHUNK);
  const id = newUploadId();
  const at = (offset: number) =>
    `${base}/api/uploads/${id}/${encodeURIComponent(file.name)}?offset=${offset}&size=${file.size}`;
  let offset = 0;
  options.onProgress?.({ sent: 0, total: file.size });
  try {
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
      if (!res.ok) throw new Error(`Could not upload ${file.name}: ${await problemOf(res)}`);
      const reply = UploadChunkReply.parse(await res.json());
      offset = reply.received;
      options.onProgress?.({ sent: offset, total: file.size });
      if (reply.done && reply.path) return reply.path;
    }
  } catch (error) {
    // Cancelled or failed: the partial file must not stay on the host.
    await doFetch(`${base}/api/uploads/${id}`, { method: 'DELETE', credentials: 'same-origin', keepalive: true }).catch(
      () => undefined,
    );
    throw error;
  }
}
