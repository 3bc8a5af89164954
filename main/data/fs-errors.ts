import { mkdir } from 'node:fs/promises';
import { UserError } from '../../app/ipc/errors';

/** Node's error codes in words a user can act on. */
function reasonFor(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'the folder does not exist';
    case 'ENOTDIR':
      return 'part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder';
    case 'EROFS':
      return 'the disk is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is exceeded';
    case 'EEXIST':
      return 'something with that name is already there';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open at once';
    case 'ELOOP':
      return 'its symbolic links loop back on themselves';
    case 'EIO':
      return 'the disk reported an input/output error';
    case 'EBUSY':
      return 'it is in use by another program';
    case 'EFBIG':
      return 'the file is too large for this disk';
    default:
      return code ?? 'unknown error';
  }
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** "Cannot write /x/y: permission denied. Choose another folder." A UserError passes through. */
export function writeError(path: string, error: unknown): Error {
  if (error instanceof UserError) return error;
  const code = errorCode(error);
  // Running out of file handles or space is no fault of the folder: say what helps instead.
  const advice = adviceFor(code) || ' Choose another folder.';
  return new UserError(`Cannot write ${path}: ${reasonFor(code)}.${advice}`);
}

/** "Cannot read /x/y: the folder does not exist." */
export function readError(path: string, error: unknown): Error {
  if (error instanceof UserError) return error;
  const code = errorCode(error);
  const reason = code === 'ENOENT' ? 'no such file' : reasonFor(code);
  return new UserError(`Cannot read ${path}: ${reason}.`);
}

/** What the user can do about it, where there is something to do. */
function adviceFor(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return ' Free some space on that disk, then try again.';
    case 'EMFILE':
    case 'ENFILE':
      return ' Close other programs or raise the open-file limit, then try again.';
    case 'ELOOP':
      return ' Point it at the real file or folder instead.';
    default:
      return '';
  }
}

const SYSCALL_VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  readdir: 'read',
  scandir: 'read',
  stat: 'read',
  lstat: 'read',
  realpath: 'read',
  access: 'read',
  write: 'write',
  writev: 'write',
  fsync: 'write',
  ftruncate: 'write',
  copyfile: 'write',
  rename: 'write',
  symlink: 'write',
  mkdir: 'create the folder',
  mkdtemp: 'create a folder in',
  unlink: 'delete',
  rmdir: 'delete',
  rm: 'delete',
};

/**
 * A system error that got this far (ENOSPC from a write deep in an import, ELOOP from a path)
 * as a sentence naming the path: "Cannot write /w/x: the disk is full. Free some space on that
 * disk, then try again." Null for anything else, which stays as it is.
 */
export function systemErrorSentence(error: unknown): string | null {
  const code = errorCode(error);
  if (!code || !/^E[A-Z]+$/.test(code)) return null;
  const { syscall, path } = error as { syscall?: unknown; path?: unknown };
  const verb = typeof syscall === 'string' ? (SYSCALL_VERBS[syscall] ?? 'use') : 'use';
  const where = typeof path === 'string' ? path : 'a file';
  const reason = code === 'ENOENT' ? 'no such file or folder' : reasonFor(code);
  return `Cannot ${verb} ${where}: ${reason}.${adviceFor(code)}`;
}

/** mkdir -p whose failure names the folder the user chose. */
export async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw writeError(path, error);
  }
}
