/**
 * What the user gave for an image import, as files with their place in the dropped folder
 * ("pets/cats/a.png"), from a folder input (webkitdirectory), a dropped folder (walked through
 * the File System entries API) or a single .zip.
 */
export interface PickedFile {
  path: string;
  file: File;
}

export interface ImageSelection {
  /** The folder or zip's name, as the dataset will be called. */
  name: string;
  kind: 'folder' | 'zip';
  files: PickedFile[];
  bytes: number;
  /**
   * The folder or .zip's path on the main side (a native dialog, a drop in the desktop app, the
   * host's file browser): imported from there, nothing is sent. `files` is empty then.
   */
  path?: string;
}

/** A folder or .zip the main side can open by path. */
export function selectionFromPath(path: string, kind: ImageSelection['kind']): ImageSelection {
  const name =
    path
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? path;
  return { name: kind === 'zip' ? name.replace(/\.zip$/i, '') : name, kind, files: [], bytes: 0, path };
}

export const isZipName = (name: string) => name.toLowerCase().endsWith('.zip');

/** Files the operating system or a browser leaves in folders: never worth sending. */
const isJunk = (path: string) =>
  path
    .split('/')
    .some((part) => part.startsWith('.') || part === '__MACOSX' || /^(thumbs\.db|desktop\.ini)$/i.test(part));

export function selectionOf(name: string, kind: ImageSelection['kind'], files: PickedFile[]): ImageSelection {
  const kept = files.filter((f) => !isJunk(f.path));
  return { name, kind, files: kept, bytes: kept.reduce((n, f) => n + f.file.size, 0) };
}

/** A folder chosen with <input webkitdirectory>: every file carries its path below the chosen folder's parent. */
export function selectionFromFolderInput(list: FileList): ImageSelection | null {
  const files = Array.from(list).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  if (files.length === 0) return null;
  const top = files[0]?.path.split('/')[0] ?? 'images';
  return selectionOf(top, 'folder', files);
}

export function selectionFromZip(file: File): ImageSelection {
  return selectionOf(file.name.replace(/\.zip$/i, ''), 'zip', [{ path: file.name, file }]);
}

const readEntries = (reader: FileSystemDirectoryReader) =>
  new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    out.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries hands out a folder's entries in batches (100 in Chromium) until it returns none.
  for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
    for (const child of batch) await walk(child, out);
  }
}

/**
 * A drop that is an image import: one folder, or one .zip. Anything else (a CSV) is null and
 * goes the table's way. The entries must be taken synchronously in the drop handler; the walk
 * itself is asynchronous.
 */
export function imageDrop(transfer: DataTransfer): Promise<ImageSelection> | null {
  const entries = Array.from(transfer.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null)
    .filter((e): e is FileSystemEntry => e !== null);
  const first = entries[0];
  if (entries.length === 1 && first?.isDirectory) {
    return (async () => {
      const files: PickedFile[] = [];
      await walk(first, files);
      return selectionOf(first.name, 'folder', files);
    })();
  }
  const file = transfer.files[0];
  if (transfer.files.length === 1 && file && isZipName(file.name)) return Promise.resolve(selectionFromZip(file));
  return null;
}
