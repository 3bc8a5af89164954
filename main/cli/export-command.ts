import { existsSync } from 'node:fs';
import { parityRowsText } from '../../app/engine/parity';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodedWidth, Preprocessing } from '../../app/dataset/schema';
import {
  EXPORT_FORMATS,
  ExportFormat,
  exportOptionsProblem,
  QUANTIZE_MODES,
  Quantize,
  type ModelCardContext,
} from '../../app/engine/export-options';
import type { ExportOrigin, ExportResult, PreparedData } from '../../app/engine/protocol';
import { formatZodError, UserError } from '../../app/ipc/errors';
import { EpochLogs, RunSummary } from '../../app/project/schema';
import { ProjectService } from '../data';
import { isMissing, parseNumber } from '../data/cell';
import { parseCsv } from '../data/csv-parse';
import { rowsInDialect } from '../services/predict-run';
import { encodeRawRows } from '../data/encode';
import { EngineClient } from '../engine/client';
import { cardContextFor } from '../services/export-run';
import { readPreparedData, refuseSeveralInputsOrHeads } from '../services/runs';
import { randomSplit } from '../data/splits';
import { UsageError } from './cli-error';
import { progressPrinter } from './progress-line';
import { exportProgressText } from '../../app/progress/work-progress';

const FLAGS = {
  run: { type: 'string' },
  format: { type: 'string' },
  quantize: { type: 'string' },
  'float16-weights': { type: 'boolean' },
  out: { type: 'string' },
  data: { type: 'string' },
} as const;

/** A run folder as the export needs it: the model, the rows to check it on, what the card says. */
interface RunSource {
  /** A project's run: where it lives (a PyTorch export records it for runs import). */
  origin?: ExportOrigin;
  modelDir: string;
  data: PreparedData | null;
  card: ModelCardContext;
  label: string;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UserError(
      `${file} is ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'not valid JSON'}.`,
    );
  }
}

/** A project's runs/<id>/: run.json, model/, data/ (the prepared splits the run trained on). */
async function projectRun(runDir: string, format: ExportFormat): Promise<RunSource> {
  const parsed = RunSummary.safeParse(await readJson(path.join(runDir, 'run.json')));
  if (!parsed.success) throw new UserError(formatZodError(parsed.error, `${path.join(runDir, 'run.json')} is damaged`));
  const run = parsed.data;
  if (!run.hasModel) throw new UserError(`Run ${run.id} in ${runDir} has no trained model to export.`);
  // <workspace>/projects/<project>/runs/<run>: the project's dataset names the data in the card.
  const projectDir = path.dirname(path.dirname(runDir));
  let dataset: { name: string; rows: number } | null = null;
  let source = `run ${run.id} (${runDir})`;
  try {
    const state = await new ProjectService(path.dirname(path.dirname(projectDir))).open(path.basename(projectDir));
    if (state.dataset) dataset = { name: state.dataset.name, rows: state.dataset.rows };
    source = `run ${run.id} of project "${state.project.name}"`;
  } catch {
    // A run folder copied out of its project: the card says less about the data.
  }
  const data = existsSync(path.join(runDir, 'data', 'prepared.json')) ? await readPreparedData(runDir) : null;
  // A PyTorch project takes several Inputs and heads (training.json splits the rows and targets).
  if (data && format !== 'pytorch') refuseSeveralInputsOrHeads(data, 'export to this format supports');
  return {
    origin: {
      workspace: path.dirname(path.dirname(projectDir)),
      project: path.basename(projectDir),
      run: run.id,
      label: source,
    },
    modelDir: path.join(runDir, 'model'),
    data,
    card: cardContextFor(run, source, dataset),
    label: `run ${run.id}`,
  };
}

