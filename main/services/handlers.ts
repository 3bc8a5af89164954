import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../app/ipc/errors';
import type { ProjectService } from '../data';
import { importCsvFile, importCsvText } from '../data';
import type { EngineClient } from '../engine';
import type { Handlers } from '../ipc/dispatch';
import { readPreparedData, type RunManager } from './runs';

export interface HandlerDeps {
  mode: 'electron' | 'host';
  version: string;
  workspace: string;
  projects: ProjectService;
  engine: EngineClient;
  runs: RunManager;
}

/** The main side's answer to every channel of the contract. Inputs arrive already validated. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { projects, engine, runs } = deps;

  const importDataset = async (projectId: string, load: (datasetsDir: string) => ReturnType<typeof importCsvText>) => {
    await projects.open(projectId); // fails clearly for an unknown project before any work
    const meta = await load(projects.datasetsDir(projectId));
    // A new dataset invalidates the old target choice; the graph stays and is refitted by the editor.
    await projects.save(projectId, { datasetId: meta.id, taskSpec: null });
    return projects.open(projectId);
  };

  return {
    'app.info': async () => ({ mode: deps.mode, version: deps.version, workspace: deps.workspace, engine: engine.status }),
    'project.list': async () => projects.list(),
    'project.create': async ({ name }) => projects.create(name),
    'project.open': async ({ projectId }) => projects.open(projectId),
    'project.save': async ({ projectId, ...patch }) => {
      await projects.save(projectId, patch);
      return projects.open(projectId);
    },
    'dataset.importText': async ({ projectId, fileName, text }) =>
      importDataset(projectId, (datasetsDir) => importCsvText({ text, fileName: path.basename(fileName), datasetsDir })),
    'dataset.importPath': async ({ projectId, path: file }) => {
      if (!path.isAbsolute(file)) throw new UserError(`"${file}" is not an absolute path.`);
      return importDataset(projectId, (datasetsDir) => importCsvFile({ path: file, datasetsDir }));
    },
    'run.start': async (input) => runs.start(input),
    'run.cancel': async ({ projectId, runId }) => ({ cancelled: runs.cancel(projectId, runId) }),
    'run.get': async ({ projectId, runId }) => projects.readRun(projectId, runId),
    'export.tfjs': async ({ projectId, runId, outDir }) => {
      const run = await projects.readRun(projectId, runId);
      if (!run.hasModel) throw new UserError(`Run ${runId} has no trained model to export (it ${run.status === 'failed' ? 'failed' : 'ended before its first batch'}).`);
      if (outDir !== null && !path.isAbsolute(outDir)) throw new UserError(`Export folder "${outDir}" must be an absolute path.`);
      const target = outDir ?? path.join(projects.projectDir(projectId), 'exports', runId);
      const runDir = projects.runDir(projectId, runId);
      const modelDir = path.join(runDir, 'model');
      if (!existsSync(path.join(modelDir, 'model.json'))) throw new UserError(`Run ${runId} has no saved model (${modelDir} is missing).`);
      return engine.exportModel({ modelDir, data: await readPreparedData(runDir), outDir: target });
    },
  };
}
