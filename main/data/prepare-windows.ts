import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DatasetMeta, Preprocessing, TaskSpec } from '../../app/dataset/schema';
import { taskShape } from '../../app/dataset/task';
import {
  inputStats,
  scaleInputs,
  timeSegments,
  valueStats,
  windowInputColumns,
  windowsOf,
  type Series,
  type WindowSet,
  type WindowSpec,
} from '../../app/dataset/windows';
import { PreparedData } from '../../app/engine/protocol';
import { UserError } from '../../app/ipc/errors';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';
import { littleEndianBytes } from './binary';
import { cellText, loadColumns, type StoredColumn } from './column-store';
import { dateOrder, parseDate, type DateOrder } from './dates';
import { ensureDir } from './fs-errors';
import { TEST_ROWS_FILE, VALIDATION_ROWS_FILE } from './prepare';

/**
 * In the prepared-data folder of a windowed run: per split, the target column's value on each
 * window's last row and horizon rows later, in x's order. The naive forecast and the undoing of
 * differencing (predictions back in the target's own units) need them.
 */
export const WINDOWS_FILE = 'windows.json';

const SplitAnchors = z.object({ last: z.array(z.number()), actual: z.array(z.number()) });
export const WindowAnchors = z.object({
  train: SplitAnchors,
  validation: SplitAnchors,
  test: SplitAnchors.optional(),
});
export type WindowAnchors = z.infer<typeof WindowAnchors>;

export interface PrepareWindowsInput {
  /** <project>/datasets/<id>/ */
  datasetDir: string;
  meta: DatasetMeta;
  /** With timeSeries set; split.testShare (a time split) holds out the series' latest rows for test. */
  taskSpec: TaskSpec;
  /** Share of the series (its latest rows, before any test rows) held out for validation, in (0, 1). */
  validationSplit: number;
  /** Created when missing; receives the .f32 files, preprocessing.json and windows.json. */
  outDir: string;
}

function damaged(meta: DatasetMeta, what: string): UserError {
  return new UserError(`The stored data of ${meta.sourceFile} is damaged: ${what}. Import the data again.`);
}

const CLOCK = /(?:[T ])(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/;

/** A sortable number for a date-and-time text (ms since 1970, UTC), or null when it is not one. */
export function timeKey(text: string, order: DateOrder): number | null {
  const parts = parseDate(text, order);
  if (!parts) return null;
  const clock = CLOCK.exec(text.trim());
  const minutes = clock ? Number(clock[2]) : 0;
  const seconds = clock?.[3] ? Number(clock[3]) : 0;
  const millis = clock?.[4] ? Number(`0.${clock[4]}`) * 1000 : 0;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour ?? 0, minutes, seconds, millis);
}

/**
 * The table as a time-ordered series: rows without a time are left out, the rest sorted by it
 * (two rows at the same time are refused: a file holding several series, one per ticker say,
 * must be split first). A missing input or target value takes the value of the row before
 * (only the past is used); rows before every column has had a value are left out.
 */
function seriesOf(
  meta: DatasetMeta,
  columns: StoredColumn[],
  spec: TaskSpec,
  windows: WindowSpec,
  inputNames: string[],
): { series: Series; datasetRows: Int32Array } {
  const indexOf = (name: string) => {
    const i = meta.columns.findIndex((c) => c.name === name);
    if (i < 0) throw new UserError(`The column "${name}" is not in ${meta.sourceFile}.`);
    return i;
  };
  const timeColumn = columns[indexOf(windows.timeColumn)];
  if (!timeColumn) throw damaged(meta, `column "${windows.timeColumn}" is missing`);
  const keyed: { row: number; key: number }[] = [];
  if (timeColumn instanceof Float64Array) {
    timeColumn.forEach((key, row) => {
      if (!Number.isNaN(key)) keyed.push({ row, key });
    });
  } else {
    const order = dateOrder(timeColumn.dict);
    const keys = timeColumn.dict.map((text) => timeKey(text, order));
    timeColumn.codes.forEach((code, row) => {
      if (code < 0) return;
      const key = keys[code] ?? null;
      if (key === null) {
        throw new UserError(
          `Row ${row + 1} of ${meta.sourceFile} has "${timeColumn.dict[code] ?? ''}" in the time column "${windows.timeColumn}", which is not a date or time. Fix the row or choose another time column.`,
        );
      }
      keyed.push({ row, key });
    });
  }
  keyed.sort((a, b) => a.key - b.key || a.row - b.row);
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i]!.key === keyed[i - 1]!.key) {
      const a = keyed[i - 1]!.row;
      const b = keyed[i]!.row;
      throw new UserError(
        `Rows ${a + 1} and ${b + 1} of ${meta.sourceFile} have the same time "${cellText(timeColumn, b) ?? ''}" in "${windows.timeColumn}". A time series needs one row per time: split a file holding several series (one per ticker, say) into one file each.`,
      );
    }
  }

  const numbers = (name: string): Float64Array => {
    const column = columns[indexOf(name)];
    if (!(column instanceof Float64Array)) throw damaged(meta, `column "${name}" is numeric but stored as text`);
    return column;
  };
  const sources = inputNames.map(numbers);
  // Carry each column's last value forward; start once all have one.
  const carried = sources.map(() => Number.NaN);
  let start = -1;
  const inputs = inputNames.map((name) => ({ name, values: new Float64Array(keyed.length) }));
  keyed.forEach(({ row }, position) => {
    sources.forEach((values, f) => {
      const v = values[row]!;
      if (!Number.isNaN(v)) carried[f] = v;
    });
    if (start < 0 && carried.every((v) => !Number.isNaN(v))) start = position;
    inputs.forEach((input, f) => void (input.values[position] = carried[f]!));
  });
  if (start < 0)
    throw new UserError(
      `${meta.sourceFile} has no row where every input column (${inputNames.join(', ')}) has had a value.`,
    );
  const datasetRows = Int32Array.from(keyed.slice(start), (k) => k.row);
  return {
    series: {
      times: keyed.slice(start).map(({ row }) => cellText(timeColumn, row) ?? ''),
      inputs: inputs.map((input) => ({ name: input.name, values: input.values.slice(start) })),
      // The target is the first input (windowInputColumns), missing values carried like the others'.
      target: { name: spec.target, values: inputs[0]!.values.slice(start) },
    },
    datasetRows,
  };
}

