import type * as tf from '@tensorflow/tfjs';
import {
  PytorchExportError,
  writePytorchProject,
  type KerasTopology,
  type LayerInputShapes,
  type NamedWeight,
} from '../../../export/pytorch';
import type { FormatWriter } from './format-writer';

/**
 * The loaded model as the generator reads it: the Keras topology, every weight by its TF.js name
 * and each layer's input shapes (which the topology does not record).
 */
export function modelParts(model: tf.LayersModel): {
  topology: KerasTopology;
  weights: NamedWeight[];
  shapes: LayerInputShapes;
} {
  const topology = model.toJSON(null, false) as unknown as KerasTopology;
  const weights = model.weights.map((w) => ({
    name: w.originalName,
    shape: [...w.shape] as number[],
    values: Float32Array.from(w.read().dataSync() as Float32Array),
  }));
  const shapes: LayerInputShapes = {};
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0];
    if (node) shapes[layer.name] = node.inputTensors.map((t) => [...t.shape]);
  }
  return { topology, weights, shapes };
}

/**
 * PyTorch: a runnable project (model.py, weights.npz, data.py with the run's prepared splits,
 * train.py for torchrun, README.md, requirements.txt), proven by running model.py's forward pass
 * with PyTorch on the validation rows where /usr/bin/python3 has torch (skipped, saying why,
 * elsewhere). Needs the run's prepared data and settings, which only a project's run has.
 */
export const writePytorch: FormatWriter = async (job) => {
  if (!job.data || !job.trainConfig)
    throw new PytorchExportError(
      "Cannot export to PyTorch: the project needs rows to train on and the run's settings. A project's run (runs/<id>) keeps both; a layerlab train --out folder needs its config.json and --data FILE.csv, the rows it trained on.",
    );
  const { topology, weights, shapes } = modelParts(job.model);
  const { files, check } = await writePytorchProject(
    job.dir,
    {
      topology,
      weights,
      shapes,
      data: job.data,
      config: job.trainConfig,
      source: {
        workspace: job.origin?.workspace ?? null,
        project: job.origin?.project ?? null,
        run: job.origin?.run ?? null,
        label: job.origin?.label ?? 'a Layerlab run',
      },
    },
    { x: job.x.dataSync() as Float32Array, shape: [...job.x.shape], expected: job.expected },
    job.signal,
  );
  return {
    files,
    maxAbsDiff: check.maxAbsDiff ?? 0,
    checkedWith: check.checkedWith,
    predictions: check.predictions ?? job.expected,
    ...(check.skipped !== null ? { skipped: check.skipped } : {}),
  };
};
