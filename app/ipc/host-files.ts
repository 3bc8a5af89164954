import { z } from 'zod';

/**
 * Host mode's file API (main/host/file-api.ts), beside the contract: a browser cannot hand the
 * host a path, and the contract's WebSocket is the wrong pipe for gigabytes. So files travel over
 * plain authenticated HTTP on the same origin:
 *
 * - `PUT /api/uploads/<uploadId>/<name>?offset=N&size=TOTAL` — one chunk of a file's bytes as the
 *   request body (a folder's file is named by its path, "pets/cats/a.png", each part encoded);
 *   at most MAX_UPLOAD_CHUNK, streamed to `<workspace>/uploads/<uploadId>/<name>.part`;
 *   chunks arrive in order. When `offset + chunk = size` the file is renamed to `<name>` and its
 *   path is answered: the renderer then imports it by path (dataset.importPath and friends).
 * - `DELETE /api/uploads/<uploadId>` — cancel: the upload's folder and any partial file go.
 * - `GET /api/browse[?path=DIR]` — the workspace and --data-root folders, or one folder's entries
 *   inside them (the server-side file browser).
 * - `GET /api/download?path=P` — a file, or a folder as a streamed .zip (an export folder).
 *
 * The renderer and the server share these shapes and limits.
 */

/** Largest request body of one upload chunk; the renderer sends files in chunks of this size. */
export const MAX_UPLOAD_CHUNK = 8 * 1024 * 1024;
/** Largest file one upload may announce. */
export const MAX_UPLOAD_FILE = 64 * 1024 ** 3;
/** Uploads (files being written) at once across the host; another waits for its turn (HTTP 429). */
export const MAX_UPLOADS_AT_ONCE = 4;
/** Entries one folder listing shows; a larger folder says it was cut. */
export const MAX_BROWSE_ENTRIES = 5000;

export const UploadIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** Folders deep a file of an uploaded folder may lie ("pets/cats/a.png" is 3 parts). */
export const MAX_UPLOAD_DEPTH = 32;

/** A bare file name for an upload: no folders, no control characters, not hidden. */
export function uploadNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 255) return 'a file name is 1 to 255 characters';
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) return 'a file name cannot contain folders or control characters';
  if (name.startsWith('.')) return 'a file name cannot start with "."';
  if (name.endsWith('.part')) return 'a file name cannot end with ".part"';
  return null;
}

/** The host's answer to an upload chunk. `path` is set once the whole file is on disk. */
export const UploadChunkReply = z.object({
  received: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  done: z.boolean(),
  path: z.string().optional(),
  /** The upload's own folder on the host (<workspace>/uploads/<id>), once a file is complete. */
  root: z.string().optional(),
});
export type UploadChunkReply = z.infer<typeof UploadChunkReply>;

export const BrowseEntry = z.object({
  name: z.string(),
  path: z.string(),
  kind: z.enum(['folder', 'file']),
  /** Bytes, for files. */
  size: z.number().optional(),
  modified: z.string().optional(),
});
export type BrowseEntry = z.infer<typeof BrowseEntry>;

export const BrowseReply = z.object({
  /** The folder listed; null for the list of roots. */
  path: z.string().nullable(),
  /** The folder above, while it is still inside a root; null at a root. */
  parent: z.string().nullable(),
  /** The roots a browser may use: the workspace first, then every --data-root. */
  roots: z.array(z.object({ name: z.string(), path: z.string() })),
  entries: z.array(BrowseEntry),
  /** True when the folder held more than MAX_BROWSE_ENTRIES entries. */
  truncated: z.boolean(),
});
export type BrowseReply = z.infer<typeof BrowseReply>;

/** The query of PUT /api/uploads/…: validated before a byte of the body is read. */
export const UploadQuery = z
  .object({
    offset: z.coerce.number().int('offset is a whole number').nonnegative('offset cannot be negative'),
    size: z.coerce
      .number()
      .int('size is a whole number')
      .nonnegative('size cannot be negative')
      .max(MAX_UPLOAD_FILE, `a file is at most ${MAX_UPLOAD_FILE / 1024 ** 3} GiB`),
  })
  .refine((q) => q.offset <= q.size, 'offset lies beyond the file size');
