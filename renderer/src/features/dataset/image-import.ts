import { createStore } from 'zustand/vanilla';
import type { Augmentation, ImageImportProgress } from '../../../../app/dataset/images';
import type { Api } from '../../../../app/ipc/client';
import type { ProjectState } from '../../../../app/ipc/contract';
import { MAX_UPLOAD_REQUEST_BYTES, type ImageImportChoice, type UploadPart } from '../../../../app/ipc/image-contract';
import { debounce } from '../../lib/debounce';
import { messageOf } from '../../lib/errors';
import type { ProjectStore } from '../projects/project-store';
import type { ImageSelection } from './image-files';

/** Raw bytes of one piece of a file: a request carries a few of them, under the contract's cap. */
const PIECE_BYTES = 1024 * 1024;
const REQUEST_BYTES = MAX_UPLOAD_REQUEST_BYTES - PIECE_BYTES;

export interface ImageImportState {
  /** A dropped folder or zip waiting for its size, colour and fit to be chosen. */
  pending: ImageSelection | null;
  /** Width, height or colour left out: chosen from the images by the import (their own size when shared, grayscale when all gray). */
  options: ImageImportChoice & Required<Pick<ImageImportChoice, 'fit'>>;
  phase: 'idle' | 'uploading' | 'importing';
  /** Upload progress in bytes. */
  sent: number;
  total: number;
  progress: ImageImportProgress | null;
  cancelling: boolean;
  /** The webcam collector is open in the Data step (WebcamCollector). */
  collecting: boolean;
}

export const DEFAULT_IMAGE_OPTIONS: ImageImportState['options'] = { fit: 'pad' };

const newId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** A piece of a file as base64, read natively (FileReader) rather than byte by byte in script. */
export function base64Of(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(blob);
  });
}

export interface ImageImportDeps {
  api: Api;
  project: ProjectStore;
  /** The new project state after an import: the workbench adopts the dataset and fits the model. */
  onImported: (state: ProjectState) => void;
  /**
   * Host mode: streams a .zip or a folder's files to the host's file API (renderer/src/app/host)
   * and answers its path there, straight to disk in chunks instead of through the contract.
   */
  streamToHost?: (
    selection: ImageSelection,
    options: { signal: AbortSignal; onProgress: (p: { sent: number; total: number }) => void },
  ) => Promise<string>;
}

export type ImageImport = ReturnType<typeof createImageImport>;

/**
 * Image datasets in the renderer: a dropped folder or zip waits for its import options, is sent
 * to main in pieces (host mode has no path to give) and imported there with progress and
 * Cancel; then the thumbnails, the augmentation settings and their preview.
 */
