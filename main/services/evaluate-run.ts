import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { evaluateClassification, evaluateRegression } from '../../app/diagnostics/evaluation';
import type { RawExample, RunEvaluation } from '../../app/ipc/contract';
import { formatZodError, UserError } from '../../app/ipc/errors';
import { cellText, loadColumns, type ProjectService } from '../data';
import { VALIDATION_ROWS_FILE } from '../data/prepare';
import type { EngineClient } from '../engine';
import { readPreparedData } from './runs';

/** More rows make the charts slow to draw and say nothing more about the model. */
export const MAX_EVALUATION_ROWS = 5000;
/** Example rows returned per confusion cell; the cell's total count is always exact. */
export const EXAMPLES_PER_CELL = 50;

const ValidationRows = z.object({ datasetId: z.string(), rows: z.array(z.number().int().nonnegative()) });

async function readValidationRows(runDir: string): Promise<z.infer<typeof ValidationRows>> {
  const file = path.join(runDir, 'data', VALIDATION_ROWS_FILE);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`This run does not record which dataset rows it validated on (${file} is missing): it was trained before evaluation existed. Train it again to evaluate it.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new UserError(`${file} is damaged (not JSON). Train the run again to evaluate it.`);
  }
  const parsed = ValidationRows.safeParse(json);
  if (!parsed.success) throw new UserError(formatZodError(parsed.error, `${file} is damaged`));
  return parsed.data;
}

/**
 * run.evaluate: the engine predicts on the run's validation rows, app/diagnostics computes the
 * scores, and this joins both with the raw dataset rows behind each confusion cell and each
 * worst example, so a user can look at what the model got wrong.
 */
export async function evaluateRun(deps: { projects: ProjectService; engine: EngineClient }, projectId: string, runId: string): Promise<RunEvaluation> {
  const { projects, engine } = deps;
  const run = await projects.readRun(projectId, runId);
  if (run.status === 'running') throw new UserError(`Run ${runId} is still training; evaluate it when it has finished.`);
  if (!run.hasModel) throw new UserError(`Run ${runId} has no trained model to evaluate (it ${run.status === 'failed' ? 'failed' : 'ended before its first batch'}).`);
  const runDir = projects.runDir(projectId, runId);
  const modelDir = path.join(runDir, 'model');
  if (!existsSync(path.join(modelDir, 'model.json'))) throw new UserError(`Run ${runId} has no saved model (${modelDir} is missing).`);
  const data = await readPreparedData(runDir);
  const validation = await readValidationRows(runDir);
  if (validation.rows.length !== data.valRows) throw new UserError(`${path.join(runDir, 'data', VALIDATION_ROWS_FILE)} lists ${validation.rows.length} rows but the run has ${data.valRows} validation rows. Train the run again.`);

  const state = await projects.open(projectId);
  const meta = state.dataset;
  if (!meta || meta.id !== validation.datasetId) throw new UserError(`The dataset run ${runId} was trained on has been replaced by another import, so its rows cannot be shown. Train a new run to evaluate it.`);
  const datasetDir = path.join(projects.datasetsDir(projectId), meta.id);
  const [result, columns] = await Promise.all([engine.evaluate({ modelDir, data, maxRows: MAX_EVALUATION_ROWS }), loadColumns(datasetDir, meta)]);

  const example = (index: number): RawExample => {
    const valPosition = result.rows[index] ?? index;
    const datasetRow = validation.rows[valPosition] ?? -1;
    return { index, datasetRow, values: columns.map((c) => cellText(c, datasetRow)) };
  };
  const base = { runId, split: 'validation' as const, target: data.preprocessing.target, valRows: result.valRows, capped: result.capped, columns: meta.columns.map((c) => c.name) };

  const labels = data.preprocessing.labels;
  if (!labels) {
    const evaluation = evaluateRegression(
      result.outputs.map((o) => o[0] ?? Number.NaN),
      result.targets,
    );
    return { ...base, evaluation, cells: [], worst: evaluation.largestErrors.map((p) => example(p.index)) };
  }
  const evaluation = evaluateClassification(result.outputs, result.targets, labels);
  const byCell = new Map<string, number[]>();
  evaluation.predictions.forEach((predicted, i) => {
    const key = `${result.targets[i]}:${predicted}`;
    const list = byCell.get(key) ?? [];
    list.push(i);
    byCell.set(key, list);
  });
  const cells = [...byCell].map(([key, indices]) => {
    const [actual, predicted] = key.split(':').map(Number) as [number, number];
    return { actual, predicted, total: indices.length, examples: indices.slice(0, EXAMPLES_PER_CELL).map(example) };
  });
  return { ...base, evaluation, cells, worst: evaluation.confidentlyWrong.map((w) => example(w.index)) };
}
