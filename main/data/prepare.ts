import { join } from 'node:path';
import { planFeatures } from '../../app/dataset/column-plan';
import {
  encodedWidth,
  preprocessingCsvOf,
  type DatasetMeta,
  type Preprocessing,
  type TaskSpec,
} from '../../app/dataset/schema';
import { taskShape } from '../../app/dataset/task';
import { PreparedData, type PreparedHead, type PreparedInput } from '../../app/engine/protocol';
import type { GraphBinding } from '../../app/graph/data-binding';
import { UserError } from '../../app/ipc/errors';
import { RunningStats } from '../../app/math/running-stats';
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
/** Rows of x or y encoded and written at a time. */
const WRITE_BLOCK_ROWS = 1 << 16;

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
  /**
   * A graph with several Inputs or heads (bindGraphToData, without issues): x holds the columns
   * its Inputs take and y each head's target side by side. Absent: every feature → the target.
   */
  binding?: GraphBinding;
}

/** One predicted column as prepared: its rows' label index or value, and its width in y. */
interface TargetPlan {
  node: string | null;
  target: string;
  task: 'classification' | 'regression';
  labels: string[] | null;
  width: number;
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
  const stats = new RunningStats();
  for (const r of rows) {
    const v = values[r] ?? Number.NaN;
    if (!Number.isNaN(v)) stats.push(v);
  }
  return stats.scaling();
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
async function splitFor(
  input: PrepareInput,
  columns: StoredColumn[],
  indexOf: (name: string) => number,
  rows: number[],
  classOf: ((row: number) => number) | null,
  targets: readonly string[],
): Promise<SplitRows> {
  const { meta, taskSpec, validationSplit, seed } = input;
  const spec = taskSpec.split ?? { method: 'random' as const, testShare: 0, seed };
  const shares = { validation: validationSplit, test: spec.testShare };
  // Several targets drop the rows missing any of them: another row set, so another stored split.
  const key: SplitKey = {
    method: spec.method,
    validationShare: validationSplit,
    testShare: spec.testShare,
    seed: spec.seed,
    column: spec.column ?? null,
    target: targets.join(', '),
    rows: meta.rows,
    importedAt: meta.importedAt,
  };
  if (spec.method === 'stratified') {
    if (!classOf)
      throw new UserError(
        `A stratified split keeps each class's share in every split, so it needs a classification task; "${taskSpec.target}" is a regression target. Choose a random or time-ordered split.`,
      );
    return storedSplit(input.datasetDir, key, () => stratifiedSplit(rows, classOf, shares, spec.seed));
  }
  if (spec.method === 'random') return storedSplit(input.datasetDir, key, () => randomSplit(rows, shares, spec.seed));
  if (!spec.column)
    throw new UserError('A time-ordered split needs the column that orders the rows (a date or a number).');
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
  } else
    throw new UserError(
      `Column "${name}" holds text, so it cannot order the rows in time; choose a date or numeric column.`,
    );
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
  const { datasetDir, meta, taskSpec, validationSplit, outDir, binding } = input;
  if (!(validationSplit > 0 && validationSplit < 1))
    throw new UserError(`The validation split must be between 0 and 1 (got ${validationSplit}).`);
  if (binding && binding.issues.length > 0)
    throw new UserError(`The model's Inputs and Outputs do not fit ${meta.sourceFile}: ${binding.issues[0]!.message}`);
  // taskShape is what the editor sized the model with; its UserErrors name the problem column.
  const shape = binding ? null : taskShape(meta, taskSpec);
  const plans = binding ? binding.features : planFeatures(meta, taskSpec);
  const heads: TargetPlan[] = binding
    ? binding.heads.map((h) => ({
        node: h.node,
        target: h.target,
        task: h.task,
        labels: h.labels,
        width: h.head.units,
      }))
    : [{ node: null, target: taskSpec.target, task: taskSpec.task, labels: shape!.labels, width: shape!.head.units }];
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
  const targetReader = (name: string, labels: string[] | null): ((row: number) => number | null) => {
    const targetColumn = columnOf(name);
    if (labels) {
      const labelIndex = categoryIndexer(targetColumn, labels);
      return (row) => {
        if (cellText(targetColumn, row) === null) return null;
        const k = labelIndex(row);
        if (k < 0) throw damaged(meta, `row ${row + 1} of "${name}" has a value that is not one of its classes`);
        return k;
      };
    }
    const values = numbersOf(meta, columns, indexOf(name), name);
    return (row) => {
      const v = values[row] ?? Number.NaN;
      return Number.isNaN(v) ? null : v;
    };
  };
  const readers = heads.map((h) => targetReader(h.target, h.labels));
  const kept: number[] = [];
  const targetsOf = heads.map(() => new Float64Array(meta.rows));
  rows: for (let r = 0; r < meta.rows; r += 1) {
    for (let h = 0; h < heads.length; h++) {
      const t = readers[h]!(r);
      if (t === null) continue rows;
      targetsOf[h]![r] = t;
    }
    kept.push(r);
  }
  const targetNames = heads.map((h) => `"${h.target}"`).join(' and ');
  if (kept.length < 2) {
    throw new UserError(
      `${meta.sourceFile} needs at least 2 rows with a target to train and validate; it has ${kept.length} with a value in ${targetNames}.`,
    );
  }

