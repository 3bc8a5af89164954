import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeError } from './fs-errors';

/**
 * Layerlab's one way to write files so that a crash never leaves half of one; the staged folders
 * of exports and trained models (main/engine/shared/atomic-folder.ts) are built on these same
 * primitives. The one exception, on purpose: the engine's per-epoch checkpoint is written whole
 * and renamed into place but not fsynced (main/engine/process/checkpoint.ts says why).
 *
 * - writeFileAtomic(path, data): a reader sees the old content or the new, never a mix or a
 *   truncated file, whenever the process or the machine stops: the data goes to a temporary file
 *   in the same folder (rename is atomic only within one file system), which is fsynced, then
 *   renamed over the target, then the folder is fsynced so that the rename itself is on disk. On
 *   failure the temporary file is removed and the error names the path (a UserError). Not
 *   promised: creating the folder (it must exist), or an order between two concurrent writers of
 *   one path (the last rename wins).
 * - writeJsonAtomic: the same, for pretty JSON with a final newline.
 * - writeFileSynced: written and fsynced in place, without a rename: for files inside a staged
 *   folder that is itself renamed into place once complete.
 * - fsyncTree: every file and folder under a staged folder fsynced, before it is renamed into place.
 * - fsyncDir: a folder fsynced after a rename inside it; best effort (Windows cannot open a folder).
 */

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

/**
 * fsync every file and folder under `dir` (a staged folder, before it is renamed into place):
 * files opened for writing, which Windows needs to flush them; folders best effort (fsyncDir).
 */
export async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(full);
    else if (entry.isFile()) {
      const handle = await open(full, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }
  await fsyncDir(dir);
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
