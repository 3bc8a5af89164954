import { z } from 'zod';

/**
 * The model graph as stored in project.json and sent over IPC.
 * Nodes are Keras-style layers (Keras class names and config keys); edges carry tensors.
 * `version` lets later schemas migrate older projects (see migrateGraph).
 */
export const GRAPH_SCHEMA_VERSION = 1 as const;

export const ACTIVATIONS = ['linear', 'relu', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'softplus', 'swish'] as const;
export const Activation = z.enum(ACTIVATIONS);
export type Activation = z.infer<typeof Activation>;

const positiveInt = (field: string) =>
  z.number({ error: `${field} must be a number` }).int(`${field} must be a whole number`).min(1, `${field} must be at least 1`).max(1_000_000, `${field} must be at most 1,000,000`);

export const InputConfig = z.object({
  shape: z.array(positiveInt('shape')).min(1, 'shape needs at least one dimension').max(4),
});
export const DenseConfig = z.object({
  units: positiveInt('units'),
  activation: Activation,
  use_bias: z.boolean().default(true),
});
export const DropoutConfig = z.object({
  rate: z.number({ error: 'rate must be a number' }).min(0, 'rate must be at least 0').lt(1, 'rate must be below 1'),
});
/** The output head: a Dense layer whose units and activation follow the task (see headFor). */
export const OutputConfig = z.object({
  units: positiveInt('units'),
  activation: Activation,
});

const position = z.object({ x: z.number().finite(), y: z.number().finite() });
const nodeId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'node ids are letters, digits, - and _');
const base = { id: nodeId, position, name: z.string().max(100).optional() };

export const GraphNode = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('Input'), config: InputConfig }),
  z.object({ ...base, type: z.literal('Dense'), config: DenseConfig }),
  z.object({ ...base, type: z.literal('Dropout'), config: DropoutConfig }),
  z.object({ ...base, type: z.literal('Output'), config: OutputConfig }),
]);
export type GraphNode = z.infer<typeof GraphNode>;
export type LayerType = GraphNode['type'];
export const LAYER_TYPES = ['Input', 'Dense', 'Dropout', 'Output'] as const satisfies readonly LayerType[];

export const GraphEdge = z.object({
  id: z.string().min(1).max(160),
  source: nodeId,
  target: nodeId,
});
export type GraphEdge = z.infer<typeof GraphEdge>;

export const ModelGraph = z.object({
  version: z.literal(GRAPH_SCHEMA_VERSION),
  nodes: z.array(GraphNode).max(2000),
  edges: z.array(GraphEdge).max(4000),
});
export type ModelGraph = z.infer<typeof ModelGraph>;

export type NodeOf<T extends LayerType> = Extract<GraphNode, { type: T }>;

/** Per-type config schemas: the editor may hold a half-typed value, analyzeGraph reports it on the node. */
export const CONFIG_SCHEMAS: { [T in LayerType]: z.ZodType<NodeOf<T>['config']> } = {
  Input: InputConfig,
  Dense: DenseConfig,
  Dropout: DropoutConfig,
  Output: OutputConfig,
};
