import path from 'node:path';
import { UserError } from '../../app/ipc/errors';
import type { ProjectService } from '../data';
import { importCsvFile, importCsvText, Limiter, type ImportOptions } from '../data';
import type { EngineClient } from '../engine/client';
import type { Handlers } from '../ipc/dispatch';
import { EventBus } from '../ipc/event-bus';
import { predictImages } from './predict-images';
import { predictInputs, predictRun } from './predict-run';
import { evaluateRun } from './evaluate-run';
import { exportRun } from './export-run';
import { createImageHandlers } from './image-handlers';
import { importModelIntoProject } from './model-import';
import { importRunInput } from './run-import';
import { anyPath, pathsInside } from './path-policy';
import { RecentStore } from './recent';
import type { RunManager } from './runs';
import { deleteRun, runsTable, updateTags } from './runs-table';
import { StudyManager } from './studies';

export interface HandlerDeps {
  mode: 'electron' | 'host';
  version: string;
  workspace: string;
  projects: ProjectService;
  engine: EngineClient;
  runs: RunManager;
  /** Studies in the app; createServices passes its own (it reconciles them at start-up), else one is made here. */
  studies?: StudyManager;
  /** Where import progress goes (dataset.importProgress); optional for callers without events. */
  bus?: EventBus;
  /** Host mode: folders besides the workspace whose files a path in a request may name (`layerlab host --data-root`). */
  dataRoots?: readonly string[];
  /** Recent projects and files (`<workspace>/recent.json`); one is made here when not given. */
  recent?: RecentStore;
}

/** Dataset imports (CSV or images) that run at once; later ones wait their turn. */
export const IMPORTS_AT_ONCE = 2;

