import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeError } from './fs-errors';

/**
 * Open a folder and fsync it so a rename inside it survives a power cut. Windows cannot open a
 * folder this way and some file systems refuse; the rename itself is still atomic, so skip.
 */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort, see above
  }
}

/** A file's contents: whole, or chunks written one after another (a large matrix without a copy of it all). */
export type FileData = string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Write and fsync a file in place, with Node's own errors: for files inside a folder that is
 * itself renamed into place when complete (a dataset import), where a per-file rename adds
 * nothing.
 */
export async function writeFileSynced(path: string, data: FileData, flags = 'w'): Promise<void> {
  const handle = await open(path, flags);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else
      for await (const chunk of data) {
        for (let done = 0; done < chunk.length;)
          done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
      }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Write a file so that a reader sees either the old content or the new, never half of it: a
 * crash mid-write must not leave a truncated project.json. The temp file sits in the same folder
 * because rename is only atomic within one file system. The folder must exist.
 */
export async function writeFileAtomic(path: string, data: FileData): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFileSynced(temp, data, 'wx');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw writeError(path, error);
  }
  await fsyncDir(dir);
}

/** Pretty JSON with a final newline: project files are meant to be read and diffed by people. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
