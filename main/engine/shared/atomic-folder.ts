import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsyncDir, fsyncTree } from '../../data/atomic-write';

/** A folder could not be written; the message names it and says what to do. */
export class FolderWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FolderWriteError';
  }
}

/** Turn an fs error on `folder` into a sentence a user can act on. */
export function describeWriteError(folder: string, error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return `Cannot write to the folder ${folder}: part of that path is a file, not a folder. Choose another folder.`;
    case 'EACCES':
    case 'EPERM':
      return `Cannot write to the folder ${folder}: permission denied. Choose a folder you can write to.`;
    case 'EROFS':
      return `Cannot write to the folder ${folder}: it is on a read-only disk. Choose another folder.`;
    case 'ENOSPC':
      return `Cannot write to the folder ${folder}: the disk is full. Free some space or choose another disk.`;
    default:
      return `Cannot write to the folder ${folder}: ${error instanceof Error ? error.message : String(error)}. Choose another folder.`;
  }
}

async function statOrNull(p: string) {
  try {
    return await fs.stat(p);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw error;
  }
}

export interface StagedFolder {
  /** Write everything here; nothing is visible in the target until commit. */
  dir: string;
  /** Move the staged files into the target folder. */
  commit(): Promise<string[]>;
  /** Remove the staging folder (safe to call after commit or twice). */
  abort(): Promise<void>;
}

const tmpName = (base: string) => `.${base}.tmp-${randomBytes(4).toString('hex')}`;

/**
 * Stage files for `target` so a failure never leaves it half-written. A new target is staged as
 * a hidden sibling and renamed into place in one step. An existing folder (a re-export into the
 * same place, maybe with the user's own files in it) is staged inside itself, on the same disk,
 * and each file is renamed over its old version: each file is replaced whole, others are kept.
 * The folder counterpart of writeFileAtomic (main/data/atomic-write.ts), with its guarantees:
 * at commit every staged file and folder is fsynced before the renames, and the folders renamed
 * into after them, so a committed folder survives a power cut too.
 */
export async function stageFolder(target: string): Promise<StagedFolder> {
  const folder = path.resolve(target);
  let existing;
  try {
    existing = await statOrNull(folder);
  } catch (error) {
    throw new FolderWriteError(describeWriteError(folder, error));
  }
  if (existing && !existing.isDirectory()) {
    throw new FolderWriteError(
      `Cannot write to the folder ${folder}: it is a file, not a folder. Choose another folder.`,
    );
  }
  const intoExisting = existing !== null;
  const parent = path.dirname(folder);
  const dir = intoExisting ? path.join(folder, tmpName('layerlab')) : path.join(parent, tmpName(path.basename(folder)));
  try {
    if (!intoExisting) await fs.mkdir(parent, { recursive: true });
    await fs.mkdir(dir);
  } catch (error) {
    throw new FolderWriteError(describeWriteError(folder, error));
  }

  const abort = async () => {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  const moveFilesInto = async (): Promise<string[]> => {
    await fs.mkdir(folder, { recursive: true });
    const names = (await fs.readdir(dir)).sort();
    // model.json last: a reader that finds it finds the weights it points at.
    names.sort((a, b) => Number(a === 'model.json') - Number(b === 'model.json'));
    for (const name of names) await fs.rename(path.join(dir, name), path.join(folder, name));
    await fs.rmdir(dir);
    await fsyncDir(folder);
    return names.map((n) => path.join(folder, n));
  };
  const commit = async (): Promise<string[]> => {
    try {
      await fsyncTree(dir);
      if (intoExisting) return await moveFilesInto();
      const names = (await fs.readdir(dir)).sort();
      try {
        await fs.rename(dir, folder);
      } catch (error) {
        // Someone created the target meanwhile: fall back to replacing file by file.
        const code = (error as { code?: string }).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR') throw error;
        return await moveFilesInto();
      }
      await fsyncDir(parent);
      return names.map((n) => path.join(folder, n));
    } catch (error) {
      await abort();
      throw new FolderWriteError(describeWriteError(folder, error));
    }
  };
  return { dir, commit, abort };
}
