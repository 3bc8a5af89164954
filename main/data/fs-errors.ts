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
  // Running out of file handles is no fault of the folder: another folder would fail the same.
  const advice =
    code === 'EMFILE' || code === 'ENFILE'
      ? 'Close other programs or raise the open-file limit, then try again.'
      : 'Choose another folder.';
  return new UserError(`Cannot write ${path}: ${reasonFor(code)}. ${advice}`);
}

/** "Cannot read /x/y: the folder does not exist." */
export function readError(path: string, error: unknown): Error {
  if (error instanceof UserError) return error;
  const code = errorCode(error);
  const reason = code === 'ENOENT' ? 'no such file' : reasonFor(code);
  return new UserError(`Cannot read ${path}: ${reason}.`);
}

/** mkdir -p whose failure names the folder the user chose. */
export async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw writeError(path, error);
  }
}
