/**
 * Which files belong to which class, from relative paths alone, shared by folders and zips.
 * The Keras image_dataset_from_directory convention: every subfolder of the chosen folder is a
 * class, named after it, and every file anywhere below it is a candidate image of that class.
 */

/** Files no person put there on purpose: never listed as skipped. */
export function isIgnoredPath(path: string): boolean {
  return path
    .split('/')
    .some((part) => part.startsWith('.') || part === '__MACOSX' || /^(thumbs\.db|desktop\.ini)$/i.test(part));
}

export interface ClassLayout<F extends { path: string }> {
  /** Class folder names, sorted by code point (as Keras sorts), including folders without files. */
  classes: string[];
  /** Files per class, sorted by path, in classes order. */
  files: Map<string, F[]>;
  /** Files that sit directly in the chosen folder instead of a class folder. */
  loose: F[];
  /** Folders stripped off the top because they were the only thing there ("pets/" in a zip of pets/). */
  prefix: string;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Group files into classes. A zip often wraps the class folders in one folder named like the
 * dataset (pets.zip → pets/cats/…): while everything sits in a single folder that itself holds
 * folders, that folder is stepped into. `dirs` are folder paths known to exist (so an empty
 * class folder is still reported); paths use "/" and have no leading "/".
 */
export function layoutClasses<F extends { path: string }>(
  files: readonly F[],
  dirs: readonly string[],
): ClassLayout<F> {
  const kept = files.filter((f) => !isIgnoredPath(f.path));
  const keptDirs = dirs.map((d) => d.replace(/\/+$/, '')).filter((d) => d !== '' && !isIgnoredPath(d));
  let prefix = '';
  for (;;) {
    const under = (p: string) => p.slice(prefix.length);
    const tops = new Set<string>();
    let looseHere = false;
    for (const f of kept) {
      if (!f.path.startsWith(prefix)) continue;
      const rest = under(f.path);
      const slash = rest.indexOf('/');
      if (slash < 0) looseHere = true;
      else tops.add(rest.slice(0, slash));
    }
    for (const d of keptDirs) if (d.startsWith(prefix) && under(d) !== '') tops.add(under(d).split('/')[0] ?? '');
    if (looseHere || tops.size !== 1) break;
    const only = `${prefix}${[...tops][0] ?? ''}/`;
    // Step in only when the single folder holds folders: otherwise it is the one class itself.
    const hasSubfolders =
      kept.some((f) => f.path.startsWith(only) && f.path.slice(only.length).includes('/')) ||
      keptDirs.some((d) => d.startsWith(only) && d.length > only.length);
    if (!hasSubfolders) break;
    prefix = only;
  }

  const grouped = new Map<string, F[]>();
  const loose: F[] = [];
  for (const d of keptDirs) {
    if (!d.startsWith(prefix)) continue;
    const name = d.slice(prefix.length).split('/')[0];
    if (name && !grouped.has(name)) grouped.set(name, []);
  }
  for (const f of kept) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      loose.push(f);
      continue;
    }
    const name = rest.slice(0, slash);
    const list = grouped.get(name) ?? [];
    list.push(f);
    grouped.set(name, list);
  }
  const classes = [...grouped.keys()].sort(byCodePoint);
  const byClass = new Map(classes.map((c) => [c, (grouped.get(c) ?? []).sort((a, b) => byCodePoint(a.path, b.path))]));
  return { classes, files: byClass, loose: loose.sort((a, b) => byCodePoint(a.path, b.path)), prefix };
}
