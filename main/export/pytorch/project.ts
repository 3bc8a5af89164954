import type { PreparedData } from '../../../app/engine/protocol';
import { headKind, headsOf, resolveHeadsConfig, type HeadsConfig } from '../../../app/engine/heads';
import { headFor, RunTrainConfig, TrainConfigError, type ResolvedTrainConfig } from '../../../app/training/config';
import { formatZodError } from '../../../app/ipc/errors';
import { DATA_PY } from './data-py';
import { generateModelPy, type GeneratedModel } from './model-py';
import {
  modelSpec,
  PytorchExportError,
  type KerasTopology,
  type LayerInputShapes,
  type ModelSpec,
  type NamedWeight,
} from './model-spec';
import { npzBytes } from './npz';
import { TRAIN_PY } from './train-py';

/** Where the run came from, so `layerlab runs import` can put the trained model back beside it. */
export interface PytorchSource {
  /** The workspace folder the project lives in (runs import finds it there). */
  workspace: string | null;
  project: string | null;
  run: string | null;
  label: string;
}

/** training.json: everything train.py and data.py read besides the data files. */
export interface TrainingSpec {
  source: PytorchSource;
  task: 'classification' | 'regression';
  target: string;
  labels: string[] | null;
  inputs: { name: string; shape: number[]; columns: number[] | null }[];
  heads: {
    node: string;
    offset: number;
    width: number;
    task: 'classification' | 'regression';
    loss: string;
    /** The metrics the run reported for this head (train.py logs accuracy or mae always, rmse and r2 when asked). */
    metrics: string[];
    /** Its weight in the total loss: Layerlab sums the heads' mean losses, so 1 (train.py reads it). */
    loss_weight: number;
    target_std: number | null;
  }[];
  images: { height: number; width: number; channels: number; augmentation: Record<string, number> | null } | null;
  rows: { train: number; val: number };
  config: ResolvedTrainConfig;
}

export const PYTORCH_FILES = {
  model: 'model.py',
  weights: 'weights.npz',
  train: 'train.py',
  data: 'data.py',
  spec: 'training.json',
  topology: 'keras_model.json',
  readme: 'README.md',
  requirements: 'requirements.txt',
} as const;

/** The run's settings with every default filled in, as train.py needs them. */
function resolvedConfig(raw: unknown, data: PreparedData): HeadsConfig {
  const parsed = RunTrainConfig.safeParse(raw);
  if (!parsed.success)
    throw new PytorchExportError(formatZodError(parsed.error, "The run's training settings cannot be read"));
  if (parsed.data.learningRate === 'auto')
    throw new PytorchExportError(
      'The run has no learning rate yet (the LR range test had not chosen one): train it in Layerlab first.',
    );
  try {
    // Several heads: each trains with its task's own loss, as the run did (app/engine/heads.ts).
    return resolveHeadsConfig(parsed.data, headsOf(data));
  } catch (error) {
    if (error instanceof TrainConfigError) throw new PytorchExportError(`The run's settings: ${error.message}`);
    throw error;
  }
}

/**
 * TF.js names a graph node's layer after its id (build-model.ts's layerNameFor: a leading
 * non-alphanumeric gets an "n", other odd characters become "_"); the Keras layer a node became.
 */
