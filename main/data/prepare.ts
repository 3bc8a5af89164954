import { join } from 'node:path';
import { planFeatures } from '../../app/dataset/column-plan';
import { encodedWidth, type DatasetMeta, type Preprocessing, type TaskSpec } from '../../app/dataset/schema';
import { taskShape } from '../../app/dataset/task';
import { PreparedData } from '../../app/engine/protocol';
import { UserError } from '../../app/ipc/errors';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';
import { littleEndianBytes } from './binary';
import { cellText, loadColumns, type StoredColumn } from './column-store';
import { fitFeature, missingTest } from './column-choices';
import { dateOrder, parseDate } from './dates';
import { inputNames } from './encode';
import { ensureDir } from './fs-errors';
import { storedSplit, type SplitKey } from './split-file';
import { randomSplit, stratifiedSplit, timeSplit, type SplitRows } from './splits';

export { encodeRawRows } from './encode';

/** In the prepared-data folder: { datasetId, rows } with the 0-based dataset row of each validation row. */
export const VALIDATION_ROWS_FILE = 'validation-rows.json';
/** Likewise for the test rows (in x_test order), when the split has any. */
export const TEST_ROWS_FILE = 'test-rows.json';

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

/** Mean and population std of the target at `rows` (std 1 when it has no spread): regression targets are standardized. */
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
 * Train / validation / test rows among `rows` (the rows with a target), by the task spec's split
 * (absent: a random split without a test share, seeded by the run's seed, as before test splits
 * existed), read from or written to the dataset's split.json so every run with the same
 * settings uses the same rows.
 */
async function splitFor(input: PrepareInput, columns: StoredColumn[], indexOf: (name: string) => number, rows: number[], classOf: ((row: number) => number) | null): Promise<SplitRows> {
  const { meta, taskSpec, validationSplit, seed } = input;
  const spec = taskSpec.split ?? { method: 'random' as const, testShare: 0, seed };
  const shares = { validation: validationSplit, test: spec.testShare };
  const key: SplitKey = { method: spec.method, validationShare: validationSplit, testShare: spec.testShare, seed: spec.seed, column: spec.column ?? null, target: taskSpec.target, rows: meta.rows, importedAt: meta.importedAt };
  if (spec.method === 'stratified') {
    if (!classOf) throw new UserError(`A stratified split keeps each class's share in every split, so it needs a classification task; "${taskSpec.target}" is a regression target. Choose a random or time-ordered split.`);
    return storedSplit(input.datasetDir, key, () => stratifiedSplit(rows, classOf, shares, spec.seed));
  }
  if (spec.method === 'random') return storedSplit(input.datasetDir, key, () => randomSplit(rows, shares, spec.seed));
  if (!spec.column) throw new UserError('A time-ordered split needs the column that orders the rows (a date or a number).');
  const name = spec.column;
  const profile = meta.columns.find((c) => c.name === name);
  if (!profile) throw new UserError(`The time column "${name}" is not in ${meta.sourceFile}.`);
  const column = columns[indexOf(name)];
  if (!column) throw damaged(meta, `column "${name}" is missing`);
  let keyOf: (row: number) => number;
  if (column instanceof Float64Array) keyOf = (row) => column[row] ?? Number.NaN;
  else if (profile.type === 'datetime') {
    const order = dateOrder(column.dict);
    const times = column.dict.map((text) => {
      const d = parseDate(text, order);
      return d ? Date.UTC(d.year, d.month - 1, d.day, d.hour ?? 0) : Number.NaN;
    });
    keyOf = (row) => times[column.codes[row] ?? -1] ?? Number.NaN;
  } else throw new UserError(`Column "${name}" holds text, so it cannot order the rows in time; choose a date or numeric column.`);
  const describe = (row: number) => `Row ${row + 1} of ${meta.sourceFile} has no readable time in "${name}"`;
  return storedSplit(input.datasetDir, key, () => timeSplit(rows, keyOf, shares, describe));
}

/**
 * Encode a dataset for training: drop rows without a target, split them (splitFor), drop rows
 * missing a value whose column says "drop row", fit every statistic on the training rows only (so
 * validation and test measure unseen data honestly), and write x/y for each split plus
 * preprocessing.json, which alone is enough to encode new raw rows the same way (encodeRawRows).
 */
