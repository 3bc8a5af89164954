import type { ExportResult } from '../../../../app/engine/protocol';
import { parityRowsText } from '../../../../app/engine/parity';
import { FORMAT_LABELS, type ModelCardContext } from '../../../../app/engine/export-options';
import type { Preprocessing } from '../../../../app/dataset/schema';
import { analyzeGraph } from '../../../../app/graph/analyze';
import { formatShape } from '../../../../app/graph/shape';
import { keptEpoch } from '../../../../app/project/kept-epoch';
import type { EpochLogs } from '../../../../app/project/schema';

/**
 * MODEL_CARD.md, written beside every export (after Mitchell et al., "Model Cards for Model
 * Reporting"): what the model reads, how raw values become inputs, its layers, how it was
 * trained, how well it did on the validation split against a naive baseline, what the
 * diagnosis said, and how the exported files were proven equal to the in-app model.
 */

export interface LayerRow {
  name: string;
  type: string;
  outputShape: string;
  params: number;
}

export interface ModelCardFacts {
  context: ModelCardContext | null;
  preprocessing: Preprocessing;
  /** The model's layers as the engine built it: the summary when the context has no graph. */
  builtLayers: LayerRow[];
  exported: Omit<ExportResult, 'outDir'>;
  /** The backend the export ran its parity check on. */
  exportBackend: string;
  date: Date;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const num = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : Number(v.toPrecision(digits)).toString();
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const bytes = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(2)} MiB`;

function table(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function layersFromGraph(context: ModelCardContext | null): LayerRow[] | null {
  const graph = context?.graph;
  if (!graph) return null;
  const analysis = analyzeGraph(graph);
  if (!analysis.ok) return null;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return analysis.order.map((id) => {
    const node = byId.get(id)!;
    const info = analysis.nodes[id];
    return {
      name: node.name ?? node.id,
      type: node.type,
      outputShape: formatShape(info?.outputShape),
      params: info?.params ?? 0,
    };
  });
}

type Feature = Preprocessing['features'][number];

function encodingText(f: Feature): string {
  const missing = (fill: string) =>
    f.missing === 'drop' ? 'missing → the row was dropped in training (a value is required)' : `missing → ${fill}`;
  if (f.kind === 'numeric') return `(x − ${num(f.mean, 6)}) / ${num(f.std, 6)}; ${missing(num(f.fill, 6))}`;
  if (f.kind === 'datetime')
    return `parts ${f.parts.join(', ')} (${f.order} dates), each (part − mean) / std; ${missing("each part's fill")}`;
  const shown = `${f.categories.slice(0, 8).join(', ')}${f.categories.length > 8 ? ', …' : ''}`;
  const fill = missing(f.fill !== undefined ? `"${f.fill}"` : 'no evidence');
  if (f.encoding === 'ordinal')
    return `ordinal index over ${f.categories.length} (${shown}), (index − ${num(f.mean ?? 0)}) / ${num(f.std ?? 1)}; ${fill}`;
  return `one-hot over ${f.categories.length}${f.other ? ' + other' : ''}: ${shown}; unseen → ${f.other ? '"other"' : 'all zeros'}; ${fill}`;
}

function dataSection(facts: ModelCardFacts): string {
  const p = facts.preprocessing;
  const d = facts.context?.dataset;
  const lines = [
    '## Data',
    '',
    `- Dataset: ${d ? `${d.name}${d.rows !== null ? ` (${d.rows.toLocaleString('en-US')} rows)` : ''}` : 'not recorded'}`,
    `- Task: ${p.task} of \`${p.target}\`${p.labels ? ` into ${p.labels.length} classes: ${p.labels.map((l) => `\`${l}\``).join(', ')}` : ''}`,
    `- Features: ${p.features.length}, encoded into ${p.inputOrder.length} model inputs`,
    '',
    '## Preprocessing',
    '',
    'Every statistic comes from the training split only. `preprocessing.json` holds all of it; `predict.mjs` and `predict.py` apply it to raw rows.',
    '',
    table(
      ['Feature', 'Kind', 'Encoding'],
      p.features.map((f) => [f.name, f.kind, encodingText(f)]),
    ),
  ];
  if (p.targetScaling)
    lines.push(
      '',
      `The model predicts the standardized target; prediction × ${num(p.targetScaling.std, 6)} + ${num(p.targetScaling.mean, 6)} is \`${p.target}\` in its own units.`,
    );
  if (p.labels)
    lines.push(
      '',
      p.labels.length === 2
        ? `The model's one output is the probability of \`${p.labels[1]}\`.`
        : 'The model outputs one probability per class, in the label order above.',
    );
  return lines.join('\n');
}

