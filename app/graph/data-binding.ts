import { choiceOf, featureColumns, planColumn, type PlannedFeature } from '../dataset/column-plan';
import type { DatasetMeta, Task, TaskSpec } from '../dataset/schema';
import { suggestTask } from '../dataset/task';
import { UserError } from '../ipc/errors';
import { headFor } from '../training/config';
import { analyzeGraph, type GraphAnalysis, type GraphIssue } from './analyze';
import type { GraphNode, ModelGraph } from './schema';

/** One Input node and the columns it takes, in file order, with their encoded width. */
export interface BoundInput {
  node: string;
  columns: string[];
  width: number;
}

/** One Output node, the column it predicts and the head that column needs. */
export interface BoundHead {
  node: string;
  target: string;
  task: Task;
  /** Class labels in output order (classification only). */
  labels: string[] | null;
  head: ReturnType<typeof headFor>;
}

/**
 * How a table's columns feed a graph with several Inputs or heads: the editor sizes each node
 * from it and main/data encodes the data with it, so both agree by construction. `features`
 * is every column any Input takes, in file order: the columns of the one x matrix.
 */
export interface GraphBinding {
  inputs: BoundInput[];
  heads: BoundHead[];
  features: PlannedFeature[];
  /** Problems naming the node and the column; the binding is unusable unless this is empty. */
  issues: GraphIssue[];
}

const label = (node: GraphNode) => `${node.type} "${node.name ?? node.id}"`;

/**
 * Whether a graph needs a binding: several Inputs or heads, or a column choice on one. A graph
 * with one Input and one Output and no choices is trained as always (every feature → the target).
 */
export function usesColumnBinding(graph: ModelGraph): boolean {
  const inputs = graph.nodes.filter((n) => n.type === 'Input');
  const outputs = graph.nodes.filter((n) => n.type === 'Output');
  return (
    inputs.length > 1 ||
    outputs.length > 1 ||
    inputs.some((n) => n.type === 'Input' && n.config.columns !== undefined) ||
    outputs.some((n) => n.type === 'Output' && n.config.target !== undefined)
  );
}

/**
 * Which columns each Input takes and which column each Output predicts, for a table dataset.
 * An Input without `columns` takes every feature column no other Input takes; an Output without
 * `target` predicts the task's target. A head's task is the task's own for the task's target,
 * and what the column suggests (text or few whole numbers: classes) for any other.
 * Never throws for a user's choice: every problem is an issue naming the node and column.
 */
export function bindGraphToData(graph: ModelGraph, meta: DatasetMeta, spec: TaskSpec): GraphBinding {
  const issues: GraphIssue[] = [];
  const problem = (node: GraphNode, message: string) =>
    issues.push({ nodeId: node.id, message: `${label(node)}: ${message}` });
  const profileOf = new Map(meta.columns.map((c) => [c.name, c]));
  const fileOrder = new Map(meta.columns.map((c, i) => [c.name, i]));
  const inputNodes = graph.nodes.filter((n): n is Extract<GraphNode, { type: 'Input' }> => n.type === 'Input');
  const outputNodes = graph.nodes.filter((n): n is Extract<GraphNode, { type: 'Output' }> => n.type === 'Output');

  const heads: BoundHead[] = [];
  const predictedBy = new Map<string, GraphNode>();
  for (const node of outputNodes) {
    const target = node.config.target ?? spec.target;
    const profile = profileOf.get(target);
    if (!profile) {
      problem(node, `its target column "${target}" is not in ${meta.sourceFile}.`);
      continue;
    }
    const other = predictedBy.get(target);
    if (other) {
      problem(
        node,
        `it predicts "${target}", which ${label(other)} already predicts; give each head its own target column.`,
      );
      continue;
    }
    predictedBy.set(target, node);
    const task = target === spec.target ? spec.task : suggestTask(profile);
    if (task === 'regression') {
      if (profile.kind !== 'numeric') {
        problem(node, `its target "${target}" holds text, so it cannot be predicted as a number.`);
        continue;
      }
      heads.push({ node: node.id, target, task, labels: null, head: headFor('regression', 1) });
      continue;
    }
    const labels = profile.categories ?? null;
    if (!labels || labels.length < 2) {
      problem(
        node,
        labels
          ? `its target "${target}" has a single class ("${labels[0] ?? ''}"); a classifier needs at least two.`
          : `its target "${target}" has ${profile.unique} distinct values, too many to be classes (at most 50).`,
      );
      continue;
    }
    heads.push({ node: node.id, target, task, labels, head: headFor('classification', labels.length) });
  }

  // The columns an Input may take by default: the task's features, less every head's target.
  const available = featureColumns(meta, spec)
    .filter((c) => !predictedBy.has(c.name))
    .map((c) => c.name);
  const claimedBy = new Map<string, GraphNode>();
  for (const node of inputNodes) {
    for (const name of new Set(node.config.columns ?? [])) {
      if (!profileOf.has(name)) problem(node, `the column "${name}" is not in ${meta.sourceFile}.`);
      else if (predictedBy.has(name))
        problem(
          node,
          `the column "${name}" is the target of ${label(predictedBy.get(name)!)}; a model cannot take what it predicts as an input.`,
        );
      else if (claimedBy.has(name))
        problem(
          node,
          `the column "${name}" already feeds ${label(claimedBy.get(name)!)}; each column feeds one Input.`,
        );
      else claimedBy.set(name, node);
    }
  }
  const rest = available.filter((name) => !claimedBy.has(name));
  const implicit = inputNodes.filter((n) => n.config.columns === undefined);
  for (const node of implicit.slice(1))
    problem(
      node,
      `no columns are chosen for it, nor for ${label(implicit[0]!)}; choose the columns of each Input but one.`,
    );

  const planned = new Map<string, PlannedFeature>();
  const inputs: BoundInput[] = [];
  for (const node of inputNodes) {
    const wanted =
      node.config.columns === undefined
        ? node === implicit[0]
          ? rest
          : []
        : node.config.columns.filter((name) => claimedBy.get(name) === node);
    const columns = [...new Set(wanted)].sort((a, b) => fileOrder.get(a)! - fileOrder.get(b)!);
    if (columns.length === 0) {
      if (node.config.columns === undefined && node === implicit[0])
        problem(node, 'it takes every column no other Input takes, but none is left; choose its columns or delete it.');
      continue;
    }
    let width = 0;
    for (const name of columns) {
      try {
        const plan = planColumn(meta, profileOf.get(name)!, choiceOf(spec, name));
        planned.set(name, plan);
        width += plan.width;
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        problem(node, error.message);
      }
    }
    inputs.push({ node: node.id, columns, width });
  }
  const features = [...planned.values()].sort(
    (a, b) => fileOrder.get(a.profile.name)! - fileOrder.get(b.profile.name)!,
  );
  return { inputs, heads, features, issues };
}

