import { z } from 'zod';
import { ProjectId } from '../project/schema';
import { base64Bytes, mib } from './base64';

/**
 * Importing an existing model (TF.js model.json with its weight shards, Keras .h5 or .keras)
 * into a project's graph. The renderer sends the chosen files' bytes (a browser cannot hand
 * main a path); a caller on the main side's machine may name a path instead.
 */

/** All files of one model import together: larger models are imported with `layerlab graph --from`. */
export const MAX_MODEL_IMPORT_BYTES = 64 * 1024 * 1024;
/** A model.json with its shards (tfjs writes 4 MiB shards: 16 cover a 64 MiB model). */
export const MAX_MODEL_IMPORT_FILES = 24;

/** A bare file name: the files of one import sit side by side, as model.json expects its shards. */
const FileName = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (name) => !/[/\\\0]/.test(name) && name !== '.' && name !== '..',
    'a model file name must be a plain name, without folders',
  );

export const ModelImportFile = z.object({
  name: FileName,
  data: base64Bytes(MAX_MODEL_IMPORT_BYTES, `model files are at most ${mib(MAX_MODEL_IMPORT_BYTES)} together`),
});
export type ModelImportFile = z.infer<typeof ModelImportFile>;

export const ModelImportInput = z
  .object({
    projectId: ProjectId,
    /** The bytes of the chosen files: one model.json with the weight files it names, or one .h5 / .keras. */
    files: z
      .array(ModelImportFile)
      .min(1, 'choose a model file')
      .max(MAX_MODEL_IMPORT_FILES, `at most ${MAX_MODEL_IMPORT_FILES} files make one model`)
      .optional(),
    /** An absolute path on the main side's machine (model.json finds its shards beside it). */
    path: z.string().min(1).max(4096).optional(),
  })
  .strict()
  .refine((v) => (v.files === undefined) !== (v.path === undefined), 'give either the model files or a path, not both');

/** What the import made: the project's graph now holds it (with `weights` naming the stored weights). */
export const ModelImportSummary = z.object({
  /** The model file imported (its name). */
  file: z.string(),
  layers: z.number().int(),
  params: z.number().int(),
  /** Layers that arrived with weights. */
  layersWithWeights: z.number().int(),
  /** Layers the model file already marked as not trainable. */
  frozen: z.number().int(),
});
export type ModelImportSummary = z.infer<typeof ModelImportSummary>;
