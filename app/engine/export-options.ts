import { z } from 'zod';
import { Baseline } from '../diagnostics/baseline';
import { ModelGraph } from '../graph/schema';
import { EarlyStopInfo, EpochLogs, TestScore } from '../project/schema';

/**
 * What an export can be asked for, shared by the contract (renderer → main), the engine protocol
 * (main → engine), the CLI and the Export step, so that all four refuse the same things with the
 * same words.
 */

export const EXPORT_FORMATS = ['tfjs', 'keras', 'h5', 'onnx', 'pytorch'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/**
 * The formats whose writer is wired into the engine. main/engine/process/formats/registry.ts holds one
 * writer per entry (a compile-time check keeps the two lists equal), so a format whose writer has
 * not landed is refused by name instead of failing half-way.
 */
export const AVAILABLE_EXPORT_FORMATS = [
  'tfjs',
  'keras',
  'h5',
  'onnx',
  'pytorch',
] as const satisfies readonly ExportFormat[];
export type AvailableFormat = (typeof AVAILABLE_EXPORT_FORMATS)[number];

export function isAvailableFormat(format: ExportFormat): format is AvailableFormat {
  return (AVAILABLE_EXPORT_FORMATS as readonly ExportFormat[]).includes(format);
}

export const FORMAT_LABELS: Record<ExportFormat, string> = {
  tfjs: 'TensorFlow.js Layers (model.json + weights.bin)',
  keras: 'Keras 3 (.keras)',
  h5: 'Keras legacy HDF5 (.h5)',
  onnx: 'ONNX (model.onnx)',
  pytorch: 'PyTorch project for torchrun (model.py, train.py, data)',
};

/** TF.js weight quantization (tfjs' quantized weight manifest, dequantized by tf.loadLayersModel). */
export const QUANTIZE_MODES = ['float16', 'uint8'] as const;
export const Quantize = z.enum(QUANTIZE_MODES);
export type Quantize = z.infer<typeof Quantize>;

export interface ExportOptions {
  format: ExportFormat;
  quantize: Quantize | null;
  /** ONNX only: store the weights as float16. */
  float16Weights: boolean;
}

/**
 * The default export folder's last part: one per format and precision ("tfjs", "tfjs-uint8",
 * "onnx-float16", "keras"), so exporting a run in several formats never mixes one format's
 * files, predict.mjs and model card with another's.
 */
export function exportFolderName(options: ExportOptions): string {
  const precision = options.quantize ?? (options.float16Weights ? 'float16' : null);
  return precision ? `${options.format}-${precision}` : options.format;
}

/** Why these options cannot be exported (one sentence naming the option), or null when they can. */
export function exportOptionsProblem(options: ExportOptions): string | null {
  // Read once: the availability guard below must not narrow the format checked after it.
  const format: ExportFormat = options.format;
  if (!isAvailableFormat(options.format)) {
    return `format ${options.format} is not available in this build of Layerlab; available: ${AVAILABLE_EXPORT_FORMATS.join(', ')}.`;
  }
  if (options.quantize !== null && format !== 'tfjs') {
    return `quantize ${options.quantize} applies to the tfjs format only, not ${format}${format === 'onnx' && options.quantize === 'float16' ? ' (ONNX takes float16 weights instead)' : ''}.`;
  }
  if (options.float16Weights && format !== 'onnx') {
    return `float16 weights apply to the onnx format only, not ${format}${format === 'tfjs' ? ' (TF.js takes quantize float16 instead)' : ''}.`;
  }
  return null;
}

/** Largest |exported − in-app| prediction difference a float32 export may have (the rule). */
export const FLOAT32_TOLERANCE = 1e-4;
/** TF.js float32 reloads bit for bit, so it is held to a tighter figure. */
export const TFJS_FLOAT32_TOLERANCE = 1e-5;
/** model.py recomputes every layer in PyTorch float32: held to the same figure (issue 17). */
export const PYTORCH_FLOAT32_TOLERANCE = 1e-5;

/** The largest difference a float32 export of this format may have. */
export function float32Tolerance(format: ExportFormat): number {
  return format === 'tfjs'
    ? TFJS_FLOAT32_TOLERANCE
    : format === 'pytorch'
      ? PYTORCH_FLOAT32_TOLERANCE
      : FLOAT32_TOLERANCE;
}

/**
 * What the main side knows about the run being exported, for MODEL_CARD.md: the engine adds what
 * only it knows (the graph as built, the export's parity and sizes). Every part is optional
 * because a `layerlab train --out` folder holds less than a project's run.
 */
export const ModelCardContext = z.object({
  /** Where the model came from: "run run-… of project Iris", or the folder it was read from. */
  source: z.string(),
  dataset: z.object({ name: z.string(), rows: z.number().int().nonnegative().nullable() }).nullable(),
  graph: ModelGraph.nullable(),
  /** The run's config.json (every training setting, defaults filled in). */
  hyperparameters: z.record(z.string(), z.unknown()).nullable(),
  epochs: z.array(EpochLogs),
  /** Early stopping's record: with restored weights, the model's scores are its best epoch's (kept-epoch.ts). */
  earlyStopped: EarlyStopInfo.nullable().optional(),
  /** The naive baseline's scores (a train --out folder records only the validation ones). */
  baseline: Baseline.partial({ loss: true }).nullable(),
  verdicts: z.array(z.object({ severity: z.string(), title: z.string(), explanation: z.string() })),
  backend: z.string().nullable(),
  trainedAt: z.string().nullable(),
  /** What the compared rows are, when not the run's validation split: "rows of data.csv". */
  comparedOn: z.string().optional(),
  /** The held-out test split's scores, when the user evaluated it (once, after tuning). */
  testScore: TestScore.optional(),
});
export type ModelCardContext = z.infer<typeof ModelCardContext>;

export const ExportSizes = z.object({
  /** Bytes of the exported weights (weights.bin for TF.js; the model file for one-file formats). */
  weights: z.number().int().nonnegative(),
  /** Bytes the same weights take as float32 TF.js weights: what the export is compared with. */
  float32Tfjs: z.number().int().nonnegative(),
});
export type ExportSizes = z.infer<typeof ExportSizes>;

/** The validation score of the in-app model and of the exported files (quantized exports). */
export const ExportAccuracy = z.object({
  metric: z.enum(['accuracy', 'mae']),
  inApp: z.number(),
  exported: z.number(),
  /** exported − inApp (accuracy: a fraction, so −0.01 is one point lost; MAE: in the target's units). */
  change: z.number(),
});
export type ExportAccuracy = z.infer<typeof ExportAccuracy>;
