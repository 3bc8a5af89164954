import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  MAX_UPLOAD_BYTES,
  MAX_UPLOAD_FILES,
  UploadPath,
  type UploadPart,
  type UploadStatus,
} from '../../../app/ipc/image-contract';
import { UserError } from '../../../app/ipc/errors';
import { ensureDir, writeError } from '../fs-errors';

/** Staging folders are dot-folders in datasets/: never listed, never taken for a dataset. */
export const UPLOAD_PREFIX = '.upload-';
/** An upload nobody touched for this long is abandoned (a closed tab): removed when another starts. */
const IDLE_MS = 60 * 60 * 1000;

interface Upload {
  dir: string;
  /** Bytes received per file path; the next piece of a file must start where it ends. */
  sizes: Map<string, number>;
  bytes: number;
  touchedAt: number;
  /** Pieces of one upload are written one request at a time, in the order they came. */
  queue: Promise<unknown>;
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(0)} GiB`;

/**
 * Files a browser sends for an image import (a dropped folder or zip), written to
 * <datasets>/.upload-<id>/ as they come, then imported from there like any folder or zip and
 * removed. Every path is checked twice (by the contract, then resolved here) to stay inside the
 * staging folder; sizes and file counts are capped; the pieces of a file must arrive in order.
 */
export class UploadStore {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly now: () => number = Date.now) {}

  private key(datasetsDir: string, uploadId: string): string {
    return `${datasetsDir}\u0000${uploadId}`;
  }

  /** The staging folder of an upload (whether or not it exists). */
  stagingDir(datasetsDir: string, uploadId: string): string {
    return join(datasetsDir, `${UPLOAD_PREFIX}${uploadId}`);
  }

  /** Write pieces of files; returns the upload's totals so far. */
  async append(datasetsDir: string, uploadId: string, parts: readonly UploadPart[]): Promise<UploadStatus> {
    const key = this.key(datasetsDir, uploadId);
    let upload = this.uploads.get(key);
    if (!upload) {
      const dir = this.stagingDir(datasetsDir, uploadId);
      // Registered before any await, so a second upload starting meanwhile sees this one as live.
      upload = { dir, sizes: new Map(), bytes: 0, touchedAt: this.now(), queue: Promise.resolve() };
      this.uploads.set(key, upload);
      upload.queue = (async () => {
        await this.removeAbandoned(datasetsDir);
        await ensureDir(datasetsDir);
        // A fresh folder: leftovers of a host that stopped mid-upload must not mix in.
        await rm(dir, { recursive: true, force: true });
        try {
          await mkdir(dir);
        } catch (error) {
          throw writeError(dir, error);
        }
      })();
      // A staging folder that could not be made fails this request and lets the next one try again.
      upload.queue.catch(() => this.uploads.delete(key));
    }
    const current = upload;
    const task = current.queue.then(() => this.write(current, parts));
    current.queue = task.catch(() => undefined);
    return task;
  }

  private async write(upload: Upload, parts: readonly UploadPart[]): Promise<UploadStatus> {
    upload.touchedAt = this.now();
    for (const part of parts) {
      const path = UploadPath.parse(part.path);
      const target = resolve(upload.dir, ...path.split('/'));
      if (!target.startsWith(upload.dir + sep) || relative(upload.dir, target).split(sep).includes('..')) {
        throw new UserError(`The uploaded file "${part.path}" would land outside the upload folder; it is refused.`);
      }
      const bytes = Buffer.from(part.data, 'base64');
      const have = upload.sizes.get(path);
      if (have === undefined && part.offset !== 0)
        throw new UserError(
          `The upload of "${path}" starts at byte ${part.offset}, not 0; send the file again from its start.`,
        );
      if (have !== undefined && part.offset !== have)
        throw new UserError(
          `The upload of "${path}" jumps to byte ${part.offset} after ${have} bytes; send the file again from its start.`,
        );
      if (have === undefined && upload.sizes.size >= MAX_UPLOAD_FILES)
        throw new UserError(
          `An upload holds at most ${MAX_UPLOAD_FILES.toLocaleString('en')} files; import a smaller folder or a zip.`,
        );
      if (upload.bytes + bytes.length > MAX_UPLOAD_BYTES)
        throw new UserError(`The upload is over ${gib(MAX_UPLOAD_BYTES)}; import a smaller folder.`);
      try {
        if (have === undefined) await mkdir(dirname(target), { recursive: true });
        // 'wx' for a new file refuses a path that is already there (a folder named like a file).
        const handle = await open(target, have === undefined ? 'wx' : 'r+');
        try {
          let written = 0;
          while (written < bytes.length) {
            const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, part.offset + written);
            written += bytesWritten;
          }
        } finally {
          await handle.close();
        }
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw writeError(target, error);
      }
      upload.sizes.set(path, part.offset + bytes.length);
      upload.bytes += bytes.length;
    }
    return { files: upload.sizes.size, bytes: upload.bytes };
  }

  /**
   * What to import from a finished upload: the one folder or zip at its top (the dropped item,
   * so the dataset is named after it), or the staging folder itself when several were sent.
   */
  async importRoot(datasetsDir: string, uploadId: string): Promise<string> {
    const upload = this.uploads.get(this.key(datasetsDir, uploadId));
    if (!upload)
      throw new UserError(`No upload "${uploadId}" is waiting in this project; drop the folder or zip again.`);
    await upload.queue;
    const entries = await readdir(upload.dir);
    const only = entries.length === 1 ? entries[0] : undefined;
    return only === undefined ? upload.dir : join(upload.dir, only);
  }

  /** Remove an upload's staging folder; false when there was no such upload. */
  async discard(datasetsDir: string, uploadId: string): Promise<boolean> {
    const key = this.key(datasetsDir, uploadId);
    const upload = this.uploads.get(key);
    this.uploads.delete(key);
    if (upload) await upload.queue;
    await rm(this.stagingDir(datasetsDir, uploadId), { recursive: true, force: true }).catch(() => undefined);
    return upload !== undefined;
  }

  /** Staging folders in this datasets/ that no live upload owns, or idle too long. */
  private async removeAbandoned(datasetsDir: string): Promise<void> {
    const live = new Set<string>();
    for (const [key, upload] of this.uploads) {
      if (!key.startsWith(`${datasetsDir}\u0000`)) continue;
      if (this.now() - upload.touchedAt > IDLE_MS) this.uploads.delete(key);
      else live.add(upload.dir);
    }
    const names = await readdir(datasetsDir).catch(() => [] as string[]);
    for (const name of names) {
      const dir = join(datasetsDir, name);
      if (name.startsWith(UPLOAD_PREFIX) && !live.has(dir))
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