function modelSection(facts: ModelCardFacts): string {
  const rows = layersFromGraph(facts.context) ?? facts.builtLayers;
  const total = rows.reduce((n, r) => n + r.params, 0);
  return [
    '## Model',
    '',
    table(
      ['Layer', 'Type', 'Output shape', 'Params'],
      rows.map((r) => [r.name, r.type, r.outputShape, r.params.toLocaleString('en-US')]),
    ),
    '',
    `Total parameters: ${total.toLocaleString('en-US')}.`,
  ].join('\n');
}

function trainingSection(context: ModelCardContext | null): string {
  const lines = ['## Training', ''];
  if (!context) return [...lines, 'Not recorded with this model.'].join('\n');
  lines.push(`- Source: ${context.source}`);
  if (context.trainedAt) lines.push(`- Trained: ${context.trainedAt}`);
  lines.push(`- Backend: ${context.backend ?? 'not recorded'}`);
  const kept = keptEpoch(context);
  lines.push(
    `- Epochs trained: ${context.epochs.length}${kept?.restored ? `; the model keeps epoch ${kept.epoch + 1}'s weights (the best by ${context.earlyStopped?.monitor ?? 'validation loss'})` : ''}`,
  );
  if (context.hyperparameters) {
    lines.push(
      '',
      table(
        ['Setting', 'Value'],
        Object.entries(context.hyperparameters).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      ),
    );
  }
  return lines.join('\n');
}

const SCORES: { key: keyof EpochLogs; label: string; percent?: boolean }[] = [
  { key: 'loss', label: 'Loss' },
  { key: 'accuracy', label: 'Accuracy', percent: true },
  { key: 'mae', label: 'MAE' },
  { key: 'rmse', label: 'RMSE' },
  { key: 'r2', label: 'R²' },
  { key: 'precision', label: 'Precision', percent: true },
  { key: 'recall', label: 'Recall', percent: true },
  { key: 'auc', label: 'AUC' },
];

function resultsSection(context: ModelCardContext | null): string {
  const lines = ['## Results (validation split)', ''];
  // The scores of the model itself: the kept epoch's (the restored best one, else the last).
  const last = context ? keptEpoch(context)?.logs : undefined;
  if (!context || !last) return [...lines, 'No training history was recorded with this model.'].join('\n');
  const record = last as Record<string, number | null | undefined>;
  const baseline = (context.baseline ?? {}) as Record<string, number | undefined>;
  const rows = SCORES.filter((s) => record[`val_${String(s.key)}`] != null || record[String(s.key)] != null).map(
    (s) => {
      const show = (v: number | null | undefined) => (v == null ? '–' : s.percent ? pct(v) : num(v));
      return [
        s.label,
        show(record[String(s.key)]),
        show(record[`val_${String(s.key)}`]),
        show(baseline[`val_${String(s.key)}`]),
      ];
    },
  );
  lines.push(
    `After epoch ${last.epoch + 1}. The baseline is the naive guess (${context.baseline?.kind === 'training_mean' ? 'the training mean' : 'the most frequent class'}) scored on the same validation rows.`,
    '',
  );
  lines.push(table(['Metric', 'Training', 'Validation', 'Baseline (validation)'], rows));
  const test = context.testScore;
  if (test) {
    const score =
      test.accuracy !== undefined
        ? `accuracy ${pct(test.accuracy)}`
        : test.mae !== undefined
          ? `MAE ${num(test.mae)}`
          : null;
    lines.push(
      '',
      `Test split (held out, evaluated once on ${test.evaluatedAt}, ${test.rows} rows): loss ${num(test.loss)}${score ? `, ${score}` : ''}.`,
    );
  } else {
    lines.push('', 'Test split: not evaluated (no held-out test rows were evaluated for this run).');
  }
  return lines.join('\n');
}

