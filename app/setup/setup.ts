import { imageTaskShape } from '../dataset/image-task';
import type { ImageDatasetMeta } from '../dataset/images';
import type { DatasetMeta, Task, TaskSpec } from '../dataset/schema';
import { suggestTask, taskShape, type TaskShape } from '../dataset/task';
import { analyzeGraph } from '../graph/analyze';
import {
  bindGraphToData,
  bindingSizeIssues,
  fitGraphToBinding,
  usesColumnBinding,
  type GraphBinding,
} from '../graph/data-binding';
import { resolveHeadsConfig } from '../engine/heads';
import type { ModelGraph } from '../graph/schema';
import { defaultTemplate, fitGraphToData, templateGraph, type TemplateName } from '../graph/templates';
import { UserError } from '../ipc/errors';
import { withAutoEarlyStopping, withPlaceholderSizes, type DataKind } from '../training/auto-settings';
import { resolveTrainConfig, TrainConfigError, type RunTrainConfig, type TrainConfig } from '../training/config';

/**
 * One training setup, the same for the workbench, the CLI (`layerlab train`) and the run manager:
 * dataset + task + graph or template + settings → the graph sized to the data, the settings
 * checked for this task, and every problem as an issue naming its field. Pure: no files, no engine.
 */

/** The imported data: a table's profile or an image folder's classes and size. */
export type SetupData = { kind: 'table'; meta: DatasetMeta } | { kind: 'images'; meta: ImageDatasetMeta };

/**
 * The model: a template by name (the one made for this data's shape when none is named), or a
 * user's graph, either resized to the data (`fit: 'resize'`: the CLI, the editor) or taken as it
 * is and checked (`fit: 'check'`: what the run manager trains must be exactly what was sent).
 */
export type SetupModel = { template?: TemplateName } | { graph: ModelGraph; fit: 'resize' | 'check' };

export interface SetupInput {
  data: SetupData;
  taskSpec: TaskSpec;
  model: SetupModel;
  /** The settings; null while they are not valid on their own (the editor's form names those fields itself): not checked. */
  trainConfig: TrainConfig | null;
}

export interface SetupIssue {
  /** Where the problem is: the task (target, windows), the model graph, or a training setting. */
  field: 'task' | 'graph' | 'trainConfig';
  /**
   * Within it. trainConfig: the setting's path ('batchSize', 'earlyStopping.patience'). graph:
   * 'invalid' (the graph itself), 'binding' (its Inputs' columns or heads' targets against the
   * data; the message names the node), 'shape' (a single Input/Output of the wrong size),
   * 'template' (a template that cannot take this data), 'kind' (a graph this data kind cannot train).
   */
  path: string;
  message: string;
}

export interface Setup {
  dataKind: DataKind;
  /** The model's input and output for this data and task; null when the task itself is wrong. */
  shape: TaskShape | null;
  /** A graph with several Inputs or heads (or columns chosen on them), bound to the table's columns. */
  binding: GraphBinding | null;
  /**
   * The graph to train: the template, or the user's graph (resized when asked); null when none could be made.
   * A single-Input graph asked to be resized is resized even when it is not valid (beside the issue saying
   * why), so that the editor's graph keeps following the data while the user fixes it.
   */
  graph: ModelGraph | null;
  /** The settings as checked, 'auto' sizes stood in for (they are chosen once the training rows are known). */
  trainConfig: RunTrainConfig | null;
  /** Every problem found, task first, then graph, then settings; the setup is usable when empty. */
  issues: SetupIssue[];
}

/** The words a caller shows for an issue when it has none of its own (the run manager's). */
export function setupIssueText(issue: SetupIssue): string {
  if (issue.field === 'trainConfig') return `Training settings: ${issue.message}`;
  if (issue.field === 'graph' && issue.path === 'binding') return `The model does not fit the data: ${issue.message}`;
  return issue.message;
}

/**
 * A table's task from its target column: the task asked for, else a forecast (regression) for
 * windows, else what the column suggests. An issue when the column is not in the table.
 */