/** What `layerlab train --out` writes: model.json, weights.bin, preprocessing.json, metrics.json, config.json. */
async function trainOutFolder(dir: string): Promise<RunSource> {
  const metrics = existsSync(path.join(dir, 'metrics.json'))
    ? ((await readJson(path.join(dir, 'metrics.json'))) as Record<string, unknown>)
    : {};
  const config = existsSync(path.join(dir, 'config.json'))
    ? ((await readJson(path.join(dir, 'config.json'))) as Record<string, unknown>)
    : null;
  // --data rows encode into one input and one target: a graph with several of either (metrics.json
  // lists them) has only its project's run to export from.
  const inputs = Array.isArray(metrics['inputs']) ? metrics['inputs'].length : 1;
  const heads = Array.isArray(metrics['heads']) ? metrics['heads'].length : 1;
  if (inputs > 1 || heads > 1)
    throw new UserError(
      `${dir} holds a model with ${inputs} input${inputs === 1 ? '' : 's'} and ${heads} output head${heads === 1 ? '' : 's'}; exporting a layerlab train --out folder supports single-input, single-head models so far (a project's run exports several to PyTorch).`,
    );
  const epochs = EpochLogs.array().safeParse(metrics['epochs']);
  const final = (metrics['final'] ?? {}) as Record<string, number | undefined>;
  const diagnosis = Array.isArray(metrics['diagnosis'])
    ? (metrics['diagnosis'] as { severity?: unknown; title?: unknown; explanation?: unknown }[])
    : [];
  const regression = metrics['task'] === 'regression';
  const card: ModelCardContext = {
    source: `layerlab train output ${dir}`,
    dataset: null,
    graph: null,
    hyperparameters: config,
    epochs: epochs.success ? epochs.data : [],
    baseline:
      final['baseline_val_loss'] !== undefined
        ? {
            kind: regression ? 'training_mean' : 'majority_class',
            val_loss: final['baseline_val_loss'],
            ...(final['baseline_val_accuracy'] !== undefined ? { val_accuracy: final['baseline_val_accuracy'] } : {}),
            ...(final['baseline_val_mae'] !== undefined ? { val_mae: final['baseline_val_mae'] } : {}),
          }
        : null,
    verdicts: diagnosis.map((v) => ({
      severity: String(v.severity ?? ''),
      title: String(v.title ?? ''),
      explanation: String(v.explanation ?? ''),
    })),
    backend: typeof metrics['backend'] === 'string' ? metrics['backend'] : null,
    trainedAt: null,
  };
  return {
    // No project or run: a PyTorch project's result comes back with layerlab runs import --project.
    origin: { workspace: null, project: null, run: null, label: `layerlab train output ${dir}` },
    modelDir: dir,
    data: null,
    card,
    label: path.basename(dir),
  };
}

/**
 * --data FILE.csv → validation rows for the check, encoded with the model's own preprocessing.json
 * (a train --out folder keeps no split). Rows whose target is missing or an unknown label are left out.
 */
async function rowsFromCsv(file: string, preprocessing: Preprocessing, into: string): Promise<PreparedData> {
  // Read in the dialect the model's training file was imported with (preprocessing.json's csv):
  // a decimal-comma, ';'-separated file checks the export as it trained it.
  const dialect = preprocessing.csv;
  let text: string;
  try {
    const bytes = await readFile(file);
    text = new TextDecoder(dialect?.encoding ?? 'utf-8').decode(bytes);
  } catch {
    throw new UserError(`Cannot read --data ${file}.`);
  }
  const name = path.basename(file);
  const csv = parseCsv(
    text,
    name,
    dialect
      ? {
          delimiter: dialect.delimiter,
          ...(dialect.quoteChar !== undefined ? { quoteChar: dialect.quoteChar } : {}),
          ...(dialect.header !== undefined ? { header: dialect.header } : {}),
          decimalComma: dialect.decimal === ',',
        }
      : {},
  );
  const decimalComma = dialect?.decimal === ',';
  const targetAt = csv.headers.indexOf(preprocessing.target);
  if (targetAt < 0)
    throw new UserError(
      `${name} has no "${preprocessing.target}" column (the model's target); it has ${csv.headers.join(', ')}.`,
    );
  const labels = preprocessing.labels ?? [];
  const outputWidth = preprocessing.task === 'regression' ? 1 : labels.length === 2 ? 1 : labels.length;
  const records: Record<string, string>[] = [];
  const ys: number[] = [];
  csv.rows.forEach((cells, r) => {
    const raw = cells[targetAt] ?? '';
    if (isMissing(raw)) return;
    const y = new Array<number>(outputWidth).fill(0);
    if (preprocessing.task === 'regression') {
      const value = parseNumber(decimalComma ? raw.trim().replace(',', '.') : raw);
      if (value === null)
        throw new UserError(
          `${name} line ${csv.lines[r]}, column "${preprocessing.target}": "${raw.trim()}" is not a number.`,
        );
      const s = preprocessing.targetScaling ?? { mean: 0, std: 1 };
      y[0] = (value - s.mean) / s.std;
    } else {
      const k = labels.indexOf(raw.trim());
      if (k < 0) return;
      if (outputWidth === 1) y[0] = k;
      else y[k] = 1;
    }
    records.push(Object.fromEntries(csv.headers.map((h, j) => [h, cells[j] ?? ''])));
    ys.push(...y);
  });
  if (records.length === 0)
    throw new UserError(`${name} has no rows with a known "${preprocessing.target}" value to check the export on.`);
  let x: Float32Array;
  try {
    x = encodeRawRows(preprocessing, rowsInDialect(preprocessing, records));
  } catch (error) {
    throw new UserError(`${name}: ${(error as Error).message}`);
  }
  const le = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  await writeFile(path.join(into, 'x_val.f32'), le(x));
  await writeFile(path.join(into, 'y_val.f32'), le(Float32Array.from(ys)));
  // The export reads only the validation split; trainRows just has to be a valid count.
  return {
    dir: into,
    inputWidth: encodedWidth(preprocessing.features),
    outputWidth,
    trainRows: records.length,
    valRows: records.length,
    preprocessing,
  };
}

