import type { CsvOptions } from '../../../../app/dataset/csv-options';
import type { TaskSpec } from '../../../../app/dataset/schema';
import type { ProjectState } from '../../../../app/ipc/contract';
import type { ModelImportSummary } from '../../../../app/ipc/model-import-contract';
import { createImageImport } from '../../features/dataset/image-import';
import { defaultTaskSpec, deriveTask } from '../../features/dataset/task-info';
import { resizedLayers } from '../../features/graph/graph-model';
import { messageOf } from '../../lib/errors';
import type { WorkbenchCore } from './core';
import type { Saving } from './saving';
import type { SetupSync } from './setup-sync';

/**
 * The Data step's actions: a CSV (dropped, chosen, by path or as text) or an image folder
 * imported, the target and task chosen, a model file imported as the graph. Each import ends with
 * the graph following the new data (setup.syncGraphToTask).
 */
export function createDatasetActions(core: WorkbenchCore, saving: Saving, setup: SetupSync) {
  const { api, host, recent, stores, currentId, patchCurrent, reportSave } = core;
  const { project, graph } = stores;
  /** The upload in progress (host mode), so that Cancel can stop it. */
  let uploading: AbortController | null = null;

  // Image folders: upload, import, thumbnails and augmentation (features/dataset/image-import.ts).
  const images = createImageImport({
    api,
    project,
    ...(host.capabilities.uploads
      ? {
          streamToHost: (selection, options) =>
            selection.kind === 'zip' && selection.files.length === 1
              ? host.pathOf(selection.files[0]!.file, options)
              : host.pathOfFolder(selection.files, options),
        }
      : {}),
    onImported: (state) => {
      const wasImages = !!project.getState().current?.imageDataset;
      patchCurrent((s) => ({
        ...s,
        dataset: null,
        imageDataset: state.imageDataset ?? null,
        project: { ...s.project, datasetId: state.project.datasetId, taskSpec: state.project.taskSpec },
      }));
      // A table's model cannot read images: start from the template made for them.
      if (!wasImages) graph.getState().load(null);
      setup.syncGraphToTask();
    },
  });
  core.disposers.push(images.dispose);

  /** One CSV import (text or path): progress under its id, the dataset adopted and the task kept or chosen. */
  async function runImport(
    projectId: string,
    fileName: string,
    invoke: (importId: string) => Promise<ProjectState>,
  ): Promise<ProjectState | null> {
    project.setState({ importing: fileName, importError: null, step: 'data' });
    try {
      // The id names this import's progress events and lets the data step cancel it.
      const importId = `import-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const state = await invoke(importId);
      if (projectId !== currentId()) return null;
      // An image model cannot read a table: the table's own template replaces it.
      if (project.getState().current?.imageDataset) graph.getState().load(null);
      patchCurrent((s) => ({
        ...s,
        dataset: state.dataset,
        imageDataset: null,
        project: { ...s.project, datasetId: state.project.datasetId, taskSpec: state.project.taskSpec },
      }));
      const info = deriveTask(state.dataset, state.project.taskSpec);
      const targetKnown = state.dataset?.columns.some((c) => c.name === info.spec?.target && c.kind !== 'ignored');
      if (state.dataset && (!info.spec || !targetKnown)) {
        const spec = defaultTaskSpec(state.dataset);
        if (spec) await actions.setTaskSpec(spec);
      } else setup.syncGraphToTask();
      return state;
    } catch (error) {
      project.setState({ importError: messageOf(error) });
      return null;
    } finally {
      project.setState({ importing: null });
    }
  }

  const actions = {
    /**
     * A CSV the user dropped or chose: its path on the main side (Electron's own path for it, or a
     * streamed upload to the host, with progress and Cancel), then imported by path at any size.
     */
    async importFile(file: File, options?: CsvOptions) {
      const lower = file.name.toLowerCase();
      if (!lower.endsWith('.csv') && file.type !== 'text/csv') {
        project.setState({
          importError: `${file.name} is not a CSV file. Choose a .csv file with a header row.`,
          step: 'data',
        });
        return;
      }
      if (!currentId() || uploading) return;
      const controller = new AbortController();
      uploading = controller;
      project.setState({
        importing: file.name,
        importError: null,
        step: 'data',
        ...(host.capabilities.uploads ? { upload: { name: file.name, sent: 0, total: file.size } } : {}),
      });
      let path: string;
      try {
        path = await host.pathOf(file, {
          signal: controller.signal,
          onProgress: (p) => project.setState({ upload: { name: file.name, sent: p.sent, total: p.total } }),
        });
      } catch (error) {
        project.setState({
          importing: null,
          importError: controller.signal.aborted
            ? `The upload of ${file.name} was cancelled; nothing of it was kept.`
            : messageOf(error),
        });
        return;
      } finally {
        uploading = null;
        project.setState({ upload: null });
      }
      await actions.importPath(path, options, file.name);
    },

    /** Stop the upload in progress; the host deletes what it received. */
    cancelUpload() {
      uploading?.abort();
    },

    /** Import a CSV by its path on the main side (a dialog's, an upload's or the host's file browser's). */
    async importPath(path: string, options?: CsvOptions, name = path.split(/[\\/]/).pop() ?? path) {
      const projectId = currentId();
      if (!projectId) return;
      const state = await runImport(projectId, name, (importId) =>
        api.invoke('dataset.importPath', { projectId, path, importId, ...(options ? { options } : {}) }),
      );
      if (state) {
        project.setState({ lastImport: { name, path } });
        recent.add({ kind: 'csv', key: path, label: name });
      }
    },

    /** Read the last imported file again with other options (delimiter, header, encoding…). */
    async reimport(options: CsvOptions) {
      const last = project.getState().lastImport;
      if (last) await actions.importPath(last.path, options, last.name);
    },

    async importText(fileName: string, text: string, options?: CsvOptions) {
      const projectId = currentId();
      if (!projectId) return;
      await runImport(projectId, fileName, (importId) =>
        api.invoke('dataset.importText', { projectId, fileName, text, importId, ...(options ? { options } : {}) }),
      );
    },

    /**
     * Import a TF.js / Keras model (its files' bytes) as the project's graph, then fit its Input and
     * head to the dataset. Throws the host's message (unsupported layers named) for the caller to show.
     */
    async importModel(
      /** The files' bytes, or a path on the main side (a native dialog's, the host's file browser's). */
      source: readonly { name: string; data: string }[] | { path: string },
    ): Promise<ModelImportSummary & { refitted: string[] }> {
      const projectId = currentId();
      if (!projectId) throw new Error('Open a project first.');
      // Saved first, so that a pending save of the old graph cannot land after the import.
      saving.flush();
      const { state, summary } = await api.invoke(
        'model.import',
        'path' in source ? { projectId, path: source.path } : { projectId, files: [...source] },
      );
      if ('path' in source) recent.add({ kind: 'model', key: source.path, label: summary.file });
      if (projectId !== currentId()) return { ...summary, refitted: [] };
      patchCurrent((s) => ({ ...s, project: { ...s.project, graph: state.project.graph } }));
      graph.getState().load(state.project.graph);
      const before = graph.getState().analysis.nodes;
      setup.syncGraphToTask();
      // Layers whose size changed to fit this dataset (its features, its classes) cannot keep their imported weights: the engine starts them fresh.
      const after = graph.getState().analysis.nodes;
      const refitted = resizedLayers(before, after);
      return { ...summary, refitted };
    },

    async setTaskSpec(spec: TaskSpec) {
      const projectId = currentId();
      if (!projectId) return;
      patchCurrent((s) => ({ ...s, project: { ...s.project, taskSpec: spec } }));
      setup.syncGraphToTask();
      await reportSave(api.invoke('project.save', { projectId, taskSpec: spec }));
    },
  };

  return { images, actions };
}