export async function prepareTrainingData(input: PrepareInput): Promise<PreparedData> {
  const { datasetDir, meta, taskSpec, validationSplit, outDir } = input;
  if (!(validationSplit > 0 && validationSplit < 1)) throw new UserError(`The validation split must be between 0 and 1 (got ${validationSplit}).`);
  // taskShape is what the editor sized the model with; its UserErrors name the problem column.
  const shape = taskShape(meta, taskSpec);
  const plans = planFeatures(meta, taskSpec);
  const columns = await loadColumns(datasetDir, meta);
  const columnIndex = new Map(meta.columns.map((c, i) => [c.name, i]));
  const indexOf = (name: string): number => {
    const i = columnIndex.get(name);
    if (i === undefined) throw new UserError(`The column "${name}" is not in ${meta.sourceFile}.`);
    return i;
  };
  const columnOf = (name: string): StoredColumn => {
    const column = columns[indexOf(name)];
    if (!column) throw damaged(meta, `column "${name}" is missing`);
    return column;
  };

  // The target of each row: a label index (classification) or a value (regression); missing rows are dropped.
  const targetIndex = indexOf(taskSpec.target);
  const targetColumn = columnOf(taskSpec.target);
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

  const split = await splitFor(input, columns, indexOf, kept, labels ? (row) => targets[row] ?? 0 : null);
  // Dropping after the split keeps the test rows fixed when a user changes how missing values are handled.
  const dropped = plans.filter((p) => p.missing === 'drop');
  const missingIn = dropped.map((p) => missingTest(p, columnOf(p.profile.name)));
  const complete = (rows: number[]) => (missingIn.length === 0 ? rows : rows.filter((r) => !missingIn.some((isMissing) => isMissing(r))));
  const trainRows = complete(split.train);
  const valRows = complete(split.validation);
  const testRows = complete(split.test);
  if (trainRows.length === 0 || valRows.length === 0) {
    throw new UserError(`Dropping rows with a missing value in ${dropped.map((p) => `"${p.profile.name}"`).join(', ')} leaves ${trainRows.length} training and ${valRows.length} validation rows; fill the missing values instead (mean, median, most frequent or a constant).`);
  }

  // Feature encodings, fitted on the training rows only.
  const fitted = plans.map((plan) => fitFeature(meta, plan, columnOf(plan.profile.name), trainRows));
  const features = fitted.map((f) => f.encoding);
  const inputWidth = encodedWidth(features);
  // The editor sized the Input node with taskShape; a mismatch here would be a bug, not a user error.
  if (inputWidth !== shape.inputWidth) throw new Error(`Encoded width ${inputWidth} differs from taskShape's ${shape.inputWidth}.`);
  const outputWidth = shape.head.units;

  const targetScaling = labels ? undefined : statsOf(targets, trainRows);
  const encodeX = (rows: readonly number[]): Float32Array => {
    const out = new Float32Array(rows.length * inputWidth);
    rows.forEach((row, n) => {
      let offset = n * inputWidth;
      for (const f of fitted) {
        f.write(row, out, offset);
        offset += f.width;
      }
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

  // Version 1 readers know only the default encodings; anything newer must be refused by them, not misread.
  const plain = features.every((f) => f.kind === 'numeric' ? f.scaling === undefined && f.missing === undefined : f.kind === 'categorical' && Object.keys(f).length === 3);
  const preprocessing: Preprocessing = {
    format: 'layerlab-preprocessing',
    version: plain ? 1 : 2,
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
  if (testRows.length > 0) {
    await writeFileAtomic(join(outDir, 'x_test.f32'), littleEndianBytes(encodeX(testRows)));
    await writeFileAtomic(join(outDir, 'y_test.f32'), littleEndianBytes(encodeY(testRows)));
    await writeJsonAtomic(join(outDir, TEST_ROWS_FILE), { datasetId: meta.id, rows: testRows });
  }
  await writeJsonAtomic(join(outDir, 'preprocessing.json'), preprocessing);
  // Which dataset rows the validation rows are (in x_val order): evaluation lists raw examples.
  await writeJsonAtomic(join(outDir, VALIDATION_ROWS_FILE), { datasetId: meta.id, rows: valRows });

  return PreparedData.parse({
    dir: outDir,
    inputWidth,
    outputWidth,
    trainRows: trainRows.length,
    valRows: valRows.length,
    ...(testRows.length > 0 ? { testRows: testRows.length } : {}),
    preprocessing,
  });
}
