import { z } from 'zod';
import {
  Augmentation,
  ImageColor,
  ImageFit,
  ImageImportProgress,
  MAX_IMAGE_SIDE,
  MIN_IMAGE_SIDE,
} from '../dataset/images';
import { ProjectId } from '../project/schema';
import { base64Bytes, base64Length, mib } from './base64';

/**
 * The image-dataset part of the IPC contract (contract.ts lists the channels). A folder or zip
 * is imported by path: Electron's dialogs and drops give one, and in host mode the browser
 * streams it to the host's file API first (main/host/file-api.ts). dataset.uploadChunk remains
 * for a caller that has only the contract (pieces into a staging folder inside the project).
 */

/** Raw bytes per upload request (sent as base64, so about 1.34× this crosses the socket). */
export const MAX_UPLOAD_REQUEST_BYTES = 4 * 1024 * 1024;
/** A whole upload: a 2 GiB zip (what the zip reader takes) or a folder of that order. */
export const MAX_UPLOAD_BYTES = 4 * 1024 ** 3;
/** Files in one folder upload; the importer's own ceiling is far above what a browser sends well. */
export const MAX_UPLOAD_FILES = 200_000;
/** Image thumbnails one request may ask for (a confusion-matrix cell, a gallery). */
export const MAX_IMAGE_REQUEST = 200;

export const UploadId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an upload id is 1 to 64 letters, digits, - or _');

/**
 * A file's place in the uploaded folder, as the browser reports it ("pets/cats/a.png"): relative,
 * "/"-separated, no empty, "." or ".." parts, no backslashes or control characters. Main checks
 * again that the resolved path stays inside the staging folder.
 */
export const UploadPath = z
  .string()
  .min(1, 'a file path cannot be empty')
  .max(1024, 'a file path is at most 1024 characters')
  // eslint-disable-next-line no-control-regex
  .refine((p) => !/[\\\u0000-\u001f\u007f]/.test(p), 'a file path cannot contain backslashes or control characters')
  .refine((p) => !p.startsWith('/') && !/^[a-zA-Z]:/.test(p), 'a file path must be relative')
  .refine(
    (p) => p.split('/').every((part) => part !== '' && part !== '.' && part !== '..'),
    'a file path cannot have empty, "." or ".." parts',
  )
  .refine((p) => p.split('/').length <= 32, 'a file path is at most 32 folders deep');

const base64 = base64Bytes(
  MAX_UPLOAD_REQUEST_BYTES,
  `an upload request carries at most ${mib(MAX_UPLOAD_REQUEST_BYTES)}`,
);

export const UploadPart = z
  .object({
    path: UploadPath,
    /** Where in the file this piece starts: pieces of a file arrive in order, without gaps. */
    offset: z.number().int().nonnegative(),
    data: base64,
  })
  .strict();
export type UploadPart = z.infer<typeof UploadPart>;

export const UploadChunkInput = z
  .object({
    projectId: ProjectId,
    uploadId: UploadId,
    parts: z
      .array(UploadPart)
      .min(1, 'send at least one piece of a file')
      .max(2000, 'at most 2000 pieces per request')
      .refine(
        (parts) => parts.reduce((n, p) => n + p.data.length, 0) <= base64Length(MAX_UPLOAD_REQUEST_BYTES),
        `an upload request carries at most ${mib(MAX_UPLOAD_REQUEST_BYTES)}`,
      ),
  })
  .strict();

export const UploadStatus = z.object({ files: z.number().int(), bytes: z.number() });
export type UploadStatus = z.infer<typeof UploadStatus>;

/** The user's size, colour and fit; each field is optional (defaults: 64×64, RGB, pad). */
export const ImageImportChoice = z
  .object({
    width: z.number().int().min(MIN_IMAGE_SIDE).max(MAX_IMAGE_SIDE).optional(),
    height: z.number().int().min(MIN_IMAGE_SIDE).max(MAX_IMAGE_SIDE).optional(),
    color: ImageColor.optional(),
    fit: ImageFit.optional(),
  })
  .strict();
export type ImageImportChoice = z.infer<typeof ImageImportChoice>;

export const ImageImportSource = z.discriminatedUnion('kind', [
  /** A folder or .zip on the main side's machine (Electron's dialog, tests). */
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }).strict(),
  /** Files sent earlier with dataset.uploadChunk under this id; the staging folder is removed after the import. */
  z.object({ kind: z.literal('upload'), uploadId: UploadId }).strict(),
]);
export type ImageImportSource = z.infer<typeof ImageImportSource>;

export const ClassThumbnails = z.object({ name: z.string(), count: z.number().int(), images: z.array(z.string()) });
export type ClassThumbnails = z.infer<typeof ClassThumbnails>;

export const ImageThumbnails = z.object({ datasetId: z.string(), classes: z.array(ClassThumbnails) });
export type ImageThumbnails = z.infer<typeof ImageThumbnails>;

export const AugmentedPreview = z.object({
  samples: z.array(
    z.object({ index: z.number().int(), className: z.string(), original: z.string(), augmented: z.array(z.string()) }),
  ),
});
export type AugmentedPreview = z.infer<typeof AugmentedPreview>;

/** Stored images by dataset index, as small PNG data URLs read from the shard cache (never re-decoded from the source files). */
export const DatasetImages = z.object({
  images: z.array(z.object({ index: z.number().int(), src: z.string(), source: z.string() })),
});
export type DatasetImages = z.infer<typeof DatasetImages>;

export const imageChannelInputs = {
  upload: UploadChunkInput,
  discardUpload: z.object({ projectId: ProjectId, uploadId: UploadId }).strict(),
  importImages: z
    .object({
      projectId: ProjectId,
      source: ImageImportSource,
      options: ImageImportChoice.optional(),
      importId: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an import id is 1 to 64 letters, digits, - or _')
        .optional(),
    })
    .strict(),
  thumbnails: z.object({ projectId: ProjectId }).strict(),
  preview: z
    .object({
      projectId: ProjectId,
      augmentation: Augmentation.partial().strict(),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1),
      variants: z.number().int().min(1).max(8).optional(),
    })
    .strict(),
  images: z
    .object({
      projectId: ProjectId,
      indices: z
        .array(z.number().int().nonnegative())
        .min(1)
        .max(MAX_IMAGE_REQUEST, `at most ${MAX_IMAGE_REQUEST} images per request`),
    })
    .strict(),
};

/** An image import's progress: files decoded out of files found. */
export const ImageImportProgressEvent = ImageImportProgress.extend({ importId: z.string() });
