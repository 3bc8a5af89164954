import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { evaluateClassification, evaluateRegression, type Evaluation } from '../../app/diagnostics/evaluation';
import type { EvaluateResult, PreparedData } from '../../app/engine/protocol';
import type { RawExample, RunEvaluation } from '../../app/ipc/contract';
import { formatZodError, UserError } from '../../app/ipc/errors';
import { loadRowCells, type ProjectService } from '../data';
import type { RunSummary, TestScore } from '../../app/project/schema';
import { headFor, type LossName } from '../../app/training/config';
import { TEST_ROWS_FILE, VALIDATION_ROWS_FILE } from '../data/prepare';
import type { EngineClient } from '../engine/client';
import { modelFromCheckpoint, readPreparedData, refuseSeveralInputsOrHeads, whyNoModel } from './runs';
import { IMAGE_EXAMPLE_COLUMNS, imageExampleValues } from './image-examples';

/** More rows make the charts slow to draw and say nothing more about the model. */
export const MAX_EVALUATION_ROWS = 5000;
/** Example rows returned per confusion cell; the cell's total count is always exact. */
export const EXAMPLES_PER_CELL = 50;

const ValidationRows = z.object({ datasetId: z.string(), rows: z.array(z.number().int().nonnegative()) });

export type EvaluatedSplit = 'validation' | 'test';

async function readValidationRows(runDir: string, split: EvaluatedSplit): Promise<z.infer<typeof ValidationRows>> {
  const file = path.join(runDir, 'data', split === 'test' ? TEST_ROWS_FILE : VALIDATION_ROWS_FILE);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new UserError(
      `This run does not record which dataset rows it validated on (${file} is missing): it was trained before evaluation existed. Train it again to evaluate it.`,
    );
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
 * The test split as the engine's evaluate request reads a split: a folder whose x_val/y_val are
 * the test files (hard links, or copies where the file system has none), so the engine stays
 * split-agnostic and the test rows never pass through anything that trains.
 */
async function testSplitView(data: PreparedData): Promise<PreparedData> {
  const dir = path.join(data.dir, 'test-split');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [from, to] of [
    ['x_test', 'x_val'],
    ['y_test', 'y_val'],
  ] as const) {
    const source = path.join(data.dir, `${from}.f32`);
    await link(source, path.join(dir, `${to}.f32`)).catch(() => copyFile(source, path.join(dir, `${to}.f32`)));
  }
  return { ...data, dir, valRows: data.testRows ?? 0 };
}

/** tfjs clips probabilities to [ε, 1 − ε] before its cross-entropies; so does this, to report the loss the engine would. */
const EPSILON = 1e-7;
const clip = (p: number) => Math.min(1 - EPSILON, Math.max(EPSILON, p));

/**
 * The run's loss on evaluated rows, in the units the engine reports it (regression in the target's
 * own units: squared losses × std², as the engine scales them). Null for a loss without a formula here.
 */
export function lossOf(result: EvaluateResult, loss: LossName, targetStd: number): number | null {
  const n = result.targets.length;
  if (n === 0) return null;
  let sum = 0;
  for (let i = 0; i < n; i += 1) {
    const output = result.outputs[i] ?? [];
    const target = result.targets[i] ?? 0;
    const error = (output[0] ?? 0) - target;
    switch (loss) {
      case 'meanSquaredError':
        sum += error * error;
        break;
      case 'meanAbsoluteError':
        sum += Math.abs(error);
        break;
      case 'huber': {
        // Keras' delta 1 applies to the standardized target the model is trained on.
        const e = Math.abs(error / targetStd);
        sum += (e <= 1 ? 0.5 * e * e : e - 0.5) * targetStd * targetStd;
        break;
      }
      case 'binaryCrossentropy':
        sum -= target === 1 ? Math.log(clip(output[0] ?? 0)) : Math.log(1 - clip(output[0] ?? 0));
        break;
      case 'categoricalCrossentropy':
      case 'sparseCategoricalCrossentropy':
        sum -= Math.log(clip(output[target] ?? 0));
        break;
      default:
        return null;
    }
  }
  return sum / n;
}

function testScoreOf(run: RunSummary, data: PreparedData, result: EvaluateResult, evaluation: Evaluation): TestScore {
  const classes = data.preprocessing.labels?.length ?? 1;
  const loss = run.trainConfig.loss ?? headFor(run.task, run.task === 'classification' ? classes : 1).loss;
  return {
    evaluatedAt: new Date().toISOString(),
    rows: result.targets.length,
    loss: lossOf(result, loss, data.preprocessing.targetScaling?.std ?? 1),
    ...(evaluation.kind === 'classification' ? { accuracy: evaluation.accuracy } : { mae: evaluation.mae }),
  };
}

/**
 * run.evaluate: the engine predicts on the run's validation rows (or, on request, its test rows),
 * app/diagnostics computes the scores, and this joins both with the raw dataset rows behind each
 * confusion cell and each worst example, so a user can look at what the model got wrong. A test
 * evaluation is also kept with the run (RunSummary.testScore).
 */
