import { base64Length } from '../../../../app/ipc/base64';
import {
  MAX_PREDICT_IMAGE_BYTES,
  MAX_PREDICT_IMAGES,
  MAX_PREDICT_IMAGES_REQUEST_BYTES,
} from '../../../../app/ipc/predict-images-contract';

/**
 * How a drop of image files is cut into run.predictImages requests under the contract's caps:
 * at most MAX_PREDICT_IMAGES files and MAX_PREDICT_IMAGES_REQUEST_BYTES per request, a file over
 * MAX_PREDICT_IMAGE_BYTES refused here by name (it would only be refused by the contract).
 */

/** A drop beyond this many files predicts the first ones and says so: a page of 500 charts helps no one. */
export const MAX_DROPPED_IMAGES = 48;

export interface SizedFile {
  name: string;
  size: number;
}

export interface RequestPlan {
  /** Indices into the given files, one list per request, in order. */
  requests: number[][];
  /** Files not sent, by index, with the message to show. */
  refused: Array<{ index: number; message: string }>;
  /** Files beyond MAX_DROPPED_IMAGES, left out. */
  leftOut: number;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function planImageRequests(files: readonly SizedFile[]): RequestPlan {
  const requests: number[][] = [];
  const refused: RequestPlan['refused'] = [];
  let current: number[] = [];
  let currentLength = 0;
  files.slice(0, MAX_DROPPED_IMAGES).forEach((file, index) => {
    if (file.size > MAX_PREDICT_IMAGE_BYTES) {
      refused.push({
        index,
        message: `${file.name}: the file is ${mib(file.size)}; an image to predict is at most ${MAX_PREDICT_IMAGE_BYTES / 1024 / 1024} MiB, so shrink it first`,
      });
      return;
    }
    // The contract counts base64 characters: that is what must stay under its cap.
    const length = base64Length(file.size);
    if (
      current.length === MAX_PREDICT_IMAGES ||
      (current.length > 0 && currentLength + length > base64Length(MAX_PREDICT_IMAGES_REQUEST_BYTES))
    ) {
      requests.push(current);
      current = [];
      currentLength = 0;
    }
    current.push(index);
    currentLength += length;
  });
  if (current.length > 0) requests.push(current);
  return { requests, refused, leftOut: Math.max(0, files.length - MAX_DROPPED_IMAGES) };
}

/** A dropped file's name as the contract takes it: no control characters, at most 255 characters. */
export function contractName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255);
  return clean || 'image';
}