function layerNameOf(node: string): string {
  return (/^[A-Za-z0-9]/.test(node) ? node : `n${node}`).replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** The prepared entry (an Input's columns, a head's target) for each of the model's Keras inputs or outputs, in the model's order. */
export function inModelOrder<T extends { node: string }>(
  entries: readonly T[],
  layers: readonly string[],
  what: string,
): T[] {
  return layers.map((layer) => {
    const found = entries.find((e) => e.node === layer || layerNameOf(e.node) === layer);
    if (!found)
      throw new PytorchExportError(
        `The model's ${what} "${layer}" has no ${what === 'input' ? 'columns' : 'target'} in the run's prepared data (it lists ${entries.map((e) => `"${e.node}"`).join(', ')}). Train the run again so its data is prepared for this graph.`,
      );
    return found;
  });
}

export function trainingSpec(
  data: PreparedData,
  config: unknown,
  model: Pick<ModelSpec, 'inputs' | 'outputs' | 'layers'>,
  generated: Pick<GeneratedModel, 'inputNames' | 'outputNames'>,
  source: PytorchSource,
): TrainingSpec {
  const { config: resolved, metrics: metricsOf } = resolvedConfig(config, data);
  const pre = data.preprocessing;
  const inputShape = data.inputShape ?? [data.inputWidth];
  const keras = (layer: string) =>
    (model.layers.find((l) => l.name === layer)?.config['batch_input_shape'] as (number | null)[] | undefined)
      ?.slice(1)
      .map((d) => d ?? 1);
  // Several Inputs: each takes its columns of a prepared row, in the model's input order (forward()'s arguments).
  const inputs = data.inputs
    ? inModelOrder(data.inputs, model.inputs, 'input').map((input, i) => ({
        name: generated.inputNames[i] ?? input.node,
        shape: keras(model.inputs[i]!) ?? [input.indices.length],
        columns: input.indices,
      }))
    : [{ name: generated.inputNames[0] ?? 'input', shape: inputShape, columns: null }];
  const several = (data.heads?.length ?? 1) > 1;
  // Several heads: in the model's output order (forward() returns them so), each with the loss and metrics the run gave it.
  const heads = data.heads
    ? inModelOrder(data.heads, model.outputs, 'output').map((h) => ({
        node: several ? layerNameOf(h.node) : h.node,
        offset: h.offset,
        width: h.width,
        task: h.task,
        loss: several ? headFor(headKind(h).task, headKind(h).classes).loss : resolved.loss,
        metrics: metricsOf[data.heads!.indexOf(h)] ?? resolved.metrics,
        loss_weight: 1,
        target_std: h.scaling?.std ?? null,
      }))
    : [
        {
          node: generated.outputNames[0] ?? 'output',
          offset: 0,
          width: data.outputWidth,
          task: pre.task,
          loss: resolved.loss,
          metrics: resolved.metrics,
          loss_weight: 1,
          target_std: pre.targetScaling?.std ?? null,
        },
      ];
  const images = data.images
    ? {
        height: data.images.height,
        width: data.images.width,
        channels: data.images.channels,
        augmentation: { ...data.images.augmentation },
      }
    : null;
  return {
    source,
    task: pre.task,
    target: pre.target,
    labels: pre.labels ?? null,
    inputs,
    heads,
    images,
    rows: { train: data.trainRows, val: data.valRows },
    config: resolved,
  };
}

const HEADER = (name: string, source: string) => `"""${name} as a PyTorch module, generated by Layerlab from ${source}.

Every layer computes what it computes in Layerlab (Keras semantics) on channels-last tensors:
inputs are (batch, features), (batch, steps, features) or (batch, height, width, channels), with
preprocessing.json applied. weights.npz is the trained model's state dict:

    from model import load_model
    model = load_model("weights.npz")
    probabilities = model(torch.from_numpy(rows))
"""`;

export interface PytorchProjectInput {
  topology: KerasTopology;
  weights: readonly NamedWeight[];
  /** Each layer's input shapes, from the loaded model (see modelSpec). */
  shapes: LayerInputShapes;
  data: PreparedData;
  /** The run's training settings (run.json's trainConfig, config.json). */
  config: unknown;
  source: PytorchSource;
}

/** Every text and weight file of the project but the data folder and preprocessing.json (the writer copies those). */
export function pytorchProject(input: PytorchProjectInput): {
  files: Map<string, string | Uint8Array>;
  generated: GeneratedModel;
  spec: TrainingSpec;
} {
  const model = modelSpec(input.topology, input.weights, input.shapes);
  const generated = generateModelPy(model, HEADER(model.name, input.source.label));
  const spec = trainingSpec(input.data, input.config, model, generated, input.source);
  const files = new Map<string, string | Uint8Array>([
    [PYTORCH_FILES.model, generated.source],
    [PYTORCH_FILES.weights, npzBytes(generated.stateDict)],
    [PYTORCH_FILES.train, TRAIN_PY],
    [PYTORCH_FILES.data, DATA_PY],
    [PYTORCH_FILES.spec, `${JSON.stringify(spec, null, 2)}\n`],
    [PYTORCH_FILES.topology, JSON.stringify(input.topology)],
    [PYTORCH_FILES.readme, readme(model.name, spec)],
    [PYTORCH_FILES.requirements, 'torch>=1.13\nnumpy>=1.21\n'],
  ]);
  return { files, generated, spec };
}

function readme(name: string, spec: TrainingSpec): string {
  const c = spec.config;
  const kind = spec.images ? `${spec.images.width}×${spec.images.height}×${spec.images.channels} images` : 'table rows';
  // Several Inputs or heads: what forward() takes and returns, and each head's own loss.
  const several = spec.inputs.length > 1 || spec.heads.length > 1;
  const loss =
    spec.heads.length > 1 ? `the sum of ${spec.heads.map((h) => `${h.node}'s ${h.loss}`).join(' and ')}` : c.loss;
  const signature = several
    ? ` (\`forward(${spec.inputs.map((i) => i.name).join(', ')})\` returns ${spec.heads.length > 1 ? `(${spec.heads.map((h) => h.node).join(', ')})` : 'one tensor'}; \`training.json\` lists each input's columns of a prepared row)`
    : '';
  return `# ${name}: training with PyTorch (DDP, torchrun)

Written by Layerlab from ${spec.source.label}. Plain PyTorch: no Layerlab needed to run it.

| file | what it is |
|---|---|
| \`model.py\` | the drawn graph as a \`torch.nn.Module\` (Keras semantics, channels-last tensors)${signature} and \`load_model()\` |
| \`weights.npz\` | the model's weights as Layerlab trained them (a state dict; \`train.py --warm-start\` starts from them) |
| \`data.py\` | the run's prepared splits (\`data/*.npy\`, ${spec.rows.train} training and ${spec.rows.val} validation ${kind}) as datasets, sharded per process with \`DistributedSampler\` |
| \`train.py\` | the run's training: ${loss}, ${c.optimizer} at ${c.learningRate}, batch ${c.batchSize}, ${c.epochs} epochs${c.lrSchedule.type !== 'none' ? `, ${c.lrSchedule.type} schedule` : ''}${c.warmupEpochs ? `, ${c.warmupEpochs} warm-up epochs` : ''}${c.earlyStopping ? `, early stopping on ${c.earlyStopping.monitor} (patience ${c.earlyStopping.patience})` : ''}, seed ${c.seed} |
| \`training.json\` | those settings, the inputs and heads; \`keras_model.json\` is the Keras topology the result is written back with |
| \`preprocessing.json\` | how raw rows become model inputs (already applied to \`data/\`) |

\`\`\`sh
python -m pip install -r requirements.txt    # torch and numpy
python train.py                              # one process: CPU, or the first GPU
\`\`\`

## One machine, several GPUs

\`\`\`sh
torchrun --standalone --nproc_per_node=4 train.py --out result    # four GPUs
\`\`\`

 On CPUs \`torchrun --standalone --nproc_per_node=2 train.py\` runs two
processes with the gloo backend; on GPUs the backend is NCCL and mixed precision (AMP, float16 with
a gradient scaler) is on (\`--no-amp\` turns it off).
Debian's \`python3-torch\` 1.13 under Python 3.12 needs \`--redirects 1 --tee 1\` after \`torchrun\`
(or \`python3 -m torch.distributed.run\`): its launcher cannot read the default \`0\` there.
Before torch 2, every \`--standalone\` job on a machine meets on port 29400, so a second job at the
same time fails with "Address already in use": give each one its own port instead, with
\`--nnodes=1 --rdzv_backend=c10d --rdzv_endpoint=localhost:PORT\` in place of \`--standalone\`.

The run's batch size (${c.batchSize}) is the whole job's: each of N processes takes ${c.batchSize}/N rows a
step, so the learning rate and schedule stay the run's. \`--batch-size\`, \`--lr\`, \`--epochs\` and
\`--seed\` override them.

## Several machines

Run the same command on every node, with a rendezvous point every node can reach:

\`\`\`sh
torchrun --nnodes=2 --nproc_per_node=8 \\
  --rdzv_backend=c10d --rdzv_endpoint=node0.example.org:29400 --rdzv_id=${name.replace(/[^A-Za-z0-9_-]/g, '_')} \\
  train.py --out result
\`\`\`

Copy this folder (with \`data/\`) to each node or put it on shared storage.

## SLURM

\`\`\`sh
#!/bin/bash
#SBATCH --job-name=${name.replace(/[^A-Za-z0-9_-]/g, '_')}
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --time=04:00:00

head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
srun torchrun --nnodes="$SLURM_NNODES" --nproc_per_node=4 \\
  --rdzv_backend=c10d --rdzv_endpoint="$head:29400" --rdzv_id="$SLURM_JOB_ID" \\
  train.py --out result --checkpoint "checkpoint-$SLURM_JOB_ID.pt"
\`\`\`

## Checkpoints and resuming

Rank 0 writes \`--checkpoint\` (default \`checkpoint.pt\`) after every epoch: model, optimizer,
gradient scaler, schedule, early-stopping state and the epochs so far. After a failure,
\`torchrun … train.py --resume\` continues after the last finished epoch.

## Back into Layerlab

When training ends, rank 0 writes \`--out\` as a Layerlab run folder: \`model.json\` + \`weights.bin\`
(TensorFlow.js Layers, the layout Layerlab reads), \`metrics.json\` (every epoch's loss and metrics,
the same schema as \`layerlab train --out\`), \`config.json\`, \`preprocessing.json\` and \`training.json\`.

\`\`\`sh
layerlab runs import result        # or, in the app: Runs ▸ Open a run trained elsewhere
\`\`\`

The run appears in its project beside the one it was exported from, with its curves, diagnosis,
evaluation, playground and every export format.

## Where PyTorch and Layerlab differ

- Random draws differ (PyTorch's generators, not Layerlab's): the same seed gives a reproducible
  PyTorch run, not the Layerlab run's numbers. Weights start as Keras draws them (its initializers).
- Recurrent layers' input dropout draws a mask per step; Keras keeps one mask for the sequence.
  Recurrent dropout (between steps) is not applied.
- Image augmentation has the run's kinds and strengths, drawn with PyTorch's random numbers.
- BatchNormalization normalizes each process's share of the batch with that share's statistics,
  as Keras does on each replica under data parallelism.
`;
}
