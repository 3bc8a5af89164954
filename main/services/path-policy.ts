import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../app/ipc/errors';

/**
 * Which paths that arrive through the contract (dataset.importPath, dataset.importImages by path,
 * model.import by path, export.model's outDir) may reach the filesystem.
 *
 * In Electron a path comes from the user's own native dialog: any path goes. In host mode a path
 * comes from whoever holds the token, so it must lie inside the workspace or a folder the user
 * named when starting the host (`layerlab host --data-root DIR`); anything else is refused before
 * it is opened, read or written, and the refusal never quotes a file's contents. The CLI's own
 * path arguments do not go through the contract and stay free.
 */
export interface PathPolicy {
  /**
   * The path to use for `input` (absolute, symlinks resolved where it exists), or a UserError
   * naming it when it is outside what this policy allows. `what` names it in the message.
   */
  check(input: string, what: string): Promise<string>;
}

/** Electron: the user's own dialogs give the paths. Absolute is all that is asked. */
export const anyPath: PathPolicy = {
  check: async (input, what) => {
    if (!path.isAbsolute(input)) throw new UserError(`${what} "${input}" is not an absolute path.`);
    return path.resolve(input);
  },
};

const inside = (root: string, file: string): boolean => {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
};

/**
 * The path with every existing part's symlinks resolved: the deepest existing ancestor's
 * realpath, joined with the parts that do not exist yet (an export folder to be created).
 */
async function realOrAncestor(file: string): Promise<string> {
  const missing: string[] = [];
  let at = file;
  for (;;) {
    try {
      return path.join(await realpath(at), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = path.dirname(at);
      if (parent === at) return file;
      missing.push(path.basename(at));
      at = parent;
    }
  }
}

/**
 * Host mode: paths inside `roots` only (the workspace and every --data-root). `..` is resolved
 * first, then the path is checked as written (so a path outside is refused without touching the
 * filesystem) and again after resolving symlinks (so a link inside a root cannot lead out of it).
 */
export function pathsInside(roots: readonly string[]): PathPolicy {
  const given = roots.map((r) => path.resolve(r));
  const refusal = (input: string, what: string) =>
    new UserError(
      `${what} "${input}" is outside the folders this host may use (the workspace ${given[0] ?? ''}${given.length > 1 ? ` and the data folders ${given.slice(1).join(', ')}` : ''}); nothing was read or written. ` +
        'To allow it, start the host with --data-root <folder> (repeatable; npm run host -- --data-root <folder>), or copy the file into one of those folders.',
    );
  return {
    check: async (input, what) => {
      if (!path.isAbsolute(input)) throw new UserError(`${what} "${input}" is not an absolute path.`);
      const file = path.resolve(input);
      // The roots may themselves be links (/tmp on macOS): compare with both spellings.
      const real = await Promise.all(given.map(realOrAncestor));
      if (![...given, ...real].some((root) => inside(root, file))) throw refusal(input, what);
      const resolved = await realOrAncestor(file);
      if (!real.some((root) => inside(root, resolved))) throw refusal(input, what);
      return resolved;
    },
  };
}
