import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FormatWriter } from '../format-writer';
import { modelToOnnxBytes } from './model-to-onnx';
import { ONNX_CHECKER, runOnnxFile } from './run-onnx';
import { maxAbsDiff } from '../predictions';
import { OnnxExportError } from './unsupported';

export { modelToOnnx, modelToOnnxBytes, ONNX_LAYER_CLASSES, ONNX_OPSET } from './model-to-onnx';
export { ONNX_CHECKER, runOnnxFile } from './run-onnx';
export { OnnxExportError } from './unsupported';

export const ONNX_FILE = 'model.onnx';

/** Several outputs, each row-major, one after the other in the model's output order. */
function concatOutputs(outputs: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(outputs.reduce((n, o) => n + o.length, 0));
  let at = 0;
  for (const o of outputs) {
    out.set(o, at);
    at += o.length;
  }
  return out;
}

/**
 * ONNX (opset 17): writes model.onnx into the staged folder, then loads that file with
 * onnxruntime-node and runs the validation rows through it. `expected` and the returned
 * predictions hold every output in the model's output order (each row-major).
 */
export const writeOnnx: FormatWriter = async (job) => {
  if (job.model.inputs.length !== 1) {
    throw new OnnxExportError(
      `Cannot check the ONNX export of model "${job.model.name}": it has ${job.model.inputs.length} inputs, and the export's validation rows feed one.`,
    );
  }
  const bytes = modelToOnnxBytes(job.model, { float16: job.float16 === true });
  const file = path.join(job.dir, ONNX_FILE);
  await fs.writeFile(file, bytes);
  const predictions = concatOutputs(await runOnnxFile(file, [job.x]));
  return {
    files: [ONNX_FILE],
    maxAbsDiff: maxAbsDiff(predictions, job.expected),
    checkedWith: ONNX_CHECKER,
    predictions,
  };
};
