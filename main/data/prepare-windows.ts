import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { DatasetMeta, Preprocessing, TaskSpec } from '../../app/dataset/schema';
import { taskShape } from '../../app/dataset/task';
import {
  change,
  scaleInputs,
  timeSegments,
  windowInputColumns,
  windowsOf,
  type Segment,
  type Series,
  type WindowSet,
  type WindowSpec,
} from '../../app/dataset/windows';
import { PreparedData } from '../../app/engine/protocol';
import { UserError } from '../../app/ipc/errors';
import { RunningStats } from '../../app/math/running-stats';
import type { PhaseProgress } from '../../app/progress/work-progress';
import { fsyncDir, writeFileAtomic, writeJsonAtomic } from './atomic-write';
import { littleEndianBytes, readFloat64 } from './binary';
import { CHUNK_ROWS } from './column-chunks';
import { ensureDir, errorCode, readError, writeError } from './fs-errors';
import { TEST_ROWS_FILE, VALIDATION_ROWS_FILE } from './prepare';
import { rowListsJson } from './row-lists-json';
import { phaseReporter, type PhaseCounter } from './phase-reporter';
import { orderSeries, type OrderedSeries } from './window-series';

export { timeKey } from './window-series';

/**
 * In the prepared-data folder of a windowed run, per split: the target column's value on each
 * window's last row and horizon rows later, in x's order, as little-endian float64 pairs (last,
 * actual). The naive forecast and the undoing of differencing (predictions back in the target's
 * own units) need them; they are read a chunk at a time (windowAnchorChunks).
 */
export const ANCHOR_FILES = {
  train: 'windows_train.f64',
  validation: 'windows_val.f64',
  test: 'windows_test.f64',
} as const;
export type AnchorSplit = keyof typeof ANCHOR_FILES;
/** What runs prepared before the anchors were binary hold instead: every split's anchors in one JSON file. */
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
  /** Created when missing; receives the .f32 files, preprocessing.json and the window anchors. */
  outDir: string;
  /**
   * Rows read at a time, and rows put in time order in memory at a time when the table is out of
   * order (default: CHUNK_ROWS read, 32 MiB buckets). The output is the same for any value; tests make it small.
   */
  chunkRows?: number;
  /**
   * Each phase as it goes (putting the series in order, the statistics, the targets' spread, the
   * windows), in the words the table's preparation uses; `signal` stops it at its next chunk.
   */
  onProgress?: (progress: PhaseProgress) => void;
  signal?: AbortSignal;
}

/** One piece of a split's windows, found in one chunk of the series. */
interface WindowPiece {
  /** Index into the segments (training, validation, test). */
  segment: number;
  set: WindowSet;
  /** The dataset row (0-based) each window forecasts. */
  rows: Int32Array;
}

/** One chunk of the series with the rows before it that its windows read. */
interface LocalRows {
  /** Series position of values[f][0]. */
  base: number;
  /** The chunk's own rows: series positions [start, end). */
  start: number;
  end: number;
  values: Float64Array[];
}

