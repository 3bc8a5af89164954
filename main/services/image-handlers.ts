import path from 'node:path';
import { IMAGE_TASK_SPEC } from '../../app/dataset/image-task';
import type { ImageImportProgress } from '../../app/dataset/images';
import { UserError } from '../../app/ipc/errors';
import type { Limiter, ProjectService } from '../data';
import {
  augmentedPreview,
  importImages,
  loadImageDataset,
  readStoredImages,
  readThumbnails,
  UploadStore,
  type StoredImageDataset,
} from '../data/images';
import type { Handlers } from '../ipc/dispatch';
import type { EventBus } from '../ipc/event-bus';
import { anyPath, type PathPolicy } from './path-policy';

type ImageChannel =
  | 'dataset.uploadChunk'
  | 'dataset.discardUpload'
  | 'dataset.importImages'
  | 'dataset.imageThumbnails'
  | 'dataset.augmentedPreview'
  | 'dataset.images';

export interface ImageHandlerDeps {
  projects: ProjectService;
  bus?: EventBus;
  /** Imports in progress by id, shared with the CSV import so dataset.cancelImport stops either. */
  imports: Map<string, AbortController>;
  /** Imports run in turn through this queue, shared with the CSV import; none: no queue. */
  importQueue?: Limiter;
  uploads?: UploadStore;
  /** Progress events at most this often (the last one of each phase always goes). */
  progressIntervalMs?: number;
  /** Which folders a path source may name (host mode: the workspace and --data-root); none: any absolute path. */
  paths?: PathPolicy;
}

const dataUrl = (png: Uint8Array) => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;

/** The channels of image datasets: upload, import, thumbnails, augmented preview, stored images. */
export function createImageHandlers(deps: ImageHandlerDeps): Pick<Handlers, ImageChannel> {
  const { projects, imports } = deps;
  const uploads = deps.uploads ?? new UploadStore();
  const interval = deps.progressIntervalMs ?? 100;

  /** The project's image dataset, checked and ready to read, or a message saying there is none. */
  const currentDataset = async (projectId: string): Promise<StoredImageDataset> => {
    const state = await projects.open(projectId);
    if (!state.imageDataset || state.project.datasetId === null)
      throw new UserError(`Project "${projectId}" has no image dataset; import a folder of images first.`);
    return loadImageDataset(path.join(projects.datasetsDir(projectId), state.project.datasetId));
  };

  const progressEmitter = (importId: string | undefined) => {
    const bus = deps.bus;
    if (importId === undefined || !bus) return undefined;
    let last = 0;
    let lastPhase = '';
    return (p: ImageImportProgress) => {
      const now = Date.now();
      const final = p.phase !== 'decoding' || p.done === p.total;
      if (!final && p.phase === lastPhase && now - last < interval) return;
      last = now;
      lastPhase = p.phase;
      bus.emit('dataset.imageImportProgress', { importId, ...p });
    };
  };

  return {
    'dataset.uploadChunk': async ({ projectId, uploadId, parts }) => {
      await projects.open(projectId); // an unknown project fails before anything is written
      return uploads.append(projects.datasetsDir(projectId), uploadId, parts);
    },
    'dataset.discardUpload': async ({ projectId, uploadId }) => ({
      discarded: await uploads.discard(projects.datasetsDir(projectId), uploadId),
    }),
    'dataset.importImages': async ({ projectId, source, options, importId }) => {
      await projects.open(projectId);
      const datasetsDir = projects.datasetsDir(projectId);
      // Checked before anything is opened: host mode reads only inside the workspace and --data-root folders.
      const sourcePath =
        source.kind === 'path' ? await (deps.paths ?? anyPath).check(source.path, 'The image folder') : null;
      const controller = new AbortController();
      if (importId !== undefined) {
        if (imports.has(importId)) throw new UserError(`An import with id ${importId} is already running.`);
        imports.set(importId, controller);
      }
      let from = sourcePath;
      try {
        from ??= await uploads.importRoot(datasetsDir, source.kind === 'upload' ? source.uploadId : '');
        const onProgress = progressEmitter(importId);
        const folder = from;
        const load = () =>
          importImages({
            path: folder,
            datasetsDir,
            signal: controller.signal,
            // A link inside the folder is held to the same policy as the folder itself.
            ...(deps.paths ? { linkAllowed: (file: string) => deps.paths!.check(file, 'An image') } : {}),
            ...(options ? { options } : {}),
            ...(onProgress ? { onProgress } : {}),
          });
        const meta = deps.importQueue ? await deps.importQueue.run(load, controller.signal) : await load();
        await projects.save(projectId, { datasetId: meta.id, taskSpec: IMAGE_TASK_SPEC });
      } catch (error) {
        if (controller.signal.aborted)
          throw new UserError(
            `The import of ${from ? path.basename(from) : 'the images'} was cancelled; the project is as it was.`,
          );
        throw error;
      } finally {
        if (importId !== undefined) imports.delete(importId);
        // The staging copy has done its job (or failed): the project keeps only the cache.
        if (source.kind === 'upload') await uploads.discard(datasetsDir, source.uploadId);
      }
      return projects.open(projectId);
    },
    'dataset.imageThumbnails': async ({ projectId }) => {
      const dataset = await currentDataset(projectId);
      return { datasetId: dataset.meta.id, classes: await readThumbnails(dataset.dir, dataset.meta) };
    },
    'dataset.augmentedPreview': async ({ projectId, augmentation, seed, variants }) => {
      const dataset = await currentDataset(projectId);
      const samples = await augmentedPreview(dataset, {
        augmentation,
        seed,
        ...(variants !== undefined ? { variants } : {}),
      });
      return {
        samples: samples.map((s) => ({
          index: s.index,
          className: s.className,
          original: dataUrl(s.original),
          augmented: s.augmented.map(dataUrl),
        })),
      };
    },
    'dataset.images': async ({ projectId, indices }) => ({
      images: await readStoredImages(await currentDataset(projectId), indices),
    }),
  };
}
