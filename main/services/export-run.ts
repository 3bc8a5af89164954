import { existsSync } from 'node:fs';
import path from 'node:path';
import { exportFolderName, type ExportOptions, type ModelCardContext } from '../../app/engine/export-options';
import type { ExportResult } from '../../app/engine/protocol';
import { diagnoseRun } from '../../app/diagnostics/from-run';
import { UserError } from '../../app/ipc/errors';
import type { RunSummary } from '../../app/project/schema';
import type { ProjectService } from '../data';
import type { EngineClient } from '../engine/client';
import { modelFromCheckpoint, readPreparedData, refuseSeveralInputsOrHeads, whyNoModel } from './runs';

/** What MODEL_CARD.md says about a project's run: its data, graph, settings, history and verdicts. */
export function cardContextFor(
  run: RunSummary,
  source: string,
  dataset: { name: string; rows: number } | null,
): ModelCardContext {
  return {
    source,
    dataset,
    graph: run.graph,
    hyperparameters: run.trainConfig as Record<string, unknown>,
    epochs: run.epochs,
    earlyStopped: run.earlyStopped ?? null,
    baseline: run.baseline ?? null,
    verdicts: diagnoseRun(run).map(({ severity, title, explanation }) => ({ severity, title, explanation })),
    backend: run.backend?.name ?? null,
    trainedAt: run.startedAt,
    ...(run.testScore ? { testScore: run.testScore } : {}),
  };
}

/**
 * The export channel's main side: the run must have a trained model; the folder defaults to
 * <project>/exports/<run id>/<format> (exportFolderName); the engine writes and proves the files.
 */
export async function exportRun(
  deps: { projects: ProjectService; engine: EngineClient },
  input: { projectId: string; runId: string; outDir: string | null } & ExportOptions,
  /** Each step as it starts; a cancel between steps (the export then fails, leaving nothing). */
  progress: Parameters<EngineClient['exportModel']>[1] = {},
): Promise<ExportResult> {
  const { projects, engine } = deps;
  const { projectId, runId, outDir } = input;
  const run = await projects.readRun(projectId, runId);
  if (!run.hasModel) throw new UserError(`Run ${runId} has no trained model to export (it ${whyNoModel(run)}).`);
  if (outDir !== null && !path.isAbsolute(outDir))
    throw new UserError(`Export folder "${outDir}" must be an absolute path.`);
  const target = outDir ?? path.join(projects.projectDir(projectId), 'exports', runId, exportFolderName(input));
  const runDir = projects.runDir(projectId, runId);
  const modelDir = path.join(runDir, 'model');
  await modelFromCheckpoint(deps, projectId, run);
  if (!existsSync(path.join(modelDir, 'model.json')))
    throw new UserError(`Run ${runId} has no saved model (${modelDir} is missing).`);
  const state = await projects.open(projectId);
  const dataset = state.dataset ? { name: state.dataset.name, rows: state.dataset.rows } : null;
  const data = await readPreparedData(runDir);
  // A PyTorch project takes several Inputs and heads (training.json splits the rows and targets).
  if (input.format !== 'pytorch') refuseSeveralInputsOrHeads(data, 'export to this format supports');
  return engine.exportModel(
    {
      modelDir,
      data,
      outDir: target,
      format: input.format,
      quantize: input.quantize,
      float16Weights: input.float16Weights,
      card: cardContextFor(run, `run ${runId} of project "${state.project.name}"`, dataset),
      origin: {
        workspace: projects.workspaceDir,
        project: projectId,
        run: runId,
        label: `run ${runId} of project "${state.project.name}"`,
      },
    },
    progress,
  );
}
