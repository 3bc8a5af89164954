import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import {
  channelsOf,
  FALLBACK_IMAGE_SIDE,
  IMBALANCE_RATIO,
  imageBytes,
  ImageDatasetMeta,
  ImageImportOptions,
  MAX_LISTED_SKIPPED,
  type ImageClass,
  type ImageImportProgress,
  type ImageIndex,
  type SkippedImage,
} from '../../../app/dataset/images';
import { formatZodError, UserError } from '../../../app/ipc/errors';
import { withRate, type WorkCounts } from '../../../app/progress/work-progress';
import { fsyncDir, writeFileSynced } from '../atomic-write';
import { ensureDir, errorCode, readError, writeError } from '../fs-errors';
import { slugify } from '../slug';
import { layoutClasses } from './class-layout';
import { decodeImage, type DecodedImage } from './decode-image';
import { folderSource, type LinkCheck } from './folder-source';
import type { ImageSource, SourceFile } from './image-source';
import { IMAGE_INDEX_FILE, IMAGE_META_FILE, THUMBS_DIR } from './image-store';
import { imagesPerShardFor, ShardWriter } from './shard-writer';
import { zipSource } from './zip-source';
import { probeImages, type ImageChoice } from './probe-images';

export interface ImportImagesInput {
  /** A folder whose subfolders are the classes, or a .zip of one. */
  path: string;
  /** The project's datasets/ folder; created when missing. */
  datasetsDir: string;
  /**
   * Size, colour and fit; validated here. A size or colour left out is chosen from the images
   * (probe-images.ts: their own size when shared, capped; grayscale when all are gray); fit: pad.
   */
  options?: Partial<ImageImportOptions>;
  /** Called after every file (throttle in the caller if it crosses a process boundary). */
  onProgress?: (progress: ImageImportProgress) => void;
  /** Cancels the import: it rejects with the signal's reason and leaves nothing behind. */
  signal?: AbortSignal;
  thumbnailsPerClass?: number;
  /** Override the shard size (tests use tiny shards to cover the boundaries). */
  imagesPerShard?: number;
  /** Host mode: a symbolic link inside a folder is read only where this accepts its target. */
  linkAllowed?: LinkCheck;
}

/** Files decoded at once: enough to keep libuv's 4 threads busy while the loop writes (4 left them idle between files: 1,797 small PNGs took 3.1-3.4 s at 4, 2.2-2.5 s at 8). */
const CONCURRENCY = 8;

