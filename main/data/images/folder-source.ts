import { readFileSync, statSync, type Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../../app/ipc/errors';
import { errorCode, readError } from '../fs-errors';
import { MAX_FILE_BYTES, type ImageSource, type SourceFile } from './image-source';

/** Deeper than this below a class folder is almost surely a mistake (or a link loop). */
const MAX_DEPTH = 16;
/** More files than this is not an image dataset we can hold an index of. */
export const MAX_SOURCE_FILES = 2_000_000;
/** Files up to this size are read without leaving the event loop (see read() below). */
const SYNC_READ_BYTES = 1024 * 1024;

interface FolderFile extends SourceFile {
  absolute: string;
  /** A symbolic link: where it leads is checked against `linkAllowed` before it is read. */
  link?: true;
}

/**
 * Whether a symbolic link's target may be read: host mode allows only targets inside the
 * workspace and --data-root folders (main/services/path-policy.ts). Resolves or throws.
 */
export type LinkCheck = (absolute: string) => Promise<unknown>;

function readReason(error: unknown): string {
  const code = errorCode(error);
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  if (code === 'ENOENT') return 'disappeared during the import';
  return `cannot be read (${code ?? String(error)})`;
}

/**
 * Every file below `root`. Symbolic links to files are followed (where `linkAllowed` accepts
 * their target; else skipped with that reason); links to folders are not (they can loop), and are
 * simply not entered.
 */
export async function folderSource(root: string, linkAllowed?: LinkCheck): Promise<ImageSource> {
  const files: FolderFile[] = [];
  const dirs: string[] = [];
  const walk = async (absolute: string, relative: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(absolute, { withFileTypes: true });
    } catch (error) {
      if (depth === 0) {
        if (errorCode(error) === 'ENOENT') throw new UserError(`Cannot import ${root}: no such folder.`);
        throw readError(root, error);
      }
      // An unreadable subfolder is reported as one skipped entry rather than ending the import.
      files.push({ path: relative, absolute });
      return;
    }
    for (const entry of entries) {
      const childAbsolute = join(absolute, entry.name);
      const childRelative = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        dirs.push(childRelative);
        if (depth < MAX_DEPTH) await walk(childAbsolute, childRelative, depth + 1);
      } else {
        // Named pipes, sockets and devices are listed too, and skipped as "not a regular file"
        // when read (below), never read.
        const link = entry.isSymbolicLink();
        if (link) {
          const info = await stat(childAbsolute).catch(() => null);
          if (info?.isDirectory()) continue;
        }
        files.push({ path: childRelative, absolute: childAbsolute, ...(link ? { link } : {}) });
        if (files.length > MAX_SOURCE_FILES)
          throw new UserError(
            `${root} holds more than ${MAX_SOURCE_FILES.toLocaleString('en')} files; import a smaller folder.`,
          );
      }
    }
  };
  await walk(root, '', 0);

  return {
    name: basename(root),
    files,
    dirs,
    plan() {
      // Files are read one by one from disk: no read-ahead to arrange.
    },
    async read(file) {
      const { absolute, link } = file as FolderFile;
      if (link && linkAllowed) {
        const allowed = await linkAllowed(absolute).then(
          () => true,
          () => false,
        );
        if (!allowed) return { reason: 'a link to a file outside the folders this host may use; not read' };
      }
      try {
        // Small files are read synchronously: a folder of thousands of small images spent more
        // time in libuv's thread hops (stat, open, fstat, read, close: five each) than reading
        // them; 1,797 files took ~210 ms that way and ~35 ms like this. Large ones stay async
        // so that a slow disk never holds the event loop for long.
        const info = statSync(absolute);
        if (info.isDirectory()) return { reason: 'cannot be read (a folder that could not be opened)' };
        // A named pipe, socket or device (here through a link): reading it may never end.
        if (!info.isFile()) return { reason: 'not a regular file' };
        if (info.size > MAX_FILE_BYTES)
          return {
            reason: `the file is ${(info.size / 2 ** 20).toFixed(0)} MiB; files over ${MAX_FILE_BYTES / 2 ** 20} MiB are skipped`,
          };
        return info.size <= SYNC_READ_BYTES ? readFileSync(absolute) : await readFile(absolute);
      } catch (error) {
        return { reason: readReason(error) };
      }
    },
  };
}
