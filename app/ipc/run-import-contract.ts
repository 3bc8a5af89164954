import { z } from 'zod';
import { ProjectId, RunSummary } from '../project/schema';
import { base64Bytes, mib } from './base64';
import { MAX_MODEL_IMPORT_BYTES } from './model-import-contract';

/**
 * "Open a run trained elsewhere": the folder the PyTorch export's train.py writes (model.json,
 * weights.bin, metrics.json, training.json, preprocessing.json, config.json) becomes a run of
 * the project. The renderer sends the chosen files' bytes (a browser cannot hand main a path); a
 * caller on the main side's machine may name the folder instead.
 */
export const MAX_RUN_IMPORT_FILES = 32;

const FileName = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (name) => !/[/\\\0]/.test(name) && name !== '.' && name !== '..',
    'a run file name must be a plain name, without folders',
  );

export const RunImportInput = z
  .object({
    projectId: ProjectId,
    files: z
      .array(
        z.object({
          name: FileName,
          data: base64Bytes(
            MAX_MODEL_IMPORT_BYTES,
            `a run's files are at most ${mib(MAX_MODEL_IMPORT_BYTES)} together`,
          ),
        }),
      )
      .min(1, 'choose the files of the run folder')
      .max(MAX_RUN_IMPORT_FILES, `a run folder is at most ${MAX_RUN_IMPORT_FILES} files`)
      .optional(),
    /** An absolute folder on the main side's machine. */
    path: z.string().min(1).max(4096).optional(),
  })
  .strict()
  .refine((v) => (v.files === undefined) !== (v.path === undefined), 'give either the files or a folder, not both');
export type RunImportInput = z.infer<typeof RunImportInput>;

export const RunImportResult = z.object({
  projectId: ProjectId,
  run: RunSummary,
  /** The run it was exported from. */
  sourceRunId: z.string(),
});
export type RunImportResult = z.infer<typeof RunImportResult>;
