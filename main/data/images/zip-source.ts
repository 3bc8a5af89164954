import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { unzipSync } from 'fflate';
import { UserError } from '../../../app/ipc/errors';
import { errorCode, readError } from '../fs-errors';
import { MAX_FILE_BYTES, type ImageSource, type SourceFile } from './image-source';
import { isIgnoredPath } from './class-layout';
import { MAX_SOURCE_FILES } from './folder-source';

/** fflate inflates from memory, and Node reads at most 2 GiB into one buffer. */
export const MAX_ZIP_BYTES = 2 * 1024 ** 3 - 1;
/** Everything in the zip unpacked: past this it is not a dataset but a zip bomb or a mistake. */
export const MAX_ZIP_EXPANDED = 64 * 1024 ** 3;
/** Real images barely compress; a file that inflates 1000× is a bomb. */
const MAX_RATIO = 1000;
/**
 * The whole archive: past 64 MiB unpacked, at most 100× its stored size (a zip of flat-coloured
 * BMPs compresses ~20×). What is inflated is bounded by the directory's sizes (fflate writes into
 * a buffer of the declared size, and a size mismatch marks the file damaged), so these checks on
 * the directory bound what inflating can take.
 */
export const MAX_ZIP_RATIO = 100;
const RATIO_FLOOR = 64 * 1024 * 1024;
/** Inflate ahead in batches of about this many bytes or files (each batch rescans the zip directory). */
const BATCH_BYTES = 32 * 1024 * 1024;
const BATCH_FILES = 256;

interface ZipFile extends SourceFile {
  /** The name as stored in the zip, for fflate. */
  entry: string;
  size: number;
  originalSize: number;
  compression: number;
}

/**
 * An entry name that would land outside the folder it is unpacked in: "../x", "/etc/x",
 * "C:\x", "a/../../x". Even though this import never writes entries to disk, such a zip is
 * refused outright: it was made to attack, or made wrong, and its layout cannot be trusted.
 */
export function escapesRoot(name: string): boolean {
  const normal = name.replace(/\\/g, '/');
  if (normal.startsWith('/') || /^[a-zA-Z]:/.test(normal)) return true;
  let depth = 0;
  for (const part of normal.split('/')) {
    if (part === '..') depth -= 1;
    else if (part !== '' && part !== '.') depth += 1;
    if (depth < 0) return true;
  }
  return false;
}

const MiB = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

