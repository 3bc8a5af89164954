import { join } from 'node:path';
import { encodedWidth, type DatasetMeta, type FeatureEncoding, type Preprocessing, type TaskSpec } from '../../app/dataset/schema';
import { featureColumns, taskShape } from '../../app/dataset/task';
import { PreparedData } from '../../app/engine/protocol';
import { UserError } from '../../app/ipc/errors';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';
import { littleEndianBytes } from './binary';
import { cellText, loadColumns, type StoredColumn } from './column-store';
import { encodeCategory, encodeNumber, inputNames } from './encode';
import { ensureDir } from './fs-errors';
import { seededShuffle } from './seeded-shuffle';

export { encodeRawRows } from './encode';

/** In the prepared-data folder: { datasetId, rows } with the 0-based dataset row of each validation row. */
export const VALIDATION_ROWS_FILE = 'validation-rows.json';

export interface PrepareInput {
  /** <project>/datasets/<id>/ */
  datasetDir: string;
  meta: DatasetMeta;
  taskSpec: TaskSpec;
  /** Share of rows held out for validation, in (0, 1). */
  validationSplit: number;
  seed: number;
  /** Created when missing; receives the .f32 files and preprocessing.json. */
  outDir: string;
}

function damaged(meta: DatasetMeta, what: string): UserError {
  return new UserError(`The stored data of ${meta.sourceFile} is damaged: ${what}. Import the data again.`);
}

function numbersOf(meta: DatasetMeta, columns: StoredColumn[], index: number, name: string): Float64Array {
  const column = columns[index];
  if (!(column instanceof Float64Array)) throw damaged(meta, `column "${name}" is numeric but stored as text`);
  return column;
}

/**
 * Mean and population std (divide by n, like the profile) of the present values at `rows`.
 * A column with no spread gets std 1 so that standardizing never divides by zero.
 */
function statsOf(values: Float64Array, rows: readonly number[]): { mean: number; std: number } {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const r of rows) {
    const v = values[r] ?? Number.NaN;
    if (Number.isNaN(v)) continue;
    n += 1;
    const delta = v - mean;
    mean += delta / n;
    m2 += delta * (v - mean);
  }
  const std = n > 0 ? Math.sqrt(m2 / n) : 0;
  return { mean, std: std > 0 ? std : 1 };
}

/** Row → index of its cell's text in `categories` (-1 when missing or not among them). */
function categoryIndexer(column: StoredColumn, categories: readonly string[]): (row: number) => number {
  const index = new Map(categories.map((c, i) => [c, i]));
  if (column instanceof Float64Array) return (row) => index.get(cellText(column, row) ?? '') ?? -1;
  // Resolve each dictionary entry once instead of each cell.
  const byCode = Int32Array.from(column.dict, (text) => index.get(text) ?? -1);
  return (row) => {
    const code = column.codes[row] ?? -1;
    return code < 0 ? -1 : (byCode[code] ?? -1);
  };
}

/**
 * Encode a dataset for training: drop rows without a target, split them with a seeded shuffle,
 * fit every statistic on the training rows only (so validation measures unseen data honestly),
 * and write x/y for both splits plus preprocessing.json, which alone is enough to encode new
 * raw rows the same way (encodeRawRows).
 */