function diagnosisSection(context: ModelCardContext | null): string {
  const lines = ['## Diagnosis', ''];
  if (!context || context.verdicts.length === 0)
    return [...lines, context ? 'No verdicts.' : 'Not recorded with this model.'].join('\n');
  for (const v of context.verdicts) lines.push(`- **${v.title}** (${v.severity}): ${v.explanation}`);
  return lines.join('\n');
}

function exportSection(facts: ModelCardFacts): string {
  const e = facts.exported;
  const rowsName = facts.context?.comparedOn ?? 'validation rows';
  const format = `${FORMAT_LABELS[e.format]}${e.quantize ? `, weights quantized to ${e.quantize}` : ''}${e.float16Weights ? ', float16 weights' : ''}`;
  const parity =
    e.tolerance === null
      ? `max |exported − in-app| = ${e.maxAbsDiff.toExponential(2)} over ${parityRowsText(e.rowsCompared, e.rowsAvailable, rowsName)} (reduced precision: judged by the accuracy change below, not by a tolerance)`
      : `max |exported − in-app| = ${e.maxAbsDiff.toExponential(2)} over ${parityRowsText(e.rowsCompared, e.rowsAvailable, rowsName)} (allowed ${e.tolerance.toExponential(0)})`;
  const lines = [
    '## Export',
    '',
    `- Format: ${format}`,
    ...(e.checkSkipped !== undefined
      ? [`- Not checked: ${e.checkSkipped}; run the files where their runtime is installed to compare them.`]
      : [
          `- Checked with: ${e.checkedWith}, against the in-app model on ${facts.exportBackend}`,
          `- Parity: ${parity}`,
        ]),
    `- Weights: ${bytes(e.sizes.weights)} (float32 TF.js: ${bytes(e.sizes.float32Tfjs)}${e.sizes.weights < e.sizes.float32Tfjs ? `, ${pct(1 - e.sizes.weights / e.sizes.float32Tfjs)} smaller` : ''})`,
  ];
  if (e.accuracy) {
    const a = e.accuracy;
    lines.push(
      a.metric === 'accuracy'
        ? `- Accuracy on the ${rowsName}: in-app ${pct(a.inApp)}, exported ${pct(a.exported)} (change ${a.change >= 0 ? '+' : ''}${(a.change * 100).toFixed(1)} points)`
        : `- MAE on the ${rowsName}: in-app ${num(a.inApp)}, exported ${num(a.exported)} (change ${a.change >= 0 ? '+' : ''}${num(a.change, 3)})`,
    );
  }
  lines.push(`- Files: ${e.files.map((f) => `\`${f.split(/[\\/]/).pop()}\``).join(', ')}`);
  return lines.join('\n');
}

export function renderModelCard(facts: ModelCardFacts): string {
  const p = facts.preprocessing;
  return `${[
    `# Model card: ${p.task} of \`${p.target}\``,
    `Exported by Layerlab on ${facts.date.toISOString()}.`,
    dataSection(facts),
    modelSection(facts),
    trainingSection(facts.context),
    resultsSection(facts.context),
    diagnosisSection(facts.context),
    exportSection(facts),
  ].join('\n\n')}\n`;
}
