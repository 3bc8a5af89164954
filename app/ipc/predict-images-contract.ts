import { z } from 'zod';
import { ProjectId, RunId } from '../project/schema';
import { base64Bytes, base64Length, mib } from './base64';

/**
 * The inference playground's image drop zone (contract.ts lists the channel). A browser cannot
 * hand main a path, so the dropped files' bytes travel as base64 through the same validated
 * gate as every other request; main decodes each one exactly as the run's import did.
 */

/** One dropped file: a phone photo is a few MiB, so this leaves room without inviting a video. */
export const MAX_PREDICT_IMAGE_BYTES = 16 * 1024 * 1024;
/** Files per request; the renderer sends a larger drop in several requests. */
export const MAX_PREDICT_IMAGES = 16;
/** All files of one request together (about 1.34× this crosses the socket as base64). */
export const MAX_PREDICT_IMAGES_REQUEST_BYTES = 32 * 1024 * 1024;

export const PredictImageFile = z
  .object({
    /** The file's name as dropped, for the messages and the result list: "cat.jpg". */
    name: z
      .string()
      .min(1, 'a file name cannot be empty')
      .max(255, 'a file name is at most 255 characters')
      // eslint-disable-next-line no-control-regex
      .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'a file name cannot contain control characters'),
    data: base64Bytes(MAX_PREDICT_IMAGE_BYTES, `an image file is at most ${mib(MAX_PREDICT_IMAGE_BYTES)}`),
  })
  .strict();
export type PredictImageFile = z.infer<typeof PredictImageFile>;

export const PredictImagesInput = z
  .object({
    projectId: ProjectId,
    runId: RunId,
    images: z
      .array(PredictImageFile)
      .min(1, 'give at least one image to predict')
      .max(MAX_PREDICT_IMAGES, `at most ${MAX_PREDICT_IMAGES} images can be predicted at once`)
      .refine(
        (files) => files.reduce((n, f) => n + f.data.length, 0) <= base64Length(MAX_PREDICT_IMAGES_REQUEST_BYTES),
        `the images of one request are at most ${mib(MAX_PREDICT_IMAGES_REQUEST_BYTES)} together`,
      ),
  })
  .strict();
export type PredictImagesInput = z.infer<typeof PredictImagesInput>;

/** One file's answer: its label and probabilities (in `labels` order), or why it could not be read. */
export const ImagePrediction = z.object({
  name: z.string(),
  /** What the model saw (the same resize, pad or crop and colour), as a small data URL; null when the file could not be decoded. */
  thumbnail: z.string().nullable(),
  label: z.string().nullable(),
  probabilities: z.array(z.number()).nullable(),
  /** Set instead of a prediction: "not an image (PNG, JPEG, WebP, GIF, BMP or TIFF)", "damaged: …". */
  error: z.string().nullable(),
});
export type ImagePrediction = z.infer<typeof ImagePrediction>;

export const PredictImagesResult = z.object({
  target: z.string(),
  labels: z.array(z.string()),
  /** In the order the files were sent. */
  images: z.array(ImagePrediction),
});
export type PredictImagesResult = z.infer<typeof PredictImagesResult>;

/** What a run's image input is, so the playground shows a drop zone instead of a form. */
export const PredictImageShape = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  color: z.enum(['grayscale', 'rgb']),
  fit: z.enum(['pad', 'crop', 'stretch']),
});
export type PredictImageShape = z.infer<typeof PredictImageShape>;
