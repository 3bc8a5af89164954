import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Augmentation, ImageImportOptions, type ImageDatasetMeta } from '../../app/dataset/images';
import { importImages } from '../data/images/import-images';
import { UsageError } from './cli-error';
import { progressPrinter } from './progress-line';

/** `layerlab train` flags that apply to image folders only. */
export const IMAGE_FLAGS = {
  'image-size': { type: 'string' },
  color: { type: 'string' },
  fit: { type: 'string' },
  augment: { type: 'string' },
} as const;

type ImageFlagValues = Partial<Record<keyof typeof IMAGE_FLAGS, string>> & Record<string, string | boolean | undefined>;

/**
 * Flags that shape how a table is read, split or windowed: meaningless for images, so giving one
 * with an image folder is a usage mistake rather than something silently ignored.
 */
const TABLE_ONLY_FLAGS = [
  'time-column',
  'lookback',
  'horizon',
  'differencing',
  'delimiter',
  'quote',
  'header',
  'no-header',
  'encoding',
  'decimal-comma',
  'no-decimal-comma',
];
/** Images are always split stratified by class, seeded (--validation-split, --seed); no test split yet. */
const SPLIT_FLAGS = ['split', 'test-split', 'split-column', 'evaluate-test'];

export interface ImageCliOptions {
  import: Partial<ImageImportOptions>;
  augmentation: Partial<Augmentation>;
}

/** What a bare name in --augment turns on: Keras' usual strengths. */
const DEFAULT_STRENGTH: Augmentation = { flip: 0.5, rotation: 0.1, zoom: 0.1, brightness: 0.2, contrast: 0.2 };
const AUGMENTATIONS = Object.keys(DEFAULT_STRENGTH) as (keyof Augmentation)[];
/** What `--data` was before the caller resolved it, for messages. */
const shown = (file: string) => path.basename(file);

/** A folder (its subfolders are the classes) or a .zip of one is image data; anything else a table. */
export async function isImageDataPath(file: string): Promise<boolean> {
  if (path.extname(file).toLowerCase() === '.zip') return true;
  return stat(file).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** --augment flip,rotation=0.1,...: each name alone takes its usual strength. */
function augmentationFrom(value: string): Partial<Augmentation> {
  const out: Partial<Augmentation> = {};
  for (const item of value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const [name, strength, extra] = item.split('=').map((s) => s.trim());
    if (!AUGMENTATIONS.includes(name as keyof Augmentation) || extra !== undefined) {
      throw new UsageError(
        `--augment: "${item}" is not one of ${AUGMENTATIONS.join(', ')} (each optionally =STRENGTH, e.g. rotation=0.1).`,
      );
    }
    const key = name as keyof Augmentation;
    const n = strength === undefined ? DEFAULT_STRENGTH[key] : Number(strength);
    if (strength !== undefined && (strength === '' || !Number.isFinite(n)))
      throw new UsageError(`--augment: the strength of ${key} must be a number, not "${strength}".`);
    out[key] = n;
  }
  const parsed = Augmentation.partial().safeParse(out);
  if (!parsed.success) throw new UsageError(`--augment: ${parsed.error.issues[0]?.message ?? 'invalid strength'}.`);
  return parsed.data;
}

/**
 * The image flags, checked: null for a table (where giving one is a usage mistake), the import
 * options and augmentation for image data. --image-size takes N (square) or WIDTHxHEIGHT.
 */
export function imageOptionsFrom(values: ImageFlagValues, dataFile: string, isImages: boolean): ImageCliOptions | null {
  if (!isImages) {
    const stray = (Object.keys(IMAGE_FLAGS) as (keyof typeof IMAGE_FLAGS)[]).find((f) => values[f] !== undefined);
    if (stray)
      throw new UsageError(`--${stray} applies to an image folder or .zip; ${shown(dataFile)} is read as a table.`);
    return null;
  }
  const tableFlag = TABLE_ONLY_FLAGS.find((f) => values[f] !== undefined);
  if (tableFlag) throw new UsageError(`--${tableFlag} applies to a CSV file; ${shown(dataFile)} is an image folder.`);
  const splitFlag = SPLIT_FLAGS.find((f) => values[f] !== undefined);
  if (splitFlag)
    throw new UsageError(
      `--${splitFlag} is not available for an image folder: its images are split by class, stratified and seeded (--validation-split, --seed), with no test split.`,
    );
  const options: Record<string, unknown> = {};
  const size = values['image-size'];
  if (size !== undefined) {
    const match = /^(\d+)(?:x(\d+))?$/i.exec(size.trim());
    if (!match) throw new UsageError(`--image-size must be N (a square of N pixels) or WIDTHxHEIGHT, not "${size}".`);
    options['width'] = Number(match[1]);
    options['height'] = Number(match[2] ?? match[1]);
  }
  if (values.color !== undefined) options['color'] = values.color;
  if (values.fit !== undefined) options['fit'] = values.fit;
  const parsed = ImageImportOptions.partial().safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    const flag = field === 'width' || field === 'height' ? '--image-size' : `--${field}`;
    const allowed = field === 'color' ? ' (rgb or grayscale)' : field === 'fit' ? ' (pad, crop or stretch)' : '';
    throw new UsageError(`${flag}: ${issue.message}${allowed}.`);
  }
  return { import: parsed.data, augmentation: values.augment === undefined ? {} : augmentationFrom(values.augment) };
}

