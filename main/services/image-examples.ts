import path from 'node:path';
import type { ImageDatasetMeta } from '../../app/dataset/images';
import type { ProjectService } from '../data';
import { loadImageDataset } from '../data/images';

/** What stands in for an image's raw cells in an evaluation: its file and its class (the picture is fetched by index). */
export const IMAGE_EXAMPLE_COLUMNS = ['file', 'class'];

/**
 * The evaluation's example rows for a run on an image dataset: each row's values are the
 * source file and true class, and its datasetRow is the image's index, which the renderer
 * turns into a thumbnail read from the shard cache (dataset.images).
 */
export async function imageExampleValues(
  projects: ProjectService,
  projectId: string,
  meta: ImageDatasetMeta,
): Promise<(row: number) => Array<string | null>> {
  const { index } = await loadImageDataset(path.join(projects.datasetsDir(projectId), meta.id));
  return (row) => [index.sources[row] ?? null, meta.classes[index.labels[row] ?? -1]?.name ?? null];
}