/** The main side's answer to every channel of the contract. Inputs arrive already validated. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { projects, engine, runs } = deps;
  /** Paths in requests: any in Electron (the user's own dialogs), only the workspace and --data-root folders in host mode. */
  const paths = deps.mode === 'host' ? pathsInside([deps.workspace, ...(deps.dataRoots ?? [])]) : anyPath;
  /** Studies in the app (issue 16): trials are runs of the run manager, one at a time. */
  const studies = deps.studies ?? new StudyManager({ projects, runs, bus: deps.bus ?? new EventBus() });
  const recent = deps.recent ?? new RecentStore(deps.workspace, projects);
  /** What the user opened or imported goes on the recent list; a list that cannot be written never fails the work itself. */
  const remember = (entry: Parameters<RecentStore['add']>[0]) =>
    recent
      .add(entry)
      .catch((error: unknown) =>
        console.warn(
          `[layerlab] Could not update ${recent.file}: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  const opened = async <T extends { id: string; project: { name: string } }>(state: T): Promise<T> => {
    await remember({ kind: 'project', key: state.id, label: state.project.name });
    return state;
  };

  /** Imports in progress by the caller's id, so that dataset.cancelImport can stop them. */
  const imports = new Map<string, AbortController>();
  /** Exports in progress by the caller's id, so that export.cancel can stop them. */
  const exports = new Map<string, AbortController>();
  /** Imports run in turn, a few at once (shared with the image import). */
  const importQueue = new Limiter(IMPORTS_AT_ONCE);
  const imageHandlers = createImageHandlers({
    projects,
    imports,
    importQueue,
    paths,
    ...(deps.bus ? { bus: deps.bus } : {}),
  });

  const importDataset = async (
    projectId: string,
    importId: string | undefined,
    load: (datasetsDir: string, tracking: ImportOptions) => ReturnType<typeof importCsvText>,
  ) => {
    await projects.open(projectId); // fails clearly for an unknown project before any work
    const controller = new AbortController();
    if (importId !== undefined) {
      if (imports.has(importId)) throw new UserError(`An import with id ${importId} is already running.`);
      imports.set(importId, controller);
    }
    const tracking: ImportOptions = {
      signal: controller.signal,
      ...(importId !== undefined && deps.bus
        ? { onProgress: (p) => deps.bus?.emit('dataset.importProgress', { importId, ...p }) }
        : {}),
    };
    let meta: Awaited<ReturnType<typeof importCsvText>>;
    try {
      // In turn, IMPORTS_AT_ONCE at a time: each import keeps libuv's threads busy reading and
      // writing, and a slow one must not leave none for every other request.
      meta = await importQueue.run(() => load(projects.datasetsDir(projectId), tracking), controller.signal);
    } catch (error) {
      // Cancelled while it waited its turn: nothing was read or written.
      if (controller.signal.aborted && !(error instanceof UserError))
        throw new UserError('The import was cancelled before it started; the project is as it was.');
      throw error;
    } finally {
      if (importId !== undefined) imports.delete(importId);
    }
    // A new dataset invalidates the old target choice; the graph stays and is refitted by the editor.
    await projects.save(projectId, { datasetId: meta.id, taskSpec: null });
    return projects.open(projectId);
  };

  return {
    'app.info': async () => ({
      mode: deps.mode,
      version: deps.version,
      workspace: deps.workspace,
      engine: engine.status,
    }),
    'project.list': async () => projects.list(),
    'project.create': async ({ name }) => opened(await projects.create(name)),
    'project.open': async ({ projectId }) => opened(await projects.open(projectId)),
    'recent.list': async () => recent.list(),
    'recent.remove': async ({ kind, key }) => {
      await recent.remove(kind, key);
      return recent.list();
    },
    'recent.rememberFolder': async ({ kind, path: folder }) => {
      // Host mode: only a folder the file browser may show (the workspace and --data-root folders).
      await recent.rememberFolder(kind, await paths.check(folder, 'The folder'));
      return { remembered: true };
    },
    'project.save': async ({ projectId, ...patch }) => {
      await projects.save(projectId, patch);
      return projects.open(projectId);
    },
    'dataset.importText': async ({ projectId, fileName, text, options, importId }) =>
      importDataset(projectId, importId, (datasetsDir, tracking) =>
        importCsvText({
          text,
          fileName: path.basename(fileName),
          datasetsDir,
          ...tracking,
          ...(options ? { options } : {}),
        }),
      ),
    'dataset.importPath': async ({ projectId, path: given, options, importId }) => {
      const file = await paths.check(given, 'The CSV file');
      const state = await importDataset(projectId, importId, (datasetsDir, tracking) =>
        importCsvFile({ path: file, datasetsDir, ...tracking, ...(options ? { options } : {}) }),
      );
      await remember({ kind: 'csv', key: file, label: path.basename(file) });
      return state;
    },
    'dataset.cancelImport': async ({ importId }) => {
      const controller = imports.get(importId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
    ...imageHandlers,
    'dataset.importImages': async (input) => {
      const state = await imageHandlers['dataset.importImages'](input);
      if (input.source.kind === 'path') {
        const source = await paths.check(input.source.path, 'The image folder');
        await remember({ kind: 'images', key: source, label: path.basename(source) });
      }
      return state;
    },
    'model.import': async (input) => {
      const file = input.path === undefined ? undefined : await paths.check(input.path, 'The model file');
      const result = await importModelIntoProject(
        projects,
        file === undefined ? input : { ...input, path: file },
        (f) => paths.check(f, 'A weights file the model names'),
      );
      if (file !== undefined) await remember({ kind: 'model', key: file, label: path.basename(file) });
      return result;
    },
    'run.importFolder': async (input) => {
      const imported = await importRunInput(
        projects,
        input.path === undefined ? input : { ...input, path: await paths.check(input.path, 'The run folder') },
      );
      deps.bus?.emit('run.updated', { projectId: imported.projectId, run: imported.run });
      return imported;
    },
    'run.start': async (input) => runs.start(input),
    'run.findLearningRate': async (input) => runs.start({ ...input, lrFinderOnly: true }),
    'run.cancel': async ({ projectId, runId }) => ({ cancelled: runs.cancel(projectId, runId) }),
    'run.pause': async ({ projectId, runId }) => ({ accepted: runs.pause(projectId, runId) }),
    'run.resume': async ({ projectId, runId }) => ({ accepted: runs.resume(projectId, runId) }),
    'run.continue': async ({ projectId, runId }) => runs.continueRun(projectId, runId),
    'run.get': async ({ projectId, runId }) => projects.readRun(projectId, runId),
    'runs.table': async ({ projectId }) => runsTable(projects, projectId),
    'run.rename': async ({ projectId, runId, name }) => updateTags(projects, projectId, runId, { name }),
    'run.star': async ({ projectId, runId, starred }) => updateTags(projects, projectId, runId, { starred }),
    'run.delete': async ({ projectId, runId }) => deleteRun(projects, runs, projectId, runId),
    'study.start': async (input) => studies.start(input),
    'study.cancel': async ({ projectId, studyId }) => ({ cancelled: studies.cancel(projectId, studyId) }),
    'study.resume': async ({ projectId, studyId }) => studies.resume(projectId, studyId),
    'study.list': async ({ projectId }) => studies.list(projectId),
    'run.evaluate': async ({ projectId, runId, split }) => evaluateRun({ projects, engine }, projectId, runId, split),
    'run.predictInputs': async ({ projectId, runId }) => predictInputs({ projects, engine }, projectId, runId),
    'run.predict': async ({ projectId, runId, rows }) => predictRun({ projects, engine }, projectId, runId, rows),
    'run.predictImages': async ({ projectId, runId, images }) =>
      predictImages({ projects, engine }, projectId, runId, images),
    'run.learningCurve': async ({ projectId, runId }) => runs.learningCurve(projectId, runId),
    'run.cancelLearningCurve': async ({ projectId, runId }) => ({
      cancelled: runs.cancelLearningCurve(projectId, runId),
    }),
    'export.model': async ({ exportId, ...input }) => {
      const outDir = input.outDir === null ? null : await paths.check(input.outDir, 'The export folder');
      if (exportId === undefined) return exportRun({ projects, engine }, { ...input, outDir });
      if (exports.has(exportId)) throw new UserError(`An export with id ${exportId} is already running.`);
      const controller = new AbortController();
      exports.set(exportId, controller);
      try {
        return await exportRun(
          { projects, engine },
          { ...input, outDir },
          {
            signal: controller.signal,
            onProgress: (p) => deps.bus?.emit('export.progress', { exportId, ...p }),
          },
        );
      } finally {
        exports.delete(exportId);
      }
    },
    'export.cancel': async ({ exportId }) => {
      const controller = exports.get(exportId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
  };
}