export async function zipSource(path: string): Promise<ImageSource> {
  const zipName = basename(path);
  let data: Uint8Array;
  try {
    const info = await stat(path);
    if (info.size > MAX_ZIP_BYTES)
      throw new UserError(
        `${zipName} is ${MiB(info.size)}; zips up to 2 GiB can be imported. Unzip it and import the folder instead.`,
      );
    data = await readFile(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') throw new UserError(`Cannot import ${path}: no such file.`);
    throw readError(path, error);
  }

  const files: ZipFile[] = [];
  const dirs: string[] = [];
  let expanded = 0;
  try {
    // A filter that says no lists the central directory without inflating anything.
    unzipSync(data, {
      filter(entry) {
        if (escapesRoot(entry.name)) {
          throw new UserError(
            `${zipName} is refused: its entry "${entry.name}" points outside the archive (path traversal). Make the zip again from the dataset folder itself.`,
          );
        }
        const name = entry.name.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
        if (isIgnoredPath(name)) return false;
        if (name.endsWith('/')) {
          dirs.push(name.slice(0, -1));
          return false;
        }
        if (entry.originalSize > MAX_FILE_BYTES) {
          throw new UserError(
            `${zipName} is refused: "${name}" would unpack to ${MiB(entry.originalSize)} (at most ${MiB(MAX_FILE_BYTES)} a file).`,
          );
        }
        if (entry.originalSize > 1024 * 1024 && entry.originalSize > entry.size * MAX_RATIO) {
          throw new UserError(
            `${zipName} is refused: "${name}" would unpack ${Math.round(entry.originalSize / Math.max(1, entry.size))} times larger than it is stored (a zip bomb?).`,
          );
        }
        expanded += entry.originalSize;
        if (expanded > MAX_ZIP_EXPANDED)
          throw new UserError(
            `${zipName} is refused: it would unpack to more than ${MAX_ZIP_EXPANDED / 1024 ** 3} GiB.`,
          );
        files.push({
          path: name,
          entry: entry.name,
          size: entry.size,
          originalSize: entry.originalSize,
          compression: entry.compression,
        });
        if (files.length > MAX_SOURCE_FILES)
          throw new UserError(
            `${zipName} holds more than ${MAX_SOURCE_FILES.toLocaleString('en')} files; import a smaller set.`,
          );
        return false;
      },
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `${zipName} is not a readable zip file (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  if (expanded > RATIO_FLOOR && expanded > data.length * MAX_ZIP_RATIO)
    throw new UserError(
      `${zipName} is refused: its ${MiB(data.length)} would unpack to ${MiB(expanded)}, over ${MAX_ZIP_RATIO} times its size (the limit for an image zip; a zip bomb?).`,
    );

  // The read order (planned by the importer) drives read-ahead and eviction.
  let planned: ZipFile[] = files;
  let order = new Map(files.map((f, i) => [f, i]));
  const byEntry = new Map(files.map((f) => [f.entry, f]));
  const inflated = new Map<string, Uint8Array | { reason: string }>();

  const inflateOne = (file: ZipFile): Uint8Array | { reason: string } => {
    try {
      const out = unzipSync(data, { filter: (e) => e.name === file.entry })[file.entry];
      if (!out) return { reason: 'missing from the zip directory' };
      if (out.length !== file.originalSize)
        return { reason: 'damaged inside the zip (its size does not match the zip directory)' };
      return out;
    } catch (error) {
      return { reason: `damaged inside the zip (${error instanceof Error ? error.message : String(error)})` };
    }
  };

  /** Inflate `file` and the next ones in order, up to BATCH_BYTES, into the cache. */
  const inflateFrom = (file: ZipFile): void => {
    const start = order.get(file) ?? 0;
    const batch = new Set<string>();
    let bytes = 0;
    for (
      let i = start;
      i < planned.length &&
      batch.size < BATCH_FILES &&
      (batch.size === 0 || bytes + (planned[i]?.originalSize ?? 0) <= BATCH_BYTES);
      i += 1
    ) {
      const next = planned[i] as ZipFile;
      if (inflated.has(next.entry)) continue;
      if (next.compression !== 0 && next.compression !== 8) {
        inflated.set(next.entry, {
          reason: `stored with zip compression method ${next.compression}, which cannot be read; re-zip it with the usual (deflate) method`,
        });
        continue;
      }
      batch.add(next.entry);
      bytes += next.originalSize;
    }
    if (batch.size === 0) return;
    try {
      const out = unzipSync(data, { filter: (e) => batch.has(e.name) });
      for (const entry of batch) {
        const f = byEntry.get(entry);
        const bytesOut = out[entry];
        if (!f || !bytesOut) inflated.set(entry, { reason: 'missing from the zip directory' });
        else if (bytesOut.length !== f.originalSize)
          inflated.set(entry, { reason: 'damaged inside the zip (its size does not match the zip directory)' });
        else inflated.set(entry, bytesOut);
      }
    } catch {
      // One damaged entry fails the whole batch: find it by inflating each on its own.
      for (const entry of batch) {
        const f = byEntry.get(entry);
        if (f) inflated.set(entry, inflateOne(f));
      }
    }
  };

  return {
    name: zipName,
    files,
    dirs,
    plan(files) {
      planned = files as ZipFile[];
      order = new Map(planned.map((f, i) => [f, i]));
      inflated.clear();
    },
    async read(sourceFile) {
      const file = sourceFile as ZipFile;
      if (!inflated.has(file.entry)) inflateFrom(file);
      const out = inflated.get(file.entry) ?? { reason: 'missing from the zip directory' };
      // Drop it once handed out, and anything before it that was never asked for (a file
      // outside the class folders), so the cache stays at about one batch.
      const at = order.get(file) ?? 0;
      for (const entry of inflated.keys())
        if ((order.get(byEntry.get(entry) as ZipFile) ?? -1) <= at) inflated.delete(entry);
      return out;
    },
  };
}
