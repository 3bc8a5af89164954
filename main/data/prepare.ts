import { mkdtemp, rm } from 'node:fs/promises';
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
import type { PhaseProgress } from '../../app/progress/work-progress';
import { phaseReporter } from './phase-reporter';
import { RunningStats } from '../../app/math/running-stats';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';
import { CHUNK_ROWS, columnChunks } from './column-chunks';
import { cellText, loadColumn, type StoredColumn } from './column-store';
import { featureFit, keepsValues, missingTest, type FittedFeature } from './column-choices';
import { dateOrder, parseDate } from './dates';
import { inputNames } from './encode';
import { ensureDir } from './fs-errors';
import { rowListsJson } from './row-lists-json';
import { bucketRowsFor, ScatterMatrix } from './scatter-matrix';
import { storedSplit, type SplitKey } from './split-file';
import { randomSplit, stratifiedSplit, timeSplit, type RowList, type SplitRows } from './splits';

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
  /**
   * A graph with several Inputs or heads (bindGraphToData, without issues): x holds the columns
   * its Inputs take and y each head's target side by side. Absent: every feature → the target.
   */
  binding?: GraphBinding;
  /**
   * Rows read and encoded at a time, and rows a split's matrix is put in order by (default:
   * CHUNK_ROWS read, 32 MiB buckets). The output is the same for any value; tests make it small.
   */
  chunkRows?: number;
  /** Each pass over the rows as it goes, a chunk at a time (its name, rows done, rate, time left). */
  onProgress?: (progress: PhaseProgress) => void;
  /** Stops between chunks (the promise rejects with its reason; the scratch files are removed). */
  signal?: AbortSignal;
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

/** Mean and population std of the target at `rows` (std 1 when it has no spread): regression targets are standardized. */
function statsOf(values: Float64Array, rows: RowList): { mean: number; std: number } {
  const stats = new RunningStats();
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!] ?? Number.NaN;
    if (!Number.isNaN(v)) stats.push(v);
  }
  return stats.scaling();
}