/**
 * The --data rows of a train --out folder as training and validation splits for the PyTorch
 * project (data.py, train.py): seeded and sized as the folder's config.json says (validationSplit,
 * seed; 0.2 and 42 by default), with main/data/splits.ts's random split.
 */
async function splitForTraining(data: PreparedData, card: ModelCardContext): Promise<PreparedData> {
  const config = card.hyperparameters ?? {};
  const share = typeof config['validationSplit'] === 'number' ? config['validationSplit'] : 0.2;
  const seed = typeof config['seed'] === 'number' ? config['seed'] : 42;
  const rows = data.valRows;
  const split = randomSplit(
    Array.from({ length: rows }, (_, i) => i),
    { validation: share, test: 0 },
    seed,
  );
  const read = async (file: string) => {
    const bytes = await readFile(path.join(data.dir, file));
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  };
  const [x, y] = await Promise.all([read('x_val.f32'), read('y_val.f32')]);
  const write = async (file: string, all: Float32Array, width: number, which: Int32Array) => {
    const out = new Float32Array(which.length * width);
    which.forEach((r, i) => out.set(all.subarray(r * width, (r + 1) * width), i * width));
    await writeFile(path.join(data.dir, file), Buffer.from(out.buffer));
  };
  await write('x_train.f32', x, data.inputWidth, split.train);
  await write('y_train.f32', y, data.outputWidth, split.train);
  await write('x_val.f32', x, data.inputWidth, split.validation);
  await write('y_val.f32', y, data.outputWidth, split.validation);
  return { ...data, trainRows: split.train.length, valRows: split.validation.length };
}

function summary(result: ExportResult, label: string, rowsName: string): string[] {
  const what = `${result.format}${result.quantize ? ` (${result.quantize} weights)` : result.float16Weights ? ' (float16 weights)' : ''}`;
  const lines = [
    `Exported ${label} as ${what} to ${result.outDir}: ${result.files.map((f) => path.basename(f)).join(', ')}.`,
  ];
  const diff = result.maxAbsDiff.toExponential(1);
  lines.push(
    result.checkSkipped !== undefined
      ? `Parity: not checked here (${result.checkSkipped}).`
      : result.tolerance === null
        ? `Parity: max difference ${diff} over ${parityRowsText(result.rowsCompared, result.rowsAvailable, rowsName)}, checked with ${result.checkedWith} (reduced precision: judged by the accuracy change).`
        : `Parity: max difference ${diff} over ${parityRowsText(result.rowsCompared, result.rowsAvailable, rowsName)}, checked with ${result.checkedWith} (allowed ${result.tolerance.toExponential(0)}).`,
  );
  const a = result.accuracy;
  if (a) {
    lines.push(
      a.metric === 'accuracy'
        ? `Accuracy on the ${rowsName}: in-app ${(a.inApp * 100).toFixed(1)}%, exported ${(a.exported * 100).toFixed(1)}% (${a.change >= 0 ? '+' : ''}${(a.change * 100).toFixed(1)} points).`
        : `MAE on the ${rowsName}: in-app ${a.inApp.toPrecision(4)}, exported ${a.exported.toPrecision(4)} (${a.change >= 0 ? '+' : ''}${a.change.toPrecision(2)}).`,
    );
  }
  const { weights, float32Tfjs } = result.sizes;
  lines.push(
    `Size: ${weights} bytes of ${result.format === 'tfjs' ? 'weights' : 'model file'} (float32 TF.js weights: ${float32Tfjs} bytes${weights < float32Tfjs ? `, ${((1 - weights / float32Tfjs) * 100).toFixed(0)}% smaller` : ''}).`,
  );
  return lines;
}

