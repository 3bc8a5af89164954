import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';

/** What proves an ONNX export: the runtime users run it with, and its version. */
export const ONNX_CHECKER = `onnxruntime-node ${ort.env.versions.node}`;

/**
 * Runs a written .onnx file with onnxruntime-node (loaded from the file, as a user would) on
 * the given inputs, in the model's input order; returns every output, in the model's output
 * order, row-major.
 */
export async function runOnnxFile(file: string, inputs: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(file);
  try {
    if (inputs.length !== session.inputNames.length)
      throw new Error(`The ONNX model takes ${session.inputNames.length} inputs, but ${inputs.length} were given.`);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [i, name] of session.inputNames.entries()) {
      const x = inputs[i]!;
      feeds[name] = new ort.Tensor('float32', Float32Array.from(await x.data()), x.shape);
    }
    const results = await session.run(feeds);
    return session.outputNames.map((name) => {
      const out = results[name]!;
      if (out.type !== 'float32') throw new Error(`ONNX output "${name}" is ${out.type}, not float32.`);
      return Float32Array.from(out.data as Float32Array);
    });
  } finally {
    await session.release();
  }
}