  // A stratified split keeps the classes of the task's target (or the first head's) in every split.
  const stratifyBy = heads.findIndex((h) => h.target === taskSpec.target);
  const strata = heads[Math.max(0, stratifyBy)]!;
  const strataValues = targetsOf[Math.max(0, stratifyBy)]!;
  const split = await splitFor(
    input,
    columns,
    indexOf,
    kept,
    strata.labels ? (row) => strataValues[row] ?? 0 : null,
    heads.map((h) => h.target),
  );
  // Dropping after the split keeps the test rows fixed when a user changes how missing values are handled.
  const dropped = plans.filter((p) => p.missing === 'drop');
  const missingIn = dropped.map((p) => missingTest(p, columnOf(p.profile.name)));
  const complete = (rows: number[]) =>
    missingIn.length === 0 ? rows : rows.filter((r) => !missingIn.some((isMissing) => isMissing(r)));
  const trainRows = complete(split.train);
  const valRows = complete(split.validation);
  const testRows = complete(split.test);
  if (trainRows.length === 0 || valRows.length === 0) {
    throw new UserError(
      `Dropping rows with a missing value in ${dropped.map((p) => `"${p.profile.name}"`).join(', ')} leaves ${trainRows.length} training and ${valRows.length} validation rows; fill the missing values instead (mean, median, most frequent or a constant).`,
    );
  }

  // Feature encodings, fitted on the training rows only.
  const fitted = plans.map((plan) => fitFeature(meta, plan, columnOf(plan.profile.name), trainRows));
  const features = fitted.map((f) => f.encoding);
  const inputWidth = encodedWidth(features);
  // The editor sized the Input node with taskShape; a mismatch here would be a bug, not a user error.
  if (shape && inputWidth !== shape.inputWidth)
    throw new Error(`Encoded width ${inputWidth} differs from taskShape's ${shape.inputWidth}.`);
  const outputWidth = heads.reduce((n, h) => n + h.width, 0);

