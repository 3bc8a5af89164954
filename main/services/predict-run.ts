import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { encodedWidth, featureWidth, Preprocessing, type DatePart } from '../../app/dataset/schema';
import type { PredictField, PredictInputs, PredictResult, Prediction } from '../../app/ipc/contract';
import { formatZodError, UserError } from '../../app/ipc/errors';
import type { ProjectService } from '../data';
import { isMissing, numberText, parseNumber } from '../data/cell';
import { encodeRawRows } from '../data/encode';
import type { EngineClient } from '../engine/client';
import { readMatrix } from '../engine/shared/prepared-data';
import { modelFromCheckpoint, readPreparedData, refuseSeveralInputsOrHeads, whyNoModel } from './runs';

/**
 * The inference playground's main side: raw rows → the run's own preprocessing.json (the copy
 * saved beside its model) → the engine → labels with probabilities, or values in the target's
 * units. No tfjs here: the engine process runs the model.
 */

/**
 * A trained run's model folder and its preprocessing.json, checked; shared with the image
 * playground (predict-images.ts). An interrupted run's model is written from its checkpoint first.
 */
export async function loadRunModel(
  deps: { projects: ProjectService; engine: EngineClient },
  projectId: string,
  runId: string,
): Promise<{ runDir: string; modelDir: string; preprocessing: Preprocessing }> {
  const { projects } = deps;
  const run = await projects.readRun(projectId, runId);
  if (!run.hasModel) throw new UserError(`Run ${runId} has no trained model to predict with (it ${whyNoModel(run)}).`);
  refuseSeveralInputsOrHeads(run.graph, 'the playground and predictions support');
  await modelFromCheckpoint(deps, projectId, run);
  const runDir = projects.runDir(projectId, runId);
  const modelDir = path.join(runDir, 'model');
  const file = path.join(modelDir, 'preprocessing.json');
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`Run ${runId} has no saved preprocessing (${file} is missing); train it again.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new UserError(`${file} is not valid JSON; train the run again.`);
  }
  const parsed = Preprocessing.safeParse(json);
  if (!parsed.success) throw new UserError(formatZodError(parsed.error, `${file} is damaged`));
  const windows = parsed.data.windows;
  if (windows) {
    // One typed row is not a forecaster's input: it reads the last `lookback` rows of the series.
    throw new UserError(
      `This run forecasts from windows of ${windows.lookback} rows of ${windows.inputs.join(', ')}, so it cannot predict from one typed row; see its evaluation on the validation windows instead.`,
    );
  }
  return { runDir, modelDir, preprocessing: parsed.data };
}

/** A number as the dataset's CSV spells it: "13,2" where the import read a decimal comma. */
function spellNumber(preprocessing: Preprocessing, value: number): string {
  const text = String(value);
  return preprocessing.csv?.decimal === ',' ? text.replace('.', ',') : text;
}

/**
 * Typed rows in the dataset's own spelling → the spelling encodeRawRows reads, as the import read
 * the file (main/data/column-builder.ts): with a decimal comma, a cell's first "," is the point
 * ("13,2" is 13.2; "1.234,5" stays text: thousands separators are never guessed), and a number
 * in a text column is the category of the number it means ("1,5" is "1.5"). A cell that is
 * still not a number reaches encodeRawRows unchanged, which names its row and column.
 */
export function rowsInDialect(
  preprocessing: Preprocessing,
  rows: readonly Record<string, string>[],
): Record<string, string>[] {
  if (preprocessing.csv?.decimal !== ',') return [...rows];
  return rows.map((row) => {
    const out = { ...row };
    for (const feature of preprocessing.features) {
      const raw = Object.hasOwn(row, feature.name) ? row[feature.name] : undefined;
      if (typeof raw !== 'string' || isMissing(raw) || feature.kind === 'datetime') continue;
      const value = parseNumber(raw.trim().replace(',', '.'));
      if (value !== null) out[feature.name] = numberText(value);
    }
    return out;
  });
}

/** Undo the encoding of one encoded row, feature by feature: the raw text a user would type. */
function decodeRow(preprocessing: Preprocessing, x: Float32Array, offset: number): string[] {
  let at = offset;
  return preprocessing.features.map((feature) => {
    if (feature.kind === 'numeric') {
      const value = x[at]! * feature.std + feature.mean;
      at += 1;
      // float32 round trip: 6 significant digits give back what the CSV held (5.1, not 5.0999999).
      return spellNumber(preprocessing, Number(value.toPrecision(6)));
    }
    if (feature.kind === 'datetime') {
      // Year, month and day (and hour) back into a date the form shows and encodeRawRows reads.
      const part = (p: DatePart, fallback: number) => {
        const k = feature.parts.indexOf(p);
        return k < 0 ? fallback : Math.round(x[at + k]! * feature.std[k]! + feature.mean[k]!);
      };
      const two = (n: number) => String(n).padStart(2, '0');
      const hour = feature.parts.includes('hour') ? ` ${two(part('hour', 0))}:00` : '';
      at += feature.parts.length;
      return `${part('year', 2000)}-${two(part('month', 1))}-${two(part('day', 1))}${hour}`;
    }
    const width = featureWidth(feature);
    const slice = x.subarray(at, at + width);
    at += width;
    const hot =
      feature.encoding === 'ordinal'
        ? Math.round(slice[0]! * (feature.std ?? 1) + (feature.mean ?? 0))
        : slice.indexOf(1);
    return hot >= 0 ? (feature.categories[hot] ?? '') : '';
  });
}

export async function predictInputs(
  deps: { projects: ProjectService; engine: EngineClient },
  projectId: string,
  runId: string,
): Promise<PredictInputs> {
  const { runDir, preprocessing } = await loadRunModel(deps, projectId, runId);
  const image = preprocessing.image;
  if (image) {
    // No typed fields: the playground shows a drop zone and sends files to run.predictImages.
    const { width, height, channels, color, fit } = image;
    return {
      task: preprocessing.task,
      target: preprocessing.target,
      labels: preprocessing.labels ?? null,
      fields: [],
      image: { width, height, channels, color, fit },
    };
  }
  let prefill: string[] | null = null;
  try {
    const data = await readPreparedData(runDir);
    if (encodedWidth(data.preprocessing.features) === encodedWidth(preprocessing.features))
      prefill = decodeRow(preprocessing, await readMatrix(data, 'x_val', 1), 0);
  } catch {
    // No prepared data left (a copied project, say): fall back to training means and first categories.
  }
  const fields: PredictField[] = preprocessing.features.map((feature, i) =>
    feature.kind === 'numeric'
      ? {
          name: feature.name,
          kind: 'numeric',
          value: prefill?.[i] ?? spellNumber(preprocessing, Number(feature.mean.toPrecision(6))),
        }
      : feature.kind === 'datetime'
        ? // A free-text field: encodeRawRows parses the date.
          { name: feature.name, kind: 'numeric', value: prefill?.[i] ?? '' }
        : {
            name: feature.name,
            kind: 'categorical',
            categories: feature.categories,
            value: prefill?.[i] ?? feature.categories[0] ?? '',
          },
  );
  // The dataset's own spelling of a row (its delimiter and decimal mark), for the form's hint and a pasted row.
  const csv = preprocessing.csv ? { delimiter: preprocessing.csv.delimiter, decimal: preprocessing.csv.decimal } : null;
  return { task: preprocessing.task, target: preprocessing.target, labels: preprocessing.labels ?? null, fields, csv };
}

/** One raw model output → label and probabilities (or a value); `row` names it in the error. */
export function toPrediction(preprocessing: Preprocessing, output: readonly number[], row: number): Prediction {
  if (preprocessing.task === 'regression') {
    const scaling = preprocessing.targetScaling ?? { mean: 0, std: 1 };
    return { label: null, probabilities: null, value: output[0]! * scaling.std + scaling.mean };
  }
  const labels = preprocessing.labels ?? [];
  // A binary model has one sigmoid unit: the probability of the second label.
  const probabilities = output.length === 1 && labels.length <= 2 ? [1 - output[0]!, output[0]!] : [...output];
  if (labels.length !== probabilities.length) {
    throw new UserError(
      `Row ${row + 1}: the model gives ${probabilities.length} class probabilities but preprocessing.json lists ${labels.length} labels; train the run again.`,
    );
  }
  let best = 0;
  probabilities.forEach((p, i) => {
    if (p > probabilities[best]!) best = i;
  });
  return { label: labels[best] ?? null, probabilities, value: null };
}

export async function predictRun(
  deps: { projects: ProjectService; engine: EngineClient },
  projectId: string,
  runId: string,
  rows: Record<string, string>[],
): Promise<PredictResult> {
  const { modelDir, preprocessing } = await loadRunModel(deps, projectId, runId);
  if (preprocessing.image)
    throw new UserError(
      `Run ${runId} classifies ${preprocessing.image.width}×${preprocessing.image.height} images, not typed rows: send image files with run.predictImages (the playground's drop zone).`,
    );
  const inputWidth = encodedWidth(preprocessing.features);
  const x = encodeRawRows(preprocessing, rowsInDialect(preprocessing, rows));
  const outputs = await deps.engine.predict({ modelDir, inputWidth, x });
  if (outputs.length !== rows.length)
    throw new UserError(`The engine returned ${outputs.length} predictions for ${rows.length} rows.`);
  return {
    task: preprocessing.task,
    target: preprocessing.target,
    labels: preprocessing.labels ?? null,
    predictions: outputs.map((output, r) => toPrediction(preprocessing, output, r)),
  };
}