/**
 * Problems between a bound graph and its nodes' sizes: an Input whose shape does not hold its
 * columns' encoded width, an Output whose units or activation do not fit its target. The editor
 * fixes them by fitting the graph (fitGraphToBinding); a hand-written graph is told what to set.
 */
export function bindingSizeIssues(graph: ModelGraph, binding: GraphBinding): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const input of binding.inputs) {
    const node = byId.get(input.node);
    if (node?.type !== 'Input') continue;
    const values = node.config.shape.reduce((a, b) => a * b, 1);
    if (values !== input.width)
      issues.push({
        nodeId: node.id,
        message: `${label(node)}: its shape (${node.config.shape.join(', ')}) holds ${values} values, but its columns (${input.columns.join(', ')}) encode to ${input.width}. Set its shape to (${input.width}).`,
      });
  }
  for (const head of binding.heads) {
    const node = byId.get(head.node);
    if (node?.type !== 'Output') continue;
    if (node.config.units !== head.head.units || node.config.activation !== head.head.activation) {
      issues.push({
        nodeId: node.id,
        message: `${label(node)}: it has ${node.config.units} units (${node.config.activation}), but predicting "${head.target}" (${head.task}${head.labels ? `, ${head.labels.length} classes` : ''}) needs ${head.head.units} (${head.head.activation}).`,
      });
    }
  }
  return issues;
}

/** Each Input sized to its columns and each Output to its target: what the editor does when the data or a choice changes. */
export function fitGraphToBinding(graph: ModelGraph, binding: GraphBinding): ModelGraph {
  const widths = new Map(binding.inputs.map((i) => [i.node, i.width]));
  const heads = new Map(binding.heads.map((h) => [h.node, h.head]));
  return {
    ...graph,
    nodes: graph.nodes.map((n): GraphNode => {
      const width = widths.get(n.id);
      if (n.type === 'Input' && width !== undefined && width > 0)
        return { ...n, config: { ...n.config, shape: [width] } };
      const head = heads.get(n.id);
      if (n.type === 'Output' && head)
        return { ...n, config: { ...n.config, units: head.units, activation: head.activation } };
      return n;
    }),
  };
}

/**
 * analyzeGraph, plus (for a graph that needs a binding) every problem between its Inputs and
 * Outputs and the table's columns, on the node it concerns: what the editor shows and what keeps
 * Train disabled. A graph analyzeGraph already rejects is returned as it is.
 */
export function analyzeGraphWithData(
  graph: ModelGraph,
  table: { meta: DatasetMeta; spec: TaskSpec } | null,
): GraphAnalysis {
  const analysis = analyzeGraph(graph);
  if (!table || !usesColumnBinding(graph)) return analysis;
  const binding = bindGraphToData(graph, table.meta, table.spec);
  const extra = [...binding.issues, ...bindingSizeIssues(graph, binding)];
  if (extra.length === 0) return analysis;
  const nodes = { ...analysis.nodes };
  for (const issue of extra) {
    const info = issue.nodeId ? nodes[issue.nodeId] : undefined;
    // The node's own list holds the message without the "Input "x": " its panel already shows.
    if (info && issue.nodeId)
      nodes[issue.nodeId] = { ...info, errors: [...info.errors, issue.message.replace(/^\w+ "[^"]*": /, '')] };
  }
  return { ...analysis, ok: false, nodes, issues: [...analysis.issues, ...extra] };
}