export function taskSpecFor(
  meta: DatasetMeta,
  choice: { target: string; task?: Task; timeSeries?: TaskSpec['timeSeries']; split?: TaskSpec['split'] },
): { spec: TaskSpec } | { issue: SetupIssue } {
  const column = meta.columns.find((c) => c.name === choice.target);
  if (!column)
    return {
      issue: {
        field: 'task',
        path: 'target',
        message: `${meta.sourceFile} has no column "${choice.target}". Columns: ${meta.columns.map((c) => c.name).join(', ')}.`,
      },
    };
  return {
    spec: {
      target: column.name,
      task: choice.task ?? (choice.timeSeries ? 'regression' : suggestTask(column)),
      ...(choice.timeSeries ? { timeSeries: choice.timeSeries } : {}),
      ...(choice.split ? { split: choice.split } : {}),
    },
  };
}

/** The single Input and Output of a graph trained without a binding must match the data. */
function shapeIssues(graph: ModelGraph, shape: TaskShape): SetupIssue[] {
  const analysis = analyzeGraph(graph);
  if (analysis.inputs.length !== 1 || analysis.outputs.length !== 1)
    return [
      {
        field: 'graph',
        path: 'shape',
        message: `A model trained on a table needs exactly one Input and one Output node; this graph has ${analysis.inputs.length} and ${analysis.outputs.length}.`,
      },
    ];
  const issues: SetupIssue[] = [];
  const input = graph.nodes.find((n) => n.type === 'Input');
  const output = graph.nodes.find((n) => n.type === 'Output');
  // Any Input shape holding one row's values works (e.g. (28, 28, 1) for 784 pixels): the engine reshapes each row.
  if (input?.type === 'Input' && input.config.shape.reduce((a, b) => a * b, 1) !== shape.inputWidth)
    issues.push({
      field: 'graph',
      path: 'shape',
      message: `The Input node expects shape (${input.config.shape.join(', ')}) but the dataset gives ${shape.inputWidth} features per row. Re-select the target or apply a template to resize it.`,
    });
  if (
    output?.type === 'Output' &&
    (output.config.units !== shape.head.units || output.config.activation !== shape.head.activation)
  )
    issues.push({
      field: 'graph',
      path: 'shape',
      message: `The Output node has ${output.config.units} units (${output.config.activation}) but this task needs ${shape.head.units} (${shape.head.activation}).`,
    });
  return issues;
}

/**
 * A run's settings resolved for its task: each head's own loss with several heads (the run records
 * no single one), else the task's defaults filled in. Throws TrainConfigError naming the field.
 */
export function resolveRunConfig(
  config: TrainConfig & { epochs: number; batchSize: number },
  setup: Pick<Setup, 'binding' | 'shape'> & { taskSpec: TaskSpec },
): RunTrainConfig {
  const { binding, shape, taskSpec } = setup;
  if (binding && binding.heads.length > 1) {
    const { loss: _perHead, ...resolved } = resolveHeadsConfig(
      config,
      binding.heads.map((h) => ({ node: h.node, target: h.target, task: h.task, width: h.head.units })),
    ).config;
    return resolved;
  }
  return resolveTrainConfig(config, {
    task: binding?.heads[0]?.task ?? taskSpec.task,
    classes: binding
      ? (binding.heads[0]?.labels?.length ?? 1)
      : taskSpec.task === 'regression'
        ? 1
        : (shape?.labels?.length ?? 2),
  });
}