export function createImageImport({ api, project, onImported, streamToHost }: ImageImportDeps) {
  const store = createStore<ImageImportState>()(() => ({
    pending: null,
    options: DEFAULT_IMAGE_OPTIONS,
    phase: 'idle',
    sent: 0,
    total: 0,
    progress: null,
    cancelling: false,
    collecting: false,
  }));
  let uploadId: string | null = null;
  let importId: string | null = null;
  let cancelled = false;
  /** Stops a .zip streaming to the host (host mode). */
  let streaming: AbortController | null = null;
  const currentId = () => project.getState().current?.id ?? null;

  const saveAugmentation = debounce((projectId: string, augmentation: Augmentation) => {
    if (projectId !== currentId()) return;
    void api.invoke('project.save', { projectId, augmentation }).then(
      () => project.setState({ saveError: null }),
      (error: unknown) => project.setState({ saveError: `Could not save the project: ${messageOf(error)}` }),
    );
  }, 400);

  async function upload(projectId: string, id: string, selection: ImageSelection): Promise<void> {
    let parts: UploadPart[] = [];
    let size = 0;
    const flush = async () => {
      if (parts.length === 0) return;
      const sending = parts;
      parts = [];
      size = 0;
      await api.invoke('dataset.uploadChunk', { projectId, uploadId: id, parts: sending });
    };
    for (const { path, file } of selection.files) {
      // An empty file still goes, as one empty piece: the importer lists it as skipped.
      for (let offset = 0; offset === 0 || offset < file.size; offset += PIECE_BYTES) {
        if (cancelled) return;
        const piece = file.slice(offset, offset + PIECE_BYTES);
        parts.push({ path, offset, data: await base64Of(piece) });
        size += piece.size;
        store.setState((s) => ({ sent: s.sent + piece.size }));
        if (size >= REQUEST_BYTES || parts.length >= 500) await flush();
      }
    }
    await flush();
  }

  const actions = {
    /** A folder or zip the user dropped or chose: shown with the import options, not imported yet. */
    select(selection: ImageSelection) {
      if (store.getState().phase !== 'idle') return;
      if (selection.files.length === 0 && selection.path === undefined) {
        project.setState({
          importError: `${selection.name} holds no files. Choose a folder whose subfolders are the classes (pets/cats/…, pets/dogs/…), or a .zip of one.`,
          step: 'data',
        });
        return;
      }
      project.setState({ importError: null, step: 'data' });
      store.setState({ pending: selection });
    },
    /** Opens or closes the webcam collector, whose frames come back through select. */
    collect(open: boolean) {
      store.setState({ collecting: open });
    },
    clear() {
      if (store.getState().phase === 'idle') store.setState({ pending: null });
    },
    setOptions(patch: Partial<ImageImportChoice>) {
      store.setState((s) => {
        const options = { ...s.options, ...patch };
        // undefined means "auto": dropped, so the contract sees the field left out.
        for (const key of Object.keys(options) as (keyof typeof options)[])
          if (options[key] === undefined) delete options[key];
        return { options };
      });
    },
    async start() {
      const projectId = currentId();
      const { pending, options, phase } = store.getState();
      if (!projectId || !pending || phase !== 'idle') return;
      cancelled = false;
      uploadId = newId('upload');
      importId = newId('images');
      const thisUpload = uploadId;
      store.setState({ phase: 'uploading', sent: 0, total: pending.bytes, progress: null, cancelling: false });
      project.setState({ importing: pending.name, importError: null });
      try {
        // A path (a dialog's, a desktop drop's, the host's file browser's) is imported where it lies;
        // in host mode a .zip or a folder is streamed to the host's disk and imported from there.
        let path = pending.path;
        if (path === undefined && streamToHost) {
          streaming = new AbortController();
          path = await streamToHost(pending, {
            signal: streaming.signal,
            onProgress: (p) => store.setState({ sent: p.sent }),
          }).catch((error: unknown) => {
            if (cancelled) return undefined;
            throw error;
          });
          if (cancelled) return;
        } else if (path === undefined) await upload(projectId, thisUpload, pending);
        if (cancelled) {
          await api.invoke('dataset.discardUpload', { projectId, uploadId: thisUpload }).catch(() => undefined);
          return;
        }
        store.setState({ phase: 'importing' });
        const state = await api.invoke('dataset.importImages', {
          projectId,
          source: path === undefined ? { kind: 'upload', uploadId: thisUpload } : { kind: 'path', path },
          options,
          importId,
        });
        store.setState({ pending: null });
        if (projectId === currentId()) onImported(state);
      } catch (error) {
        if (!cancelled) project.setState({ importError: messageOf(error) });
        await api.invoke('dataset.discardUpload', { projectId, uploadId: thisUpload }).catch(() => undefined);
      } finally {
        uploadId = null;
        importId = null;
        streaming = null;
        store.setState({ phase: 'idle', progress: null, cancelling: false });
        project.setState({ importing: null });
      }
    },
    /** Stops the upload, or the import in main; either way the project stays as it was. */
    async cancel() {
      const { phase } = store.getState();
      if (phase === 'idle') return;
      cancelled = true;
      store.setState({ cancelling: true });
      streaming?.abort();
      if (phase === 'importing' && importId)
        await api.invoke('dataset.cancelImport', { importId }).catch(() => undefined);
    },
    setAugmentation(augmentation: Augmentation) {
      const projectId = currentId();
      if (!projectId) return;
      project.setState((s) =>
        s.current ? { current: { ...s.current, project: { ...s.current.project, augmentation } } } : {},
      );
      saveAugmentation(projectId, augmentation);
    },
    async thumbnails() {
      const projectId = currentId();
      if (!projectId) throw new Error('Open a project first.');
      return api.invoke('dataset.imageThumbnails', { projectId });
    },
    async preview(augmentation: Augmentation, seed: number) {
      const projectId = currentId();
      if (!projectId) throw new Error('Open a project first.');
      return api.invoke('dataset.augmentedPreview', { projectId, augmentation, seed, variants: 4 });
    },
    /** Stored images by dataset index (at most 200 a request). */
    async images(indices: number[]) {
      const projectId = currentId();
      if (!projectId) throw new Error('Open a project first.');
      return api.invoke('dataset.images', { projectId, indices });
    },
  };

  const off = api.on('dataset.imageImportProgress', (p) => {
    if (p.importId === importId) store.setState({ progress: p });
  });

  return {
    store,
    actions,
    dispose() {
      saveAugmentation.flush();
      off();
    },
  };
}
