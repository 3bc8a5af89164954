import type { AvailableFormat, Quantize } from '../../../../app/engine/export-options';
import type { FormatWriter } from './format-writer';
import { tfjsWriter } from './tfjs';

/**
 * One writer per available format (app/engine/export-options.ts lists them for the UI, the CLI
 * and validation; the mapped type keeps both lists equal at compile time). Add a format here and
 * in AVAILABLE_EXPORT_FORMATS together, once its writer and its parity check exist. The other
 * formats load on first use: onnxruntime-node's native library and h5wasm stay out of the engine's
 * start-up, and a runtime that fails to load fails that one export with its reason.
 */
const WRITERS: { [F in AvailableFormat]: (quantize: Quantize | null) => Promise<FormatWriter> } = {
  tfjs: async (quantize) => tfjsWriter(quantize),
  // Quantization is TF.js-only: exportOptionsProblem refuses it for these before they are asked.
  keras: async () => (await import('./keras/index')).writeKeras,
  h5: async () => (await import('./keras/index')).writeH5,
  onnx: async () => (await import('./onnx/index')).writeOnnx,
  pytorch: async () => (await import('./pytorch')).writePytorch,
};

export function writerFor(format: AvailableFormat, quantize: Quantize | null): Promise<FormatWriter> {
  return WRITERS[format](quantize);
}