/** What was chosen for the user, in words: only the parts they left to us. */
function choiceNote(choice: ImageChoice, sizeGiven: boolean, colorGiven: boolean): string | undefined {
  if (!sizeGiven && !colorGiven) return choice.reason;
  if (!colorGiven)
    return `colour chosen from the images: ${choice.color === 'grayscale' ? 'all grayscale' : 'in colour'}`;
  if (!sizeGiven) return `size chosen from the images: ${choice.width}×${choice.height}`;
  return undefined;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

async function openSource(path: string, linkAllowed?: LinkCheck): Promise<ImageSource> {
  let isDirectory: boolean;
  try {
    const info = await stat(path);
    isDirectory = info.isDirectory();
    // A named pipe, socket or device: reading it may wait forever in one of libuv's threads.
    if (!isDirectory && !info.isFile())
      throw new UserError(
        `Cannot import ${path}: it is not a regular file or a folder. Choose a folder of images or a .zip of one.`,
      );
  } catch (error) {
    if (errorCode(error) === 'ENOENT') throw new UserError(`Cannot import ${path}: no such file or folder.`);
    throw readError(path, error);
  }
  if (isDirectory) return folderSource(path, linkAllowed);
  if (extname(path).toLowerCase() === '.zip') return zipSource(path);
  throw new UserError(
    `${basename(path)} is neither a folder nor a .zip. Choose a folder whose subfolders are the classes (pets/cats/…, pets/dogs/…), or a .zip of one.`,
  );
}

function warningsFor(
  classes: readonly ImageClass[],
  emptyClasses: readonly { name: string; skipped: number }[],
  skippedCount: number,
): string[] {
  const warnings: string[] = [];
  const sorted = [...classes].sort((a, b) => b.count - a.count);
  const most = sorted[0];
  const least = sorted[sorted.length - 1];
  if (most && least && most.count > least.count * IMBALANCE_RATIO) {
    warnings.push(
      `The classes are imbalanced: "${most.name}" has ${plural(most.count, 'image')} and "${least.name}" ${plural(least.count, 'image')} (${(most.count / least.count).toFixed(1)} to 1). ` +
        `A model can score well by mostly answering "${most.name}"; add "${least.name}" images or judge accuracy with that in mind.`,
    );
  }
  for (const empty of emptyClasses) {
    warnings.push(
      `The class folder "${empty.name}" has no images that can be read${empty.skipped > 0 ? ` (${plural(empty.skipped, 'file')} skipped)` : ''}; it is left out of the classes.`,
    );
  }
  if (skippedCount > 0)
    warnings.push(
      `${plural(skippedCount, 'file was', 'files were')} skipped because ${skippedCount === 1 ? 'it is' : 'they are'} not readable images; see the list of skipped files.`,
    );
  return warnings;
}

/**
 * Import an image-folder dataset into <datasetsDir>/<id>/: decode every image once to the
 * chosen size and store the pixels as uint8 shards, with an index, thumbnails and meta.json.
 * Everything is written into <datasetsDir>/.tmp-<id>/ and renamed into place only when
 * complete, so a cancelled or failed import leaves the project as it was. Files that are not
 * images, damaged or too large are skipped and listed with the reason; they never stop it.
 */
export async function importImages(input: ImportImagesInput): Promise<ImageDatasetMeta> {
  const { path, datasetsDir, onProgress, signal } = input;
  const given = input.options ?? {};
  const checked = ImageImportOptions.partial().safeParse(given);
  if (!checked.success) throw new UserError(formatZodError(checked.error, 'Image import options'));
  const thumbnailsPerClass = input.thumbnailsPerClass ?? 8;
  signal?.throwIfAborted();

  // The rate counts decoding only: scanning and probing say nothing about the files left.
  let startedAt = performance.now();
  const progressOf = (done: number, total: number) =>
    withRate(done, total, 'files', (performance.now() - startedAt) / 1000) as WorkCounts & { unit: 'files' };
  onProgress?.({ phase: 'scanning', done: 0, total: 0, unit: 'files' });
  const source = await openSource(path, input.linkAllowed);
  signal?.throwIfAborted();
  const layout = layoutClasses(source.files, source.dirs);
  const where = `${source.name}${layout.prefix ? `/${layout.prefix.replace(/\/$/, '')}` : ''}`;
  if (layout.classes.length === 0) {
    throw new UserError(
      `${where} has no class folders. Put each class's images in a subfolder named after the class (${where}/cats/…, ${where}/dogs/…).`,
    );
  }
  if (layout.classes.length < 2) {
    throw new UserError(
      `${where} has only one class folder ("${layout.classes[0] ?? ''}"). A classifier needs at least two: add a subfolder per class.`,
    );
  }

  // Size and colour left to us: chosen from a sample of the images (the user's choice wins).
  const sizeGiven = given.width !== undefined || given.height !== undefined;
  const choice =
    sizeGiven && given.color !== undefined
      ? undefined
      : await probeImages(
          source,
          layout.classes.flatMap((name) => layout.files.get(name) ?? []),
        );
  signal?.throwIfAborted();
  const options: ImageImportOptions = ImageImportOptions.parse({
    ...(sizeGiven
      ? { width: given.width ?? given.height, height: given.height ?? given.width }
      : { width: choice?.width ?? FALLBACK_IMAGE_SIDE, height: choice?.height ?? FALLBACK_IMAGE_SIDE }),
    color: given.color ?? choice?.color ?? 'rgb',
    fit: given.fit,
  });
  const chosen = choice ? choiceNote(choice, sizeGiven, given.color !== undefined) : undefined;
  const channels = channelsOf(options.color);
  const bytesPerImage = imageBytes({ ...options, channels });
  const imagesPerShard = input.imagesPerShard ?? imagesPerShardFor(bytesPerImage);
  const sourceName = source.name;
  const id = `${slugify(basename(sourceName, extname(sourceName)), 40, 'images')}-${randomBytes(4).readUInt32LE(0).toString(36)}`;

  const skipped: SkippedImage[] = [];
  let skippedCount = 0;
  const skip = (path: string, reason: string) => {
    skippedCount += 1;
    if (skipped.length < MAX_LISTED_SKIPPED) skipped.push({ path, reason });
  };
  for (const file of layout.loose) skip(file.path, 'not inside a class folder (each class needs its own subfolder)');

  // Every candidate in label order, so shard order is class by class, file by file.
  const work: { file: SourceFile; folder: number }[] = [];
  layout.classes.forEach((name, folder) => {
    for (const file of layout.files.get(name) ?? []) work.push({ file, folder });
  });
  const total = work.length;
  source.plan(work.map((w) => w.file));

  await ensureDir(datasetsDir);
  const temp = join(datasetsDir, `.tmp-${id}`);
  const writer = new ShardWriter(temp, bytesPerImage, imagesPerShard);
  const folderLabels: number[] = [];
  const index: ImageIndex = { labels: [], widths: [], heights: [], sources: [] };
  const counts = new Array<number>(layout.classes.length).fill(0);
  const skippedIn = new Array<number>(layout.classes.length).fill(0);
  const thumbs: string[][] = layout.classes.map(() => []);

  // A window of decodes in flight; results are consumed strictly in order.
  const inFlight: Promise<DecodedImage>[] = [];
  try {
    await mkdir(temp);
    await mkdir(join(temp, THUMBS_DIR));

    let next = 0;
    const startNext = () => {
      const item = work[next];
      if (!item) return;
      next += 1;
      // Every file started while its class is short of thumbnails makes one, so a class whose
      // first files are damaged still gets its thumbnails; the few extra are dropped.
      const withThumbnail = (thumbs[item.folder]?.length ?? 0) < thumbnailsPerClass;
      inFlight.push(
        source
          .read(item.file)
          .then((bytes) =>
            'reason' in bytes
              ? { ok: false as const, reason: bytes.reason }
              : decodeImage(bytes, extname(item.file.path), options, withThumbnail),
          ),
      );
    };
    startedAt = performance.now();
    for (let k = 0; k < CONCURRENCY; k += 1) startNext();

    for (let done = 0; done < total; done += 1) {
      const item = work[done] as { file: SourceFile; folder: number };
      const result = await (inFlight.shift() as Promise<DecodedImage>);
      signal?.throwIfAborted();
      if (!result.ok) {
        skip(item.file.path, result.reason);
        skippedIn[item.folder] = (skippedIn[item.folder] ?? 0) + 1;
      } else {
        await writer.append(result.pixels);
        folderLabels.push(item.folder);
        index.widths.push(result.sourceWidth);
        index.heights.push(result.sourceHeight);
        index.sources.push(item.file.path);
        counts[item.folder] = (counts[item.folder] ?? 0) + 1;
        if (result.thumbnail && (thumbs[item.folder]?.length ?? 0) < thumbnailsPerClass) {
          const list = thumbs[item.folder] ?? [];
          const file = `${THUMBS_DIR}/${item.folder}-${list.length}.webp`;
          await writeFileSynced(join(temp, file), result.thumbnail);
          list.push(file);
        }
      }
      // Started after this result is stored, so the thumbnail count it sees is current.
      startNext();
      onProgress?.({ phase: 'decoding', ...progressOf(done + 1, total), current: item.file.path });
    }

    onProgress?.({ phase: 'finishing', done: total, total, unit: 'files' });
    const shards = await writer.finish();
    // Labels count only the classes that have images: an empty folder must not be a class no
    // example can ever teach.
    const labelOf = new Map<number, number>();
    const classes: ImageClass[] = [];
    const emptyClasses: { name: string; skipped: number }[] = [];
    layout.classes.forEach((name, folder) => {
      const count = counts[folder] ?? 0;
      if (count === 0) {
        emptyClasses.push({ name, skipped: skippedIn[folder] ?? 0 });
        return;
      }
      labelOf.set(folder, classes.length);
      classes.push({ name, count, thumbnails: thumbs[folder] ?? [] });
    });
    if (classes.length < 2) {
      const first = skipped[0];
      throw new UserError(
        `${where} has ${classes.length === 0 ? 'no images that can be read' : `images in only one class folder ("${classes[0]?.name ?? ''}")`}; a classifier needs at least two classes with images.` +
          (first
            ? ` ${plural(skippedCount, 'file was', 'files were')} skipped, e.g. ${first.path}: ${first.reason}.`
            : ''),
      );
    }
    index.labels = folderLabels.map((folder) => labelOf.get(folder) ?? 0);

    const meta = ImageDatasetMeta.parse({
      kind: 'images',
      version: 1,
      id,
      name: basename(sourceName, extname(sourceName)) || sourceName,
      sourceFile: sourceName,
      width: options.width,
      height: options.height,
      color: options.color,
      channels,
      fit: options.fit,
      ...(chosen ? { chosen } : {}),
      count: writer.count,
      classes,
      emptyClasses: emptyClasses.map((e) => e.name),
      skipped,
      skippedCount,
      warnings: warningsFor(classes, emptyClasses, skippedCount),
      imagesPerShard,
      shards,
      importedAt: new Date().toISOString(),
    } satisfies ImageDatasetMeta);

    signal?.throwIfAborted();
    await writeFileSynced(join(temp, IMAGE_INDEX_FILE), `${JSON.stringify(index)}\n`);
    await writeFileSynced(join(temp, IMAGE_META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    await fsyncDir(join(temp, THUMBS_DIR));
    await fsyncDir(temp);
    await rename(temp, join(datasetsDir, id));
    await fsyncDir(datasetsDir);
    return meta;
  } catch (error) {
    // The decodes still in flight (at most CONCURRENCY) end before the import does, so nothing
    // of a cancelled import is still reading the source or using a thread once it has returned.
    await Promise.allSettled(inFlight);
    await writer.abandon();
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (error instanceof UserError || signal?.aborted) throw error;
    throw writeError(datasetsDir, error);
  }
}
