import { headFor } from '../training/config';
import type { ImageDatasetMeta } from './images';
import type { TaskSpec } from './schema';

/**
 * An image dataset has one task: classify each image into its class folder. The target is not a
 * column but the folder, named here so the task spec, the run and metrics.json can say it.
 */
export const IMAGE_TARGET = 'class';
export const IMAGE_TASK_SPEC: TaskSpec = { target: IMAGE_TARGET, task: 'classification' };

export interface ImageTaskShape {
  /** height × width × channels, what a conv Input takes. */
  inputShape: [number, number, number];
  /** The flattened size, for code that sizes a vector input. */
  inputWidth: number;
  labels: string[];
  head: ReturnType<typeof headFor>;
}

/** The model's input and output for an image dataset: the stored size and one output per class. */
export function imageTaskShape(
  meta: Pick<ImageDatasetMeta, 'width' | 'height' | 'channels' | 'classes'>,
): ImageTaskShape {
  const labels = meta.classes.map((c) => c.name);
  return {
    inputShape: [meta.height, meta.width, meta.channels],
    inputWidth: meta.height * meta.width * meta.channels,
    labels,
    head: headFor('classification', labels.length),
  };
}