/**
 * Encode a time-ordered table as windows for training: sort it by its time column, split its rows
 * in time order (training, then validation, then test), make windows inside each part, fit the
 * scaling on the training rows only, and write x (windows × lookback × features) and y per split,
 * preprocessing.json (with the window settings) and windows.json.
 */
export async function prepareWindowedData(input: PrepareWindowsInput): Promise<PreparedData> {
  const { datasetDir, meta, taskSpec, validationSplit, outDir } = input;
  const windows = taskSpec.timeSeries;
  if (!windows) throw new Error('prepareWindowedData needs a task spec with timeSeries.');
  if (taskSpec.split && taskSpec.split.method !== 'time') {
    throw new UserError(
      `Time-series windows are split in time order (training, then validation, then test), so a ${taskSpec.split.method} split does not apply; choose the time split.`,
    );
  }
  const shape = taskShape(meta, taskSpec);
  const inputNames = windowInputColumns(meta, taskSpec, windows);
  const columns = await loadColumns(datasetDir, meta);
  const { series, datasetRows } = seriesOf(meta, columns, taskSpec, windows, inputNames);
  const segments = timeSegments(series.target.values.length, windows, validationSplit, taskSpec.split?.testShare ?? 0);
  const sets = segments.map((segment) => windowsOf(series, windows, segment));
  const [train, validation, test] = sets as [WindowSet, WindowSet, WindowSet | undefined];

  const stats = inputStats(series, windows, segments[0]!);
  const targetScaling = valueStats(train.y);
  const encodeY = (set: WindowSet) => Float32Array.from(set.y, (y) => (y - targetScaling.mean) / targetScaling.std);
  const inputShape = [windows.lookback, inputNames.length];
  if (inputShape[0]! * inputShape[1]! !== shape.inputWidth)
    throw new Error(`Window width ${inputShape.join('×')} differs from taskShape's ${shape.inputWidth}.`);

  const preprocessing: Preprocessing = {
    format: 'layerlab-preprocessing',
    version: 1,
    task: 'regression',
    target: taskSpec.target,
    features: inputNames.map((name, f) => ({
      name,
      kind: 'numeric' as const,
      mean: stats[f]!.mean,
      std: stats[f]!.std,
      fill: stats[f]!.mean,
    })),
    inputOrder: inputNames,
    targetScaling,
    windows: {
      timeColumn: windows.timeColumn,
      lookback: windows.lookback,
      horizon: windows.horizon,
      differencing: windows.differencing,
      inputs: inputNames,
    },
  };
  const anchors = (set: WindowSet) => ({ last: Array.from(set.last), actual: Array.from(set.actual) });

  await ensureDir(outDir);
  await writeFileAtomic(join(outDir, 'x_train.f32'), littleEndianBytes(scaleInputs(train.x, stats)));
  await writeFileAtomic(join(outDir, 'y_train.f32'), littleEndianBytes(encodeY(train)));
  await writeFileAtomic(join(outDir, 'x_val.f32'), littleEndianBytes(scaleInputs(validation.x, stats)));
  await writeFileAtomic(join(outDir, 'y_val.f32'), littleEndianBytes(encodeY(validation)));
  if (test) {
    await writeFileAtomic(join(outDir, 'x_test.f32'), littleEndianBytes(scaleInputs(test.x, stats)));
    await writeFileAtomic(join(outDir, 'y_test.f32'), littleEndianBytes(encodeY(test)));
    await writeJsonAtomic(join(outDir, TEST_ROWS_FILE), {
      datasetId: meta.id,
      rows: Array.from(test.targetRow, (p) => datasetRows[p]!),
    });
  }
  await writeJsonAtomic(join(outDir, 'preprocessing.json'), preprocessing);
  await writeJsonAtomic(join(outDir, WINDOWS_FILE), {
    train: anchors(train),
    validation: anchors(validation),
    ...(test ? { test: anchors(test) } : {}),
  } satisfies WindowAnchors);
  // The dataset row each validation window forecasts, so evaluation can show the raw row.
  await writeJsonAtomic(join(outDir, VALIDATION_ROWS_FILE), {
    datasetId: meta.id,
    rows: Array.from(validation.targetRow, (p) => datasetRows[p]!),
  });

  return PreparedData.parse({
    dir: outDir,
    inputWidth: shape.inputWidth,
    inputShape,
    outputWidth: 1,
    trainRows: train.count,
    valRows: validation.count,
    ...(test ? { testRows: test.count } : {}),
    preprocessing,
  });
}

/** windows.json of a windowed run's prepared data; the message names the file when it is damaged. */
export async function readWindowAnchors(dir: string): Promise<WindowAnchors> {
  const file = join(dir, WINDOWS_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new UserError(`The window values of this run (${file}) are missing or not JSON; train it again.`);
  }
  const parsed = WindowAnchors.safeParse(raw);
  if (!parsed.success) throw new UserError(`The window values of this run (${file}) are damaged; train it again.`);
  return parsed.data;
}