  // Each regression target is standardized with its training rows' statistics alone.
  const scalings = heads.map((h, i) => (h.labels ? undefined : statsOf(targetsOf[i]!, trainRows)));
  const encodeX = (rows: readonly number[]): Float32Array => {
    const out = new Float32Array(rows.length * inputWidth);
    let offset = 0;
    // A feature at a time: a numeric one in a plain loop (encodeNumber's arithmetic), others by write.
    for (const f of fitted) {
      const numbers = f.numbers;
      if (numbers && f.encoding.kind === 'numeric') {
        const { mean, std, fill } = f.encoding;
        for (let n = 0; n < rows.length; n++) {
          const v = numbers[rows[n]!] ?? Number.NaN;
          out[n * inputWidth + offset] = ((Number.isNaN(v) ? fill : v) - mean) / std;
        }
      } else for (let n = 0; n < rows.length; n++) f.write(rows[n]!, out, n * inputWidth + offset);
      offset += f.width;
    }
    return out;
  };
  const encodeY = (rows: readonly number[]): Float32Array => {
    const out = new Float32Array(rows.length * outputWidth);
    let offset = 0;
    heads.forEach((head, h) => {
      const targets = targetsOf[h]!;
      const scaling = scalings[h];
      rows.forEach((row, n) => {
        const t = targets[row] ?? 0;
        const at = n * outputWidth + offset;
        if (scaling) out[at] = (t - scaling.mean) / scaling.std;
        else if (head.width === 1)
          out[at] = t; // two classes: one sigmoid output, 0/1 = label index
        else out[at + t] = 1;
      });
      offset += head.width;
    });
    return out;
  };
  /** A matrix file written a block of rows at a time: 8M rows of x are never one array. */
  const inBlocks = function* (rows: readonly number[], encode: (rows: readonly number[]) => Float32Array) {
    for (let start = 0; start < rows.length; start += WRITE_BLOCK_ROWS)
      yield littleEndianBytes(encode(rows.slice(start, start + WRITE_BLOCK_ROWS)));
  };
  // What preprocessing.json describes: the task's target, or the first head when no head predicts it.
  const primary = Math.max(0, stratifyBy);
  const labels = heads[primary]!.labels;
  const targetScaling = scalings[primary];

  // Version 1 readers know only the default encodings; anything newer must be refused by them, not misread.
  const plain = features.every((f) =>
    f.kind === 'numeric'
      ? f.scaling === undefined && f.missing === undefined
      : f.kind === 'categorical' && Object.keys(f).length === 3,
  );
  const preprocessing: Preprocessing = {
    format: 'layerlab-preprocessing',
    version: plain ? 1 : 2,
    task: heads[primary]!.task,
    target: heads[primary]!.target,
    features,
    inputOrder: inputNames(features),
    ...(labels ? { labels } : {}),
    ...(targetScaling ? { targetScaling } : {}),
  };
  // The file's dialect travels with the model: new rows in the same format (decimal comma, ";") must read alike.
  const csv = preprocessingCsvOf(meta.csv);
  if (csv) preprocessing.csv = csv;

  await ensureDir(outDir);
  await writeFileAtomic(join(outDir, 'x_train.f32'), inBlocks(trainRows, encodeX));
  await writeFileAtomic(join(outDir, 'y_train.f32'), inBlocks(trainRows, encodeY));
  await writeFileAtomic(join(outDir, 'x_val.f32'), inBlocks(valRows, encodeX));
  await writeFileAtomic(join(outDir, 'y_val.f32'), inBlocks(valRows, encodeY));
  if (testRows.length > 0) {
    await writeFileAtomic(join(outDir, 'x_test.f32'), inBlocks(testRows, encodeX));
    await writeFileAtomic(join(outDir, 'y_test.f32'), inBlocks(testRows, encodeY));
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
    ...(binding
      ? layoutOf(
          binding,
          fitted.map((f) => f.width),
          heads,
          scalings,
        )
      : {}),
  });
}

/** Each Input's columns of x (by the encoded widths of x's features, in order) and each head's slice of y. */
function layoutOf(
  binding: GraphBinding,
  widths: readonly number[],
  heads: readonly TargetPlan[],
  scalings: readonly ({ mean: number; std: number } | undefined)[],
): { inputs: PreparedInput[]; heads: PreparedHead[] } {
  const range = new Map<string, number[]>();
  let at = 0;
  binding.features.forEach((f, i) => {
    const width = widths[i] ?? 0;
    range.set(
      f.profile.name,
      Array.from({ length: width }, (_, k) => at + k),
    );
    at += width;
  });
  let offset = 0;
  return {
    inputs: binding.inputs.map((input) => ({
      node: input.node,
      indices: input.columns.flatMap((name) => range.get(name) ?? []),
    })),
    heads: heads.map((h, i) => {
      const scaling = scalings[i];
      const head: PreparedHead = {
        node: h.node ?? '',
        target: h.target,
        task: h.task,
        offset,
        width: h.width,
        ...(h.labels ? { labels: h.labels } : {}),
        ...(scaling ? { scaling } : {}),
      };
      offset += h.width;
      return head;
    }),
  };
}