export async function prepareTrainingData(input: PrepareInput): Promise<PreparedData> {
  const { datasetDir, meta, taskSpec, validationSplit, seed, outDir } = input;
  if (!(validationSplit > 0 && validationSplit < 1)) throw new UserError(`The validation split must be between 0 and 1 (got ${validationSplit}).`);
  // taskShape is what the editor sized the model with; its UserErrors name the problem column.
  const shape = taskShape(meta, taskSpec);
  const featureProfiles = featureColumns(meta, taskSpec);
  const columns = await loadColumns(datasetDir, meta);
  const columnIndex = new Map(meta.columns.map((c, i) => [c.name, i]));
  const indexOf = (name: string): number => {
    const i = columnIndex.get(name);
    if (i === undefined) throw new UserError(`The column "${name}" is not in ${meta.sourceFile}.`);
    return i;
  };

  // The target of each row: a label index (classification) or a value (regression); missing rows are dropped.
  const targetIndex = indexOf(taskSpec.target);
  const targetColumn = columns[targetIndex];
  if (!targetColumn) throw damaged(meta, `column "${taskSpec.target}" is missing`);
  const labels = shape.labels;
  const targetOf: (row: number) => number | null = labels
    ? (() => {
        const labelIndex = categoryIndexer(targetColumn, labels);
        return (row) => {
          if (cellText(targetColumn, row) === null) return null;
          const k = labelIndex(row);
          if (k < 0) throw damaged(meta, `row ${row + 1} of "${taskSpec.target}" has a value that is not one of its classes`);
          return k;
        };
      })()
    : (() => {
        const values = numbersOf(meta, columns, targetIndex, taskSpec.target);
        return (row) => {
          const v = values[row] ?? Number.NaN;
          return Number.isNaN(v) ? null : v;
        };
      })();
  const kept: number[] = [];
  const targets = new Float64Array(meta.rows);
  for (let r = 0; r < meta.rows; r += 1) {
    const t = targetOf(r);
    if (t === null) continue;
    targets[r] = t;
    kept.push(r);
  }
  if (kept.length < 2) {
    throw new UserError(`${meta.sourceFile} needs at least 2 rows with a target to train and validate; it has ${kept.length} with a value in "${taskSpec.target}".`);
  }

  seededShuffle(kept, seed);
  const valCount = Math.min(kept.length - 1, Math.max(1, Math.round(kept.length * validationSplit)));
  const trainRows = kept.slice(0, kept.length - valCount);
  const valRows = kept.slice(kept.length - valCount);

  // Feature encodings, fitted on the training rows only.
  const encoders: { encoding: FeatureEncoding; write: (row: number, out: Float32Array, offset: number) => void }[] = featureProfiles.map((profile) => {
    const i = indexOf(profile.name);
    if (profile.kind === 'numeric') {
      const values = numbersOf(meta, columns, i, profile.name);
      const { mean, std } = statsOf(values, trainRows);
      const encoding = { name: profile.name, kind: 'numeric' as const, mean, std, fill: mean };
      return { encoding, write: (row, out, offset) => void (out[offset] = encodeNumber(encoding, values[row] ?? Number.NaN)) };
    }
    const categories = profile.categories ?? [];
    const column = columns[i];
    if (!column) throw damaged(meta, `column "${profile.name}" is missing`);
    const categoryOf = categoryIndexer(column, categories);
    return { encoding: { name: profile.name, kind: 'categorical' as const, categories }, write: (row, out, offset) => encodeCategory(categoryOf(row), out, offset) };
  });
  const features = encoders.map((e) => e.encoding);
  const inputWidth = encodedWidth(features);
  // The editor sized the Input node with taskShape; a mismatch here would be a bug, not a user error.
  if (inputWidth !== shape.inputWidth) throw new Error(`Encoded width ${inputWidth} differs from taskShape's ${shape.inputWidth}.`);
  const outputWidth = shape.head.units;

  const targetScaling = labels ? undefined : statsOf(targets, trainRows);
  const encodeX = (rows: readonly number[]): Float32Array => {
    const out = new Float32Array(rows.length * inputWidth);
    rows.forEach((row, n) => {
      let offset = n * inputWidth;
      features.forEach((f, k) => {
        encoders[k]?.write(row, out, offset);
        offset += f.kind === 'numeric' ? 1 : f.categories.length;
      });
    });
    return out;
  };
  const encodeY = (rows: readonly number[]): Float32Array => {
    const out = new Float32Array(rows.length * outputWidth);
    rows.forEach((row, n) => {
      const t = targets[row] ?? 0;
      if (targetScaling) out[n] = (t - targetScaling.mean) / targetScaling.std;
      else if (outputWidth === 1) out[n] = t; // two classes: one sigmoid output, 0/1 = label index
      else out[n * outputWidth + t] = 1;
    });
    return out;
  };

  const preprocessing: Preprocessing = {
    format: 'layerlab-preprocessing',
    version: 1,
    task: taskSpec.task,
    target: taskSpec.target,
    features,
    inputOrder: inputNames(features),
    ...(labels ? { labels } : {}),
    ...(targetScaling ? { targetScaling } : {}),
  };

  await ensureDir(outDir);
  await writeFileAtomic(join(outDir, 'x_train.f32'), littleEndianBytes(encodeX(trainRows)));
  await writeFileAtomic(join(outDir, 'y_train.f32'), littleEndianBytes(encodeY(trainRows)));
  await writeFileAtomic(join(outDir, 'x_val.f32'), littleEndianBytes(encodeX(valRows)));
  await writeFileAtomic(join(outDir, 'y_val.f32'), littleEndianBytes(encodeY(valRows)));
  await writeJsonAtomic(join(outDir, 'preprocessing.json'), preprocessing);
  // Which dataset rows the validation rows are (in x_val order): evaluation lists raw examples.
  await writeJsonAtomic(join(outDir, VALIDATION_ROWS_FILE), { datasetId: meta.id, rows: valRows });

  return PreparedData.parse({ dir: outDir, inputWidth, outputWidth, trainRows: trainRows.length, valRows: valRows.length, preprocessing });
}