/** Files listed one per line at most; the rest are counted (metrics.json lists up to 1,000). */
const LISTED = 20;

/** Import the image folder or zip into the workspace's datasets, saying what was kept and skipped. */
export async function importImageData(
  file: string,
  datasetsDir: string,
  options: ImageCliOptions,
  out: (line: string) => void,
  /** Ctrl-C: the import stops and leaves nothing in datasetsDir. */
  signal?: AbortSignal,
): Promise<ImageDatasetMeta> {
  const progress = progressPrinter(`Building the image cache of ${shown(file)}`);
  let meta: ImageDatasetMeta;
  try {
    meta = await importImages({
      path: file,
      datasetsDir,
      options: options.import,
      // The CLI's workspace is thrown away when the command ends and nothing in it shows a
      // thumbnail; 8 WebPs per class (each resized, encoded and fsynced) were 0.8 s of a
      // 1,797-image import's 1.0 s.
      thumbnailsPerClass: 0,
      onProgress: (p) => {
        if (p.phase === 'decoding') progress.update(p);
      },
      ...(signal ? { signal } : {}),
    });
  } finally {
    progress.end();
  }
  out(
    `Imported ${meta.count} images of ${meta.width}×${meta.height} ${meta.color} (${meta.fit}) in ${meta.classes.length} classes: ${meta.classes.map((c) => `${c.name} ${c.count}`).join(', ')}.`,
  );
  if (meta.chosen) out(`Image ${meta.chosen} (--image-size and --color override).`);
  if (meta.skippedCount > 0) {
    out(`Skipped ${meta.skippedCount} ${meta.skippedCount === 1 ? 'file' : 'files'}:`);
    for (const s of meta.skipped.slice(0, LISTED)) out(`  ${s.path}: ${s.reason}`);
    if (meta.skippedCount > LISTED) out(`  ... and ${meta.skippedCount - LISTED} more (metrics.json lists them).`);
  }
  for (const warning of meta.warnings.filter((w) => !w.includes('skipped'))) out(`Warning: ${warning}`);
  return meta;
}

/** The dataset part of metrics.json for an image run: what was imported and what was skipped, and why. */
export function imageDatasetSummary(meta: ImageDatasetMeta, augmentation: Partial<Augmentation>) {
  return {
    count: meta.count,
    size: { width: meta.width, height: meta.height, channels: meta.channels },
    color: meta.color,
    fit: meta.fit,
    classes: meta.classes.map((c) => ({ name: c.name, count: c.count })),
    skipped: meta.skipped,
    skipped_count: meta.skippedCount,
    warnings: meta.warnings,
    augmentation: Augmentation.parse(augmentation),
  };
}