/** Row → index of its cell's text in `categories` (-1 when missing or not among them). */
function categoryIndexer(
  column: StoredColumn,
  categories: readonly string[],
  cache: WeakMap<string[], Int32Array>,
): (row: number) => number {
  if (column instanceof Float64Array) {
    const index = new Map(categories.map((c, i) => [c, i]));
    return (row) => index.get(cellText(column, row) ?? '') ?? -1;
  }
  // Resolve each dictionary entry once instead of each cell (a column's chunks share its dictionary).
  let byCode = cache.get(column.dict);
  if (!byCode) {
    const index = new Map(categories.map((c, i) => [c, i]));
    byCode = Int32Array.from(column.dict, (text) => index.get(text) ?? -1);
    cache.set(column.dict, byCode);
  }
  const codes = byCode;
  return (row) => {
    const code = column.codes[row] ?? -1;
    return code < 0 ? -1 : (codes[code] ?? -1);
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
  indexOf: (name: string) => number,
  rows: Int32Array,
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
  // The ordering column alone is read whole: the split sorts every row by it.
  const column = await loadColumn(input.datasetDir, meta, name, indexOf(name));
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
 *
 * The columns are never loaded whole: three passes read them a chunk of rows at a time
 * (columnChunks) — the targets, the statistics (one pass of RunningStats over the training rows
 * in row order), then the encoding (the features and the targets again), whose rows go to their
 * place in each split's order through bucket files (ScatterMatrix). What stays in memory for every
 * row is a few typed arrays: its targets until the statistics are fitted (8 bytes a head), its
 * split and place (5 bytes) and the split's row lists (4 bytes); at 10,000,000 × 21 that is well
 * under 1 GB.
 */
export async function prepareTrainingData(input: PrepareInput): Promise<PreparedData> {
  const { datasetDir, meta, taskSpec, validationSplit, outDir, binding } = input;
  if (!(validationSplit > 0 && validationSplit < 1))
    throw new UserError(`The validation split must be between 0 and 1 (got ${validationSplit}).`);
  if (binding && binding.issues.length > 0)
    throw new UserError(`The model's Inputs and Outputs do not fit ${meta.sourceFile}: ${binding.issues[0]!.message}`);
  const step = Math.max(1, Math.floor(input.chunkRows ?? CHUNK_ROWS));
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
  const columnIndex = new Map(meta.columns.map((c, i) => [c.name, i]));
  const indexOf = (name: string): number => {
    const i = columnIndex.get(name);
    if (i === undefined) throw new UserError(`The column "${name}" is not in ${meta.sourceFile}.`);
    return i;
  };
  // Phases, each with its progress (PhaseProgress): the targets, the split, the statistics (one
  // pass for the features that keep no values, then one for each that does), the encoding, the
  // files. Every pass over the rows reads them a chunk at a time: progress and cancel go by chunk.
  const keeping = plans.flatMap((p, k) => (keepsValues(p) ? [[k]] : []));
  const others = plans.flatMap((p, k) => (keepsValues(p) ? [] : [k]));
  const fitting = [others, ...keeping].filter((g) => g.length > 0);
  const phases = 4 + fitting.length;
  const phase = phaseReporter(phases, input.onProgress, input.signal);
  async function* chunksOf(indices: readonly number[], name: string) {
    const progress = phase(name, meta.rows, 'rows');
    for await (const chunk of columnChunks(datasetDir, meta, indices, step)) {
      input.signal?.throwIfAborted();
      yield chunk;
      progress.add(chunk.end - chunk.start);
    }
  }

  // Pass 1: each row's target per head, a label index (classification) or a value (regression),
  // and whether it misses a value whose column drops such rows.
  const targetIndices = heads.map((h) => indexOf(h.target));
  const dropped = plans.filter((p) => p.missing === 'drop');
  const droppedIndices = dropped.map((p) => indexOf(p.profile.name));
  const targetsOf = heads.map(() => new Float64Array(meta.rows));
  const hasTargets = new Uint8Array(meta.rows);
  const incomplete = new Uint8Array(meta.rows);
  const labelCaches = heads.map(() => new WeakMap<string[], Int32Array>());
  for await (const chunk of chunksOf([...targetIndices, ...droppedIndices], 'Reading the targets')) {
    const readers = heads.map((h, k) =>
      targetReader(meta, chunk.columns.get(targetIndices[k]!)!, h, labelCaches[k]!, chunk.start),
    );
    const missing = dropped.map((p, k) => missingTest(p, chunk.columns.get(droppedIndices[k]!)!));
    rows: for (let i = 0; i < chunk.end - chunk.start; i++) {
      const r = chunk.start + i;
      if (missing.some((isMissing) => isMissing(i))) incomplete[r] = 1;
      for (let h = 0; h < heads.length; h++) {
        const t = readers[h]!(i);
        if (t === null) continue rows;
        targetsOf[h]![r] = t;
      }
      hasTargets[r] = 1;
    }
  }
  // Sized once, 4 bytes a row: pushing 10M rows grew an array through copies (188 MB of RSS for
  // 8M rows, not 66), and the split's arrays of numbers were 24 bytes a row at once (issue 19).
  let keptCount = 0;
  for (let r = 0; r < meta.rows; r++) keptCount += hasTargets[r]!;
  const kept = new Int32Array(keptCount);
  for (let r = 0, k = 0; r < meta.rows; r++) if (hasTargets[r] === 1) kept[k++] = r;
  const targetNames = heads.map((h) => `"${h.target}"`).join(' and ');
  if (kept.length < 2) {
    throw new UserError(
      `${meta.sourceFile} needs at least 2 rows with a target to train and validate; it has ${kept.length} with a value in ${targetNames}.`,
    );
  }

  // A stratified split keeps the classes of the task's target (or the first head's) in every split.
  const stratifyBy = heads.findIndex((h) => h.target === taskSpec.target);
  const strata = heads[Math.max(0, stratifyBy)]!;
  const splitting = phase('Splitting the rows', kept.length, 'rows');
  const split = await splitFor(
    input,
    indexOf,
    kept,
    strata.labels ? (row) => targetsOf[Math.max(0, stratifyBy)]![row] ?? 0 : null,
    heads.map((h) => h.target),
  );
  splitting.add(kept.length);
  // Dropping after the split keeps the test rows fixed when a user changes how missing values are handled.
  const complete = (rows: Int32Array) => (dropped.length === 0 ? rows : rows.filter((r) => incomplete[r] === 0));
  const trainRows = complete(split.train);
  const valRows = complete(split.validation);
  const testRows = complete(split.test);
  if (trainRows.length === 0 || valRows.length === 0) {
    throw new UserError(
      `Dropping rows with a missing value in ${dropped.map((p) => `"${p.profile.name}"`).join(', ')} leaves ${trainRows.length} training and ${valRows.length} validation rows; fill the missing values instead (mean, median, most frequent or a constant).`,
    );
  }
  const splits = [trainRows, valRows, testRows];
  /** 1 + the split's index (0: the row is in none); and the row's place in its split's order. */
  const splitOf = new Uint8Array(meta.rows);
  const position = new Int32Array(meta.rows);
  splits.forEach((rows, s) =>
    rows.forEach((r, k) => {
      splitOf[r] = s + 1;
      position[r] = k;
    }),
  );

  // Pass 2: feature encodings, fitted on the training rows only (in row order, a chunk at a time).
  // A feature that keeps its training values (keepsValues: a median or most frequent fill) gets a
  // pass of its own after the others, so only one at a time holds them (8M rows: 64 MB each).
  const featureIndices = plans.map((p) => indexOf(p.profile.name));
  const fitted = new Array<FittedFeature>(plans.length);
  const local = new Int32Array(step);
  for (const group of fitting) {
    const fits = group.map((k) => featureFit(meta, plans[k]!, trainRows.length));
    for await (const chunk of chunksOf(
      group.map((k) => featureIndices[k]!),
      'Fitting the statistics on the training rows',
    )) {
      let count = 0;
      for (let i = 0; i < chunk.end - chunk.start; i++) if (splitOf[chunk.start + i] === 1) local[count++] = i;
      fits.forEach((fit, j) => {
        const column = chunk.columns.get(featureIndices[group[j]!]!)!;
        fit.add(column, local, count);
        fit.addAll(column);
      });
    }
    fits.forEach((fit, j) => (fitted[group[j]!] = fit.finish()));
  }
  const features = fitted.map((f) => f.encoding);
  const inputWidth = encodedWidth(features);
  // The editor sized the Input node with taskShape; a mismatch here would be a bug, not a user error.
  if (shape && inputWidth !== shape.inputWidth)
    throw new Error(`Encoded width ${inputWidth} differs from taskShape's ${shape.inputWidth}.`);
  const outputWidth = heads.reduce((n, h) => n + h.width, 0);

  // Each regression target is standardized with its training rows' statistics alone.
  const scalings = heads.map((h, i) => (h.labels ? undefined : statsOf(targetsOf[i]!, trainRows)));
  // Pass 3 reads the targets again with the features: 8 bytes a row per head are let go before
  // the encoding and the writing of the split files, where the main side peaks (issue 19).
  targetsOf.length = 0;
  /** x of a chunk's rows `rows` (indices into the chunk, `count` of them). */
  const encodeX = (columns: Map<number, StoredColumn>, rows: Int32Array, count: number): Float32Array => {
    const out = new Float32Array(count * inputWidth);
    let offset = 0;
    // A feature at a time: a numeric one in a plain loop (encodeNumber's arithmetic), others by write.
    fitted.forEach((f, k) => {
      const column = columns.get(featureIndices[k]!)!;
      const numeric = f.numeric;
      if (numeric && column instanceof Float64Array) {
        const { mean, std, fill } = numeric;
        for (let n = 0; n < count; n++) {
          const v = column[rows[n]!] ?? Number.NaN;
          out[n * inputWidth + offset] = ((Number.isNaN(v) ? fill : v) - mean) / std;
        }
      } else {
        const write = f.writer(column);
        for (let n = 0; n < count; n++) write(rows[n]!, out, n * inputWidth + offset);
      }
      offset += f.width;
    });
    return out;
  };
  /** y of a chunk's rows `rows` (indices into the chunk, `count` of them), each head's target by its reader (targetReader). */
  const encodeY = (targets: ((row: number) => number | null)[], rows: Int32Array, count: number): Float32Array => {
    const out = new Float32Array(count * outputWidth);
    let offset = 0;
    heads.forEach((head, h) => {
      const target = targets[h]!;
      const scaling = scalings[h];
      for (let n = 0; n < count; n++) {
        const t = target(rows[n]!) ?? 0;
        const at = n * outputWidth + offset;
        if (scaling) out[at] = (t - scaling.mean) / scaling.std;
        else if (head.width === 1)
          out[at] = t; // two classes: one sigmoid output, 0/1 = label index
        else out[at + t] = 1;
      }
      offset += head.width;
    });
    return out;
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

  // Pass 3: x and y of every row in a split, a chunk at a time, each to its place in its split's order.
  await ensureDir(outDir);
  const scratch = await mkdtemp(join(outDir, '.rows-'));
  try {
    const bucketRows = (width: number) => (input.chunkRows !== undefined ? step : bucketRowsFor(width));
    const xs = splits.map(
      (rows, s) => new ScatterMatrix(join(scratch, `x${s}`), rows.length, inputWidth, bucketRows(inputWidth)),
    );
    const ys = splits.map(
      (rows, s) => new ScatterMatrix(join(scratch, `y${s}`), rows.length, outputWidth, bucketRows(outputWidth)),
    );
    const selected = new Int32Array(step);
    for await (const chunk of chunksOf(
      [...featureIndices, ...targetIndices],
      'Encoding the rows and putting them in split order',
    )) {
      let count = 0;
      for (let i = 0; i < chunk.end - chunk.start; i++) if (splitOf[chunk.start + i]! > 0) selected[count++] = i;
      const x = encodeX(chunk.columns, selected, count);
      const targets = heads.map((h, k) =>
        targetReader(meta, chunk.columns.get(targetIndices[k]!)!, h, labelCaches[k]!, chunk.start),
      );
      const y = encodeY(targets, selected, count);
      for (let n = 0; n < count; n++) {
        const r = chunk.start + selected[n]!;
        const s = splitOf[r]! - 1;
        xs[s]!.put(position[r]!, x, n * inputWidth);
        ys[s]!.put(position[r]!, y, n * outputWidth);
      }
      for (const matrix of [...xs, ...ys]) await matrix.drain();
    }
    const names = ['train', 'val', 'test'];
    const writing = phase(
      'Writing the split files',
      splits.reduce((n, rows) => n + rows.length * (inputWidth + outputWidth) * 4, 0),
      'bytes',
    );
    async function* counted(blocks: AsyncIterable<Uint8Array>) {
      for await (const block of blocks) {
        yield block;
        writing.add(block.byteLength);
      }
    }
    for (let s = 0; s < splits.length; s++) {
      if (s === 2 && testRows.length === 0) continue;
      await writeFileAtomic(join(outDir, `x_${names[s]}.f32`), counted(xs[s]!.blocks()));
      await writeFileAtomic(join(outDir, `y_${names[s]}.f32`), counted(ys[s]!.blocks()));
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (testRows.length > 0)
    await writeFileAtomic(join(outDir, TEST_ROWS_FILE), rowListsJson({ datasetId: meta.id }, { rows: testRows }));
  await writeJsonAtomic(join(outDir, 'preprocessing.json'), preprocessing);
  // Which dataset rows the validation rows are (in x_val order): evaluation lists raw examples.
  await writeFileAtomic(join(outDir, VALIDATION_ROWS_FILE), rowListsJson({ datasetId: meta.id }, { rows: valRows }));

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

/**
 * A chunk's reader of one head's target: a label index (classification) or a value
 * (regression), null when the cell is missing. `row` is within the chunk that starts at `start`.
 */
function targetReader(
  meta: DatasetMeta,
  column: StoredColumn,
  head: TargetPlan,
  labelCache: WeakMap<string[], Int32Array>,
  start: number,
): (row: number) => number | null {
  const name = head.target;
  if (head.labels) {
    const labelIndex = categoryIndexer(column, head.labels, labelCache);
    return (row) => {
      if (cellText(column, row) === null) return null;
      const k = labelIndex(row);
      if (k < 0) throw damaged(meta, `row ${start + row + 1} of "${name}" has a value that is not one of its classes`);
      return k;
    };
  }
  if (!(column instanceof Float64Array)) throw damaged(meta, `column "${name}" is numeric but stored as text`);
  return (row) => {
    const v = column[row] ?? Number.NaN;
    return Number.isNaN(v) ? null : v;
  };
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