/** Resolve one training setup; never throws for a user's choice (every problem is an issue). */
export function resolveSetup(input: SetupInput): Setup {
  const { data, taskSpec, model } = input;
  const images = data.kind === 'images';
  const dataKind: DataKind = images ? 'images' : taskSpec.timeSeries ? 'windows' : 'table';
  const issues: SetupIssue[] = [];
  const result = (rest: Partial<Setup>): Setup => ({
    dataKind,
    shape: null,
    binding: null,
    graph: null,
    trainConfig: null,
    issues,
    ...rest,
  });

  // --- the task: what the model reads and predicts.
  if (images && taskSpec.task !== 'classification') {
    issues.push({
      field: 'task',
      path: 'task',
      message: `An image dataset is classified by its class folders; ${taskSpec.task} does not apply to it.`,
    });
    return result({});
  }
  let shape: TaskShape;
  try {
    shape = images ? imageTaskShape(data.meta) : taskShape(data.meta, taskSpec);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    issues.push({ field: 'task', path: taskSpec.timeSeries ? 'timeSeries' : 'target', message: error.message });
    return result({});
  }

  // --- the graph: a template, or the user's, bound to the table's columns when it names them.
  const inputShape = shape.inputShape ?? shape.inputWidth;
  let graph: ModelGraph | null = null;
  let binding: GraphBinding | null = null;
  if ('graph' in model) {
    const analysis = analyzeGraph(model.graph);
    if (!analysis.ok) {
      issues.push({
        field: 'graph',
        path: 'invalid',
        message: `The model graph is not valid: ${analysis.issues[0]?.message ?? 'unknown problem'}`,
      });
      if (model.fit === 'resize' && !usesColumnBinding(model.graph))
        graph = fitGraphToData(model.graph, inputShape, shape.head);
    } else if (usesColumnBinding(model.graph)) {
      if (data.kind !== 'table' || taskSpec.timeSeries) {
        issues.push({
          field: 'graph',
          path: 'kind',
          message: `This graph has ${analysis.inputs.length} Input(s) and ${analysis.outputs.length} Output(s) or columns chosen on them; that works with table datasets only so far, not ${images ? 'image folders' : 'time-series windows'}.`,
        });
      } else {
        binding = bindGraphToData(model.graph, data.meta, taskSpec);
        if (binding.issues.length > 0) {
          for (const issue of binding.issues) issues.push({ field: 'graph', path: 'binding', message: issue.message });
        } else {
          graph = model.fit === 'resize' ? fitGraphToBinding(model.graph, binding) : model.graph;
          for (const issue of bindingSizeIssues(graph, binding))
            issues.push({ field: 'graph', path: 'binding', message: issue.message });
        }
      }
    } else {
      graph = model.fit === 'resize' ? fitGraphToData(model.graph, inputShape, shape.head) : model.graph;
      issues.push(...shapeIssues(graph, shape));
    }
  } else {
    // Without a template named, the one made for this kind of data (a table: mlp; images: cnn; windows: lstm).
    try {
      graph = templateGraph(model.template ?? defaultTemplate(inputShape), inputShape, shape.head);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      issues.push({ field: 'graph', path: 'template', message: error.message });
    }
  }

  // --- the settings: 'auto' sizes get stand-ins (chosen from the training rows when the run starts),
  // so that impossible ones (sparse cross-entropy on a regression...) are refused before any work.
  const usableBinding = binding && binding.issues.length === 0 ? binding : null;
  let trainConfig: RunTrainConfig | null = null;
  if (input.trainConfig && (!binding || usableBinding)) {
    try {
      trainConfig = resolveRunConfig(withPlaceholderSizes(withAutoEarlyStopping(input.trainConfig, dataKind)), {
        binding: usableBinding,
        shape,
        taskSpec,
      });
    } catch (error) {
      if (!(error instanceof TrainConfigError)) throw error;
      issues.push({ field: 'trainConfig', path: error.field, message: error.message });
    }
  }
  return result({ shape, binding, graph, trainConfig });
}

/** Throws the first issue as a UserError (in setupIssueText's words); the setup otherwise. */
export function requireSetup(setup: Setup): Setup & { shape: TaskShape; graph: ModelGraph } {
  const first = setup.issues[0];
  if (first) throw new UserError(setupIssueText(first));
  return setup as Setup & { shape: TaskShape; graph: ModelGraph };
}
