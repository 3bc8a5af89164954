import { describe, expect, it } from 'vitest';
import {
  MAX_PREDICT_IMAGE_BYTES,
  MAX_PREDICT_IMAGES,
  MAX_PREDICT_IMAGES_REQUEST_BYTES,
  PredictImagesInput,
} from '../../../app/ipc/predict-images-contract';
import {
  contractName,
  MAX_DROPPED_IMAGES,
  planImageRequests,
} from '../../../renderer/src/features/playground/image-requests';

/**
 * The playground cuts a drop into run.predictImages requests the contract accepts: never more
 * files or base64 characters per request than it allows, too-large files named and kept back,
 * everything else sent once and in order.
 */
const MiB = 1024 * 1024;
const files = (sizes: number[]) => sizes.map((size, i) => ({ name: `img-${i}.png`, size }));

describe('planImageRequests', () => {
  it('sends every file once, in order, at most MAX_PREDICT_IMAGES per request', () => {
    const plan = planImageRequests(files(Array.from({ length: 40 }, () => 10_000)));
    expect(plan.requests.map((r) => r.length)).toEqual([
      MAX_PREDICT_IMAGES,
      MAX_PREDICT_IMAGES,
      40 - 2 * MAX_PREDICT_IMAGES,
    ]);
    expect(plan.requests.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(plan.refused).toEqual([]);
  });

  it('starts a new request before the bytes cap and names a file over the per-file cap', () => {
    const sizes = [15 * MiB, 15 * MiB, MAX_PREDICT_IMAGE_BYTES + 1, 3 * MiB, 1 * MiB];
    const plan = planImageRequests(files(sizes));
    expect(plan.refused).toEqual([
      {
        index: 2,
        message: 'img-2.png: the file is 16.0 MiB; an image to predict is at most 16 MiB, so shrink it first',
      },
    ]);
    expect(plan.requests).toEqual([
      [0, 1],
      [3, 4],
    ]);
    // What the contract would say of each request, with data of the planned lengths.
    for (const request of plan.requests) {
      const images = request.map((i) => ({ name: `img-${i}.png`, data: 'A'.repeat(Math.ceil(sizes[i]! / 3) * 4) }));
      expect(PredictImagesInput.safeParse({ projectId: 'p', runId: 'run-1', images }).success).toBe(true);
    }
    expect(2 * 15 * MiB + 3 * MiB).toBeGreaterThan(MAX_PREDICT_IMAGES_REQUEST_BYTES);
  });

  it('leaves out files beyond MAX_DROPPED_IMAGES and says how many', () => {
    const plan = planImageRequests(files(Array.from({ length: MAX_DROPPED_IMAGES + 5 }, () => 100)));
    expect(plan.leftOut).toBe(5);
    expect(plan.requests.flat()).toHaveLength(MAX_DROPPED_IMAGES);
  });

  it('gives the contract a file name it accepts', () => {
    expect(contractName('cat\u0007.png')).toBe('cat.png');
    expect(contractName('x'.repeat(300))).toHaveLength(255);
    expect(contractName('\u0001')).toBe('image');
  });
});
