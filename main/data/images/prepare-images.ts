import { join } from 'node:path';
import { IMAGE_TARGET } from '../../../app/dataset/image-task';
import { Augmentation, type ImageDatasetMeta } from '../../../app/dataset/images';
import type { Preprocessing } from '../../../app/dataset/schema';
import { PreparedData } from '../../../app/engine/protocol';
import { formatZodError, UserError } from '../../../app/ipc/errors';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write';
import { littleEndianBytes } from '../binary';
import { ensureDir } from '../fs-errors';
import { VALIDATION_ROWS_FILE } from '../prepare';
import { encodeLabels } from './batch-reader';
import { loadImageDataset } from './image-store';
import { stratifiedSplit } from './split';

/** Pixels are stored as bytes 0..255 and fed to the model in [0, 1]. */
export const PIXEL_SCALE = 1 / 255;

export interface PrepareImagesInput {
  /** <project>/datasets/<id>/: meta.json, index.json and the shards (importImages). */
  datasetDir: string;
  /** Share of each class held out for validation, in (0, 1). */
  validationSplit: number;
  seed: number;
  /** Training-time augmentation; off when absent. Validated here. */
  augmentation?: Partial<Augmentation>;
  /** Created when missing; receives y_train.f32, y_val.f32, preprocessing.json, validation-rows.json. */
  outDir: string;
}

/** How the model's input is made from a picture: what preprocessing.json records. */
export function imagePreprocessing(meta: ImageDatasetMeta): Preprocessing {
  return {
    format: 'layerlab-preprocessing',
    version: 1,
    task: 'classification',
    target: IMAGE_TARGET,
    features: [],
    inputOrder: [],
    labels: meta.classes.map((c) => c.name),
    image: {
      height: meta.height,
      width: meta.width,
      channels: meta.channels,
      color: meta.color,
      fit: meta.fit,
      scale: PIXEL_SCALE,
    },
  };
}

/**
 * Prepare an image dataset for a run: a seeded split stratified by class, the labels of each
 * split as y_train.f32 / y_val.f32 (one 0/1 output for two classes, one-hot otherwise, as
 * prepare.ts encodes classes), and preprocessing.json. The pixels stay in the dataset's shards:
 * the engine streams them in batches, so a run costs kilobytes on disk, not gigabytes.
 */
export async function prepareImageData(input: PrepareImagesInput): Promise<PreparedData> {
  const { datasetDir, validationSplit, seed, outDir } = input;
  const augmentation = Augmentation.safeParse(input.augmentation ?? {});
  if (!augmentation.success) throw new UserError(formatZodError(augmentation.error, 'Augmentation'));
  const stored = await loadImageDataset(datasetDir);
  const { meta, index } = stored;
  const { train, validation } = stratifiedSplit(index.labels, validationSplit, seed);
  const labels = meta.classes.map((c) => c.name);
  const encode = (which: readonly number[]) =>
    encodeLabels(
      Int32Array.from(which, (i) => index.labels[i] ?? 0),
      labels.length,
    );
  const preprocessing = imagePreprocessing(meta);

  await ensureDir(outDir);
  await writeFileAtomic(join(outDir, 'y_train.f32'), littleEndianBytes(encode(train)));
  await writeFileAtomic(join(outDir, 'y_val.f32'), littleEndianBytes(encode(validation)));
  await writeJsonAtomic(join(outDir, 'preprocessing.json'), preprocessing);
  // As for tables: which dataset images the validation rows are, so evaluation can show them.
  await writeJsonAtomic(join(outDir, VALIDATION_ROWS_FILE), { datasetId: meta.id, rows: validation });

  return PreparedData.parse({
    dir: outDir,
    inputWidth: meta.height * meta.width * meta.channels,
    outputWidth: labels.length <= 2 ? 1 : labels.length,
    trainRows: train.length,
    valRows: validation.length,
    preprocessing,
    images: {
      datasetDir,
      train,
      validation,
      height: meta.height,
      width: meta.width,
      channels: meta.channels,
      labels,
      augmentation: augmentation.data,
    },
  });
}
