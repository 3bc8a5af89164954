import type { PreparedData, PreparedHead } from '../../../app/engine/protocol';
import { headKind, headPrefix, headsOf } from '../../../app/engine/heads';
import { formatSampleShape, sampleShape, type ModelGraph } from '../../../app/graph';
import { headFor, type MetricName, type ResolvedTrainConfig } from '../../../app/training/config';
import type { BuiltModel } from './build-model';
import { objectiveFor, type Objective } from './objective';

/** An error whose message is already meant for the user (a graph that does not fit its data). */
export class ModelFitError extends Error {}

/** One Output head as the training loop scores it. */
export interface TrainedHead extends PreparedHead {
  objective: Objective;
  metrics: MetricName[];
  /** Prefix of its keys in epoch logs ('' for a single head). */
  prefix: string;
  /** Its columns of y (several heads only): y is split per head for the metrics. */
  columns: number[] | null;
}

export interface ModelFit {
  /** Per model input (the graph's Input order): its per-sample shape. */
  inputShapes: number[][];
  /** Several Inputs: for each model input, the index of its values among a batch's `inputs`. Null: x feeds the one Input. */
  inputOrder: number[] | null;
  /** In the model's output order. */
  heads: TrainedHead[];
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * The model's Inputs and Outputs checked against the prepared data: each Input's shape holds the
 * values of its columns, each Output gives its head's width with the activation its task needs.
 */
export function fitModelToData(
  built: BuiltModel,
  data: PreparedData,
  graph: ModelGraph,
  config: Pick<ResolvedTrainConfig, 'loss'>,
  metrics: readonly MetricName[][],
): ModelFit {
  const { analysis } = built;
  const nodeOf = (id: string | undefined) => graph.nodes.find((n) => n.id === id);
  const layout = data.inputs !== undefined || data.heads !== undefined;
  if (layout && (!data.inputs || !data.heads))
    throw new ModelFitError(
      `The prepared data in ${data.dir} lists its ${data.inputs ? 'Inputs' : 'heads'} but not its ${data.inputs ? 'heads' : 'Inputs'}. Prepare the dataset again.`,
    );
  if (!layout && (analysis.inputs.length !== 1 || analysis.outputs.length !== 1)) {
    throw new ModelFitError(
      `This graph has ${analysis.inputs.length} Input(s) and ${analysis.outputs.length} Output(s), but its data was prepared for one of each. Train it again so the data is prepared for its Inputs and heads.`,
    );
  }

  const inputShapes: number[][] = [];
  const inputOrder: number[] = [];
  for (const id of analysis.inputs) {
    const node = nodeOf(id);
    if (node?.type !== 'Input') throw new ModelFitError('The graph has no usable Input node.');
    const shape = [...node.config.shape];
    const at = data.inputs ? data.inputs.findIndex((i) => i.node === id) : 0;
    if (at < 0)
      throw new ModelFitError(
        `The Input "${id}" has no columns in the prepared data (it lists ${data.inputs!.map((i) => `"${i.node}"`).join(', ')}). Train again so the data is prepared for this graph.`,
      );
    const width = data.inputs ? data.inputs[at]!.indices.length : data.inputWidth;
    if (product(shape) !== width) {
      const fix = data.inputs ? `(${width})` : `(${(data.inputShape ?? [data.inputWidth]).join(', ')})`;
      throw new ModelFitError(
        `The Input "${id}" takes ${formatSampleShape(sampleShape(shape))} per sample, but the data has ${width} input values per row for it. Set the Input's shape to ${fix}.`,
      );
    }
    inputShapes.push(shape);
    inputOrder.push(at);
  }

  const prepared = headsOf(data);
  const heads: TrainedHead[] = [];
  for (const id of analysis.outputs) {
    const node = nodeOf(id);
    if (node?.type !== 'Output') throw new ModelFitError('The graph has no usable Output node.');
    const index = data.heads ? data.heads.findIndex((h) => h.node === id) : 0;
    const head = prepared[index];
    if (!head)
      throw new ModelFitError(
        `The Output "${id}" has no target in the prepared data (it lists ${prepared.map((h) => `"${h.node}"`).join(', ')}). Train again so the data is prepared for this graph.`,
      );
    const outShape = analysis.nodes[id]?.outputShape;
    if (!outShape || outShape.length !== 1 || outShape[0] !== head.width) {
      throw new ModelFitError(
        `The Output "${id}" gives ${outShape ? formatSampleShape(outShape) : 'an unknown shape'} per sample, but the data has ${head.width} target value(s) per row${data.heads ? ` for "${head.target}"` : ''}. Set its units to ${head.width}${outShape && outShape.length > 1 ? ' and give the Input a flat shape' : ''}.`,
      );
    }
    // Several heads: each trains with its task's own loss; one head with the run's (maybe chosen) loss.
    const objective = objectiveFor(
      { task: head.task, ...(head.scaling ? { targetScaling: head.scaling } : {}) },
      head.width,
      data.heads && prepared.length > 1 ? { loss: defaultLoss(head) } : config,
    );
    // Class probabilities need the head's activation whatever the loss; regression accepts any.
    if (head.task === 'classification' && node.config.activation !== objective.head.activation) {
      throw new ModelFitError(
        `The Output "${id}" uses the ${node.config.activation} activation, but ${data.heads ? `predicting "${head.target}"` : 'this task'} needs ${objective.head.activation} (loss ${objective.loss}). Set its activation to ${objective.head.activation}.`,
      );
    }
    const several = prepared.length > 1;
    heads.push({
      ...head,
      objective,
      metrics: [...(metrics[index] ?? [])],
      prefix: headPrefix(head, prepared.length),
      columns: several ? Array.from({ length: head.width }, (_, k) => head.offset + k) : null,
    });
  }
  return { inputShapes, inputOrder: data.inputs ? inputOrder : null, heads };
}

function defaultLoss(head: PreparedHead): ResolvedTrainConfig['loss'] {
  const kind = headKind(head);
  return headFor(kind.task, kind.classes).loss;
}