export async function evaluateRun(
  deps: { projects: ProjectService; engine: EngineClient },
  projectId: string,
  runId: string,
  split: EvaluatedSplit = 'validation',
): Promise<RunEvaluation> {
  const { projects, engine } = deps;
  const run = await projects.readRun(projectId, runId);
  if (run.status === 'running')
    throw new UserError(`Run ${runId} is still training; evaluate it when it has finished.`);
  if (!run.hasModel) throw new UserError(`Run ${runId} has no trained model to evaluate (it ${whyNoModel(run)}).`);
  const runDir = projects.runDir(projectId, runId);
  const modelDir = path.join(runDir, 'model');
  await modelFromCheckpoint(deps, projectId, run);
  if (!existsSync(path.join(modelDir, 'model.json')))
    throw new UserError(`Run ${runId} has no saved model (${modelDir} is missing).`);
  const prepared = await readPreparedData(runDir);
  refuseSeveralInputsOrHeads(prepared, 'evaluation supports');
  if (split === 'test' && !prepared.testRows) {
    throw new UserError(
      `Run ${runId} has no test split: set a test share under "Split" in the dataset step, then train a run to evaluate on it.`,
    );
  }
  const data = split === 'test' ? await testSplitView(prepared) : prepared;
  const validation = await readValidationRows(runDir, split);
  const rowsFile = path.join(runDir, 'data', split === 'test' ? TEST_ROWS_FILE : VALIDATION_ROWS_FILE);
  if (validation.rows.length !== data.valRows)
    throw new UserError(
      `${rowsFile} lists ${validation.rows.length} rows but the run has ${data.valRows} ${split} rows. Train the run again.`,
    );

  const state = await projects.open(projectId);
  // An image dataset's examples are pictures: file and class stand in for cells, and the renderer shows each by its index.
  const images = state.imageDataset?.id === validation.datasetId ? state.imageDataset : null;
  let columnNames: string[];
  /** The cells of the example rows, asked for once every example is chosen. */
  let exampleValues: (datasetRows: readonly number[]) => Promise<(datasetRow: number) => Array<string | null>>;
  if (images) {
    columnNames = IMAGE_EXAMPLE_COLUMNS;
    const values = imageExampleValues(projects, projectId, images);
    exampleValues = () => values;
  } else {
    const meta = state.dataset;
    if (!meta || meta.id !== validation.datasetId)
      throw new UserError(
        `The dataset run ${runId} was trained on has been replaced by another import, so its rows cannot be shown. Train a new run to evaluate it.`,
      );
    const datasetDir = path.join(projects.datasetsDir(projectId), meta.id);
    columnNames = meta.columns.map((c) => c.name);
    exampleValues = async (datasetRows) => {
      const cells = await loadRowCells(datasetDir, meta, datasetRows);
      return (datasetRow) => cells.get(datasetRow) ?? meta.columns.map(() => null);
    };
  }
  // The test split is scored whole: a capped score would not be the test score.
  const maxRows = split === 'test' ? Math.max(1, data.valRows) : MAX_EVALUATION_ROWS;
  const result = await engine.evaluate({ modelDir, data, maxRows });

  // Examples are chosen first and their rows read after (withValues): only those rows' cells.
  const chosen: RawExample[] = [];
  const example = (index: number): RawExample => {
    const valPosition = result.rows[index] ?? index;
    const datasetRow = validation.rows[valPosition] ?? -1;
    const picked = { index, datasetRow, values: [] };
    chosen.push(picked);
    return picked;
  };
  const withValues = async <T>(evaluated: T): Promise<T> => {
    const valuesOf = await exampleValues(chosen.map((e) => e.datasetRow));
    for (const e of chosen) e.values = valuesOf(e.datasetRow);
    return evaluated;
  };
  const base = {
    runId,
    split,
    target: data.preprocessing.target,
    valRows: result.valRows,
    capped: result.capped,
    columns: columnNames,
    ...(images ? { images: true } : {}),
  };
  const keepTestScore = async (evaluation: Evaluation) => {
    if (split === 'test')
      await projects.writeRun(projectId, { ...run, testScore: testScoreOf(run, data, result, evaluation) });
  };

  const labels = data.preprocessing.labels;
  if (!labels) {
    const evaluation = evaluateRegression(
      result.outputs.map((o) => o[0] ?? Number.NaN),
      result.targets,
    );
    await keepTestScore(evaluation);
    return withValues({ ...base, evaluation, cells: [], worst: evaluation.largestErrors.map((p) => example(p.index)) });
  }
  const evaluation = evaluateClassification(result.outputs, result.targets, labels);
  await keepTestScore(evaluation);
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
  return withValues({ ...base, evaluation, cells, worst: evaluation.confidentlyWrong.map((w) => example(w.index)) });
}