/**
 * `layerlab export --run RUN_DIR --format F --out DIR`: a project's runs/<id>/ folder or a
 * `layerlab train --out` folder, exported through the engine process with the same parity check,
 * snippets and model card as the app's Export step.
 */
export async function exportCommand(args: string[], out: (line: string) => void): Promise<number> {
  let values: {
    run?: string;
    format?: string;
    quantize?: string;
    'float16-weights'?: boolean;
    out?: string;
    data?: string;
  };
  try {
    ({ values } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  if (!values.run)
    throw new UsageError("export needs --run RUN_DIR (a project's runs/<id> folder or a layerlab train --out folder).");
  if (!values.out) throw new UsageError('export needs --out DIR.');
  const format = ExportFormat.safeParse(values.format ?? 'tfjs');
  if (!format.success)
    throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, not "${values.format}".`);
  let quantize: Quantize | null = null;
  if (values.quantize !== undefined) {
    const parsed = Quantize.safeParse(values.quantize);
    if (!parsed.success)
      throw new UsageError(`--quantize must be one of ${QUANTIZE_MODES.join(', ')}, not "${values.quantize}".`);
    quantize = parsed.data;
  }
  const options = { format: format.data, quantize, float16Weights: values['float16-weights'] ?? false };
  const problem = exportOptionsProblem(options);
  if (problem !== null)
    throw new UsageError(
      `Cannot export: ${problem.replace('float16 weights', '--float16-weights').replace(/^quantize/, '--quantize')}`,
    );

  const runDir = path.resolve(values.run);
  const outDir = path.resolve(values.out);
  let source: RunSource;
  if (existsSync(path.join(runDir, 'run.json'))) source = await projectRun(runDir, format.data);
  else if (existsSync(path.join(runDir, 'model.json'))) source = await trainOutFolder(runDir);
  else
    throw new UserError(
      `${runDir} is not a run folder: it has neither run.json (a project's runs/<id>) nor model.json (a layerlab train --out folder).`,
    );

  const scratch = await mkdtemp(path.join(os.tmpdir(), 'layerlab-export-'));
  const engine = new EngineClient();
  try {
    let data = source.data;
    if (values.data !== undefined) {
      const pre = Preprocessing.safeParse(await readJson(path.join(source.modelDir, 'preprocessing.json')));
      if (!pre.success)
        throw new UserError(
          formatZodError(pre.error, `${path.join(source.modelDir, 'preprocessing.json')} is damaged`),
        );
      data = await rowsFromCsv(path.resolve(values.data), pre.data, scratch);
      // A PyTorch project trains too: the rows split as the folder's config.json says.
      if (format.data === 'pytorch' && source.data === null) data = await splitForTraining(data, source.card);
      source.card.dataset ??= { name: path.basename(values.data), rows: data.valRows };
      source.card.comparedOn = `rows of ${path.basename(values.data)}`;
    }
    if (data === null)
      throw new UserError(
        format.data === 'pytorch'
          ? `${runDir} keeps no rows to train on or check the export with (layerlab train --out writes none): add --data FILE.csv, the rows it trained on (the PyTorch project splits them into training and validation rows as its config.json says).`
          : `${runDir} keeps no validation rows to check the export on (layerlab train --out writes none): add --data FILE.csv, raw rows with the model's columns and its target.`,
      );
    // Ctrl-C stops the export after its current step; the engine removes what it staged.
    const exporting = new AbortController();
    const stopOnSignal = () => {
      if (!exporting.signal.aborted) out('Cancelling the export after its current step...');
      exporting.abort();
    };
    process.on('SIGINT', stopOnSignal);
    const progress = progressPrinter(`Exporting to ${path.basename(outDir)}`);
    let result: ExportResult;
    try {
      result = await engine.exportModel(
        {
          modelDir: source.modelDir,
          data,
          outDir,
          ...options,
          card: source.card,
          ...(source.origin ? { origin: source.origin } : {}),
        },
        { signal: exporting.signal, onProgress: (p) => progress.update(p, exportProgressText(p)) },
      );
    } catch (error) {
      if (!exporting.signal.aborted) throw error;
      out(`Export cancelled; nothing was written to ${outDir}.`);
      return 130;
    } finally {
      progress.end();
      process.off('SIGINT', stopOnSignal);
    }
    for (const line of summary(result, source.label, source.card.comparedOn ?? 'validation rows')) out(line);
    return 0;
  } finally {
    engine.dispose();
    await rm(scratch, { recursive: true, force: true });
  }
}