const concat = <T extends Float64Array | Int32Array>(a: T, b: T, make: (n: number) => T): T => {
  const out = make(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** Windows a segment holds (windowsOf's count): lookback rows, one before them when differenced, horizon after. */
function windowCount(segment: Segment, spec: WindowSpec): number {
  const first = segment.start + (spec.differencing === 'none' ? 0 : 1) + spec.lookback - 1;
  return Math.max(0, segment.end - 1 - spec.horizon - first + 1);
}

/**
 * Walk the series a chunk at a time and give `visit` each chunk's rows and the windows whose
 * target row lies in it, per segment: windowsOf on the chunk with the rows before it that a
 * window reads (lookback + horizon, one more when differenced), so the windows and their values
 * are the ones windowsOf gives on the whole series, whatever the chunk size. With percent change,
 * a row whose previous value is 0 is refused by its time, first in time order, as windowsOf would.
 */
async function walkWindows(
  series: OrderedSeries,
  spec: WindowSpec,
  inputNames: readonly string[],
  segments: readonly Segment[],
  visit: (rows: LocalRows, pieces: WindowPiece[]) => void | Promise<void>,
  progress?: PhaseCounter,
): Promise<void> {
  const differenced = spec.differencing === 'none' ? 0 : 1;
  const context = spec.lookback + spec.horizon + differenced - 1;
  let tailValues = inputNames.map(() => new Float64Array(0));
  let tailRows = new Int32Array(0);
  for await (const chunk of series.chunks()) {
    const base = chunk.start - tailRows.length;
    const end = chunk.start + chunk.count;
    const values = chunk.values.map((v, f) => concat(tailValues[f]!, v, (n) => new Float64Array(n)));
    const rows = concat(tailRows, chunk.rows, (n) => new Int32Array(n));
    if (spec.differencing === 'pct') {
      for (let r = chunk.start; r < end; r++) {
        if (segments.some((s) => s.start === r)) continue;
        for (let f = 0; f < inputNames.length; f++)
          if (values[f]![r - 1 - base] === 0)
            throw new UserError(
              `Percent change of "${inputNames[f]}" at ${await series.timeText(rows[r - base]!)} divides by zero: the row before holds 0. Use plain differencing (diff) instead.`,
            );
      }
    }
    const local: Series = {
      times: [],
      inputs: inputNames.map((name, f) => ({ name, values: values[f]! })),
      target: { name: inputNames[0]!, values: values[0]! },
    };
    const pieces: WindowPiece[] = [];
    segments.forEach((segment, s) => {
      if (segment.end <= chunk.start || segment.start >= end) return;
      const from = Math.max(segment.start, chunk.start - context);
      const to = Math.min(segment.end, end);
      const set = windowsOf(local, spec, { start: from - base, end: to - base });
      if (set.count > 0) pieces.push({ segment: s, set, rows: Int32Array.from(set.targetRow, (t) => rows[t]!) });
    });
    await visit({ base, start: chunk.start, end, values }, pieces);
    progress?.add(chunk.count);
    const keep = Math.max(0, rows.length - context);
    tailValues = values.map((v) => v.slice(keep));
    tailRows = rows.slice(keep);
  }
}

/** A file written in pieces under a temporary name in its folder, renamed into place when complete (writeFileAtomic's way). */
class PieceFile {
  private constructor(
    readonly path: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<PieceFile> {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx').catch((error: unknown) => {
      throw writeError(path, error);
    });
    return new PieceFile(path, temp, handle);
  }

  async write(bytes: Uint8Array): Promise<void> {
    try {
      for (let done = 0; done < bytes.length;)
        done += (await this.handle.write(bytes, done, bytes.length - done)).bytesWritten;
    } catch (error) {
      throw writeError(this.path, error);
    }
  }

  async commit(): Promise<void> {
    try {
      await this.handle.sync();
      await this.handle.close();
      await rename(this.temp, this.path);
    } catch (error) {
      await rm(this.temp, { force: true }).catch(() => undefined);
      throw writeError(this.path, error);
    }
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temp, { force: true }).catch(() => undefined);
  }
}

/**
 * Encode a time-ordered table as windows for training: sort it by its time column, split its rows
 * in time order (training, then validation, then test), make windows inside each part, fit the
 * scaling on the training rows only, and write x (windows × lookback × features) and y per split,
 * preprocessing.json (with the window settings) and the window anchors.
 *
 * The columns are never loaded whole (issue 19): the series is walked a chunk of rows at a time
 * (window-series.ts) three times — the inputs' statistics and the training targets' sum, the
 * targets' spread about their mean (valueStats' two passes), then the windows, written in pieces
 * — and the output is byte for byte the same for any chunk size.
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
  const step = Math.max(1, Math.floor(input.chunkRows ?? CHUNK_ROWS));
  await ensureDir(outDir);
  const scratch = await mkdtemp(join(outDir, '.series-'));
  const files: PieceFile[] = [];
  // Four phases, each a pass over the series' rows (issue 19: ~50 s at 10M rows).
  const phase = phaseReporter(4, input.onProgress, input.signal);
  try {
    // Counted as three passes over the rows (a table out of time order takes three; one in order
    // is done after the first).
    const ordering = phase('Putting the series in time order', 3 * meta.rows, 'rows');
    let orderingRows = 0;
    const series = await orderSeries({
      onRows: (rows) => {
        orderingRows += rows;
        ordering.add(rows);
      },
      datasetDir,
      meta,
      timeColumn: windows.timeColumn,
      inputNames,
      chunkRows: step,
      scratchDir: scratch,
      ...(input.chunkRows !== undefined ? { bucketRows: step } : {}),
    });
    ordering.add(3 * meta.rows - orderingRows);
    const segments = timeSegments(series.length, windows, validationSplit, taskSpec.split?.testShare ?? 0);
    const counts = segments.map((segment) => windowCount(segment, windows));
    const train = segments[0]!;

    // Pass 1: each input's mean and std over the training rows (inputStats, in row order), and
    // the training targets' sum. Pass 2: their spread about the mean (valueStats).
    const from = train.start + (windows.differencing === 'none' ? 0 : 1);
    const running = inputNames.map(() => new RunningStats());
    let sum = 0;
    await walkWindows(
      series,
      windows,
      inputNames,
      segments,
      (rows, pieces) => {
        const end = Math.min(rows.end, train.end);
        running.forEach((stats, f) => {
          const values = rows.values[f]!;
          for (let r = Math.max(rows.start, from); r < end; r++)
            stats.push(change(values, r - rows.base, windows.differencing, inputNames[f]!, []));
        });
        for (const piece of pieces) if (piece.segment === 0) for (const y of piece.set.y) sum += y;
      },
      phase('Fitting the statistics on the training rows', series.length, 'rows'),
    );
    const stats = running.map((r) => r.scaling());
    const trainCount = counts[0]!;
    const mean = sum / (trainCount || 1);
    let m2 = 0;
    await walkWindows(
      series,
      windows,
      inputNames,
      segments.slice(0, 1),
      (_, pieces) => {
        for (const piece of pieces) for (const y of piece.set.y) m2 += (y - mean) * (y - mean);
      },
      phase("Measuring the targets' spread", series.length, 'rows'),
    );
    const spread = trainCount ? Math.sqrt(m2 / trainCount) : 0;
    const targetScaling = { mean, std: spread > 0 ? spread : 1 };

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

    // Pass 3: every split's windows in pieces: x scaled, y standardized, the anchors, and the
    // dataset row each held-out window forecasts (evaluation shows the raw row).
    const names = ['train', 'val', 'test'] as const;
    const splits: AnchorSplit[] = ['train', 'validation', 'test'];
    const outputs: { x: PieceFile; y: PieceFile; anchors: PieceFile }[] = [];
    for (let s = 0; s < segments.length; s++) {
      const made = {
        x: await PieceFile.create(join(outDir, `x_${names[s]}.f32`)),
        y: await PieceFile.create(join(outDir, `y_${names[s]}.f32`)),
        anchors: await PieceFile.create(join(outDir, ANCHOR_FILES[splits[s]!])),
      };
      files.push(made.x, made.y, made.anchors);
      outputs.push(made);
    }
    const heldOut = counts.map((count, s) => (s === 0 ? new Int32Array(0) : new Int32Array(count)));
    const written = counts.map(() => 0);
    const encodeY = (set: WindowSet) => Float32Array.from(set.y, (y) => (y - targetScaling.mean) / targetScaling.std);
    await walkWindows(
      series,
      windows,
      inputNames,
      segments,
      async (_, pieces) => {
        for (const { segment, set, rows } of pieces) {
          const out = outputs[segment]!;
          const anchors = new Float64Array(set.count * 2);
          for (let w = 0; w < set.count; w++) {
            anchors[2 * w] = set.last[w]!;
            anchors[2 * w + 1] = set.actual[w]!;
          }
          await out.x.write(littleEndianBytes(scaleInputs(set.x, stats)));
          await out.y.write(littleEndianBytes(encodeY(set)));
          await out.anchors.write(littleEndianBytes(anchors));
          if (segment > 0) heldOut[segment]!.set(rows, written[segment]!);
          written[segment]! += set.count;
        }
      },
      phase('Writing the windows', series.length, 'rows'),
    );
    written.forEach((n, s) => {
      if (n !== counts[s]) throw new Error(`The ${segments[s]!.name} part gave ${n} windows, not ${counts[s]}.`);
    });
    for (const file of files.splice(0)) await file.commit();
    await fsyncDir(outDir);
    if (segments.length > 2)
      await writeFileAtomic(join(outDir, TEST_ROWS_FILE), rowListsJson({ datasetId: meta.id }, { rows: heldOut[2]! }));
    await writeJsonAtomic(join(outDir, 'preprocessing.json'), preprocessing);
    await writeFileAtomic(
      join(outDir, VALIDATION_ROWS_FILE),
      rowListsJson({ datasetId: meta.id }, { rows: heldOut[1]! }),
    );
    return PreparedData.parse({
      dir: outDir,
      inputWidth: shape.inputWidth,
      inputShape,
      outputWidth: 1,
      trainRows: counts[0]!,
      valRows: counts[1]!,
      ...(segments.length > 2 ? { testRows: counts[2]! } : {}),
      preprocessing,
    });
  } finally {
    for (const file of files) await file.abort();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** One split's anchors: how many windows, and their (last, actual) pairs a chunk at a time. */
export interface AnchorReader {
  readonly count: number;
  /** Float64Arrays of (last, actual) pairs, at most `windows` windows each, in x's order. */
  chunks(windows: number): AsyncGenerator<Float64Array>;
}

const damagedAnchors = (file: string) =>
  new UserError(`The window values of this run (${file}) are damaged; train it again.`);

/** The legacy windows.json of a run prepared before the anchors were binary; null when there is none. */
async function legacyAnchors(dir: string): Promise<WindowAnchors | null> {
  const file = join(dir, WINDOWS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw readError(file, error);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError(`The window values of this run (${file}) are not JSON; train it again.`);
  }
  const parsed = WindowAnchors.safeParse(raw);
  if (!parsed.success) throw damagedAnchors(file);
  return parsed.data;
}

/**
 * A windowed run's anchors of one split, read a chunk at a time from its float64 file (or from
 * windows.json for a run prepared before those files); null when the split has none (no test).
 * The message names the file when it is missing or damaged.
 */
export async function openWindowAnchors(dir: string, split: AnchorSplit): Promise<AnchorReader | null> {
  const file = join(dir, ANCHOR_FILES[split]);
  let size: number;
  try {
    const handle = await open(file, 'r');
    try {
      size = (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw readError(file, error);
    const legacy = await legacyAnchors(dir);
    if (!legacy && split !== 'test')
      throw new UserError(`The window values of this run (${file}) are missing; train it again.`);
    const anchors = legacy?.[split];
    if (!anchors) return null;
    if (anchors.last.length !== anchors.actual.length) throw damagedAnchors(join(dir, WINDOWS_FILE));
    return {
      count: anchors.last.length,
      async *chunks(windows: number) {
        const step = Math.max(1, Math.floor(windows));
        for (let start = 0; start < anchors.last.length; start += step) {
          const end = Math.min(anchors.last.length, start + step);
          const out = new Float64Array((end - start) * 2);
          for (let w = start; w < end; w++) {
            out[2 * (w - start)] = anchors.last[w]!;
            out[2 * (w - start) + 1] = anchors.actual[w]!;
          }
          yield out;
        }
      },
    };
  }
  if (size % 16 !== 0) throw damagedAnchors(file);
  const count = size / 16;
  return {
    count,
    async *chunks(windows: number) {
      const step = Math.max(1, Math.floor(windows));
      const handle = await open(file, 'r').catch((error: unknown) => {
        throw readError(file, error);
      });
      try {
        const bytes = Buffer.allocUnsafe(Math.min(count, step) * 16);
        for (let start = 0; start < count; start += step) {
          const length = (Math.min(count, start + step) - start) * 16;
          for (let done = 0; done < length;) {
            const { bytesRead } = await handle.read(bytes, done, length - done, start * 16 + done);
            if (bytesRead === 0) throw damagedAnchors(file);
            done += bytesRead;
          }
          yield readFloat64(bytes.subarray(0, length));
        }
      } finally {
        await handle.close();
      }
    },
  };
}

/** Every split's anchors whole (small runs, tests); the message names the file when it is damaged. */
export async function readWindowAnchors(dir: string): Promise<WindowAnchors> {
  const whole = async (split: AnchorSplit) => {
    const reader = await openWindowAnchors(dir, split);
    if (!reader) return null;
    const last: number[] = [];
    const actual: number[] = [];
    for await (const pairs of reader.chunks(1 << 16)) {
      for (let i = 0; i < pairs.length; i += 2) {
        last.push(pairs[i]!);
        actual.push(pairs[i + 1]!);
      }
    }
    return { last, actual };
  };
  const [train, validation, test] = await Promise.all([whole('train'), whole('validation'), whole('test')]);
  if (!train || !validation) throw new Error('openWindowAnchors gave no training or validation anchors.');
  return { train, validation, ...(test ? { test } : {}) };
}
