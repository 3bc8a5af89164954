import { z } from 'zod';
import {
  Conv1DConfig,
  Conv2DConfig,
  Conv2DTransposeConfig,
  DepthwiseConv2DConfig,
  SeparableConv2DConfig,
} from './layers/convolution';
import { ActivationConfig, DenseConfig, DropoutConfig, InputConfig, OutputConfig } from './layers/core';
import { EmbeddingConfig } from './layers/embedding';
import { ConcatenateConfig, MergeConfig } from './layers/merge';
import { BatchNormalizationConfig, LayerNormalizationConfig } from './layers/normalization';
import { GlobalPoolingConfig, Pooling1DConfig, Pooling2DConfig } from './layers/pooling';
import { GatedRNNConfig, SimpleRNNConfig } from './layers/recurrent';
import {
  Cropping2DConfig,
  FlattenConfig,
  PermuteConfig,
  RepeatVectorConfig,
  ReshapeConfig,
  UpSampling2DConfig,
  ZeroPadding2DConfig,
} from './layers/reshaping';
import { BidirectionalConfig, TimeDistributedConfig } from './layers/wrappers';
import { migrateGraph } from './migrate';

export { ACTIVATIONS, Activation, INITIALIZERS, Initializer, Regularizer } from './layers/common';
export { DenseConfig, DropoutConfig, InputConfig, OutputConfig };

/**
 * The model graph as stored in project.json and sent over IPC.
 * Nodes are Keras-style layers (Keras class names and config keys); edges carry tensors. A node
 * with several inputs (a merge) takes them in the order of its edges in `edges`.
 * `version` lets later schemas migrate older projects (see migrateGraph).
 *   1: Input, Dense, Dropout, Output.
 *   2: the full palette; Dense and Output gained initializers and regularizers.
 */
export const GRAPH_SCHEMA_VERSION = 2 as const;

/** Keras class name → config schema. The palette is this object. */
export const CONFIG_SCHEMAS = {
  Input: InputConfig,
  Dense: DenseConfig,
  Activation: ActivationConfig,
  Dropout: DropoutConfig,
  Flatten: FlattenConfig,
  Reshape: ReshapeConfig,
  Permute: PermuteConfig,
  RepeatVector: RepeatVectorConfig,
  BatchNormalization: BatchNormalizationConfig,
  LayerNormalization: LayerNormalizationConfig,
  Conv1D: Conv1DConfig,
  Conv2D: Conv2DConfig,
  SeparableConv2D: SeparableConv2DConfig,
  DepthwiseConv2D: DepthwiseConv2DConfig,
  Conv2DTranspose: Conv2DTransposeConfig,
  MaxPooling1D: Pooling1DConfig,
  AveragePooling1D: Pooling1DConfig,
  MaxPooling2D: Pooling2DConfig,
  AveragePooling2D: Pooling2DConfig,
  GlobalAveragePooling1D: GlobalPoolingConfig,
  GlobalMaxPooling1D: GlobalPoolingConfig,
  GlobalAveragePooling2D: GlobalPoolingConfig,
  GlobalMaxPooling2D: GlobalPoolingConfig,
  UpSampling2D: UpSampling2DConfig,
  ZeroPadding2D: ZeroPadding2DConfig,
  Cropping2D: Cropping2DConfig,
  Embedding: EmbeddingConfig,
  SimpleRNN: SimpleRNNConfig,
  LSTM: GatedRNNConfig,
  GRU: GatedRNNConfig,
  Bidirectional: BidirectionalConfig,
  TimeDistributed: TimeDistributedConfig,
  Concatenate: ConcatenateConfig,
  Add: MergeConfig,
  Subtract: MergeConfig,
  Multiply: MergeConfig,
  Average: MergeConfig,
  Maximum: MergeConfig,
  Output: OutputConfig,
} as const;
type Schemas = typeof CONFIG_SCHEMAS;
export type LayerType = keyof Schemas;
export const LAYER_TYPES = Object.keys(CONFIG_SCHEMAS) as LayerType[];

const position = z.object({ x: z.number().finite(), y: z.number().finite() });
const nodeId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'node ids are letters, digits, - and _');
const base = {
  id: nodeId,
  position,
  name: z.string().max(100).optional(),
  /** false freezes the layer: training leaves its weights as they are (transfer learning). Default true. */
  trainable: z.boolean().optional(),
};

const nodeSchema = <T extends LayerType>(type: T) =>
  z.object({ ...base, type: z.literal(type), config: CONFIG_SCHEMAS[type] as Schemas[T] });
type NodeSchema<T extends LayerType> = ReturnType<typeof nodeSchema<T>>;
type NodeSchemas = { [T in LayerType]: NodeSchema<T> }[LayerType];

export const GraphNode = z.discriminatedUnion(
  'type',
  LAYER_TYPES.map((t) => nodeSchema(t)) as unknown as [NodeSchemas, ...NodeSchemas[]],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? `unknown layer type; known types are ${LAYER_TYPES.join(', ')}` : undefined,
  },
);
/**
 * A node as written (settings with a Keras default may be left out: a version-1 Dense has no
 * kernel_initializer). analyzeGraph and the engine read configs through CONFIG_SCHEMAS, which
 * fills the defaults in: `LayerConfig<T>`.
 */
export type GraphNode = { [T in LayerType]: z.input<NodeSchema<T>> }[LayerType];
export type NodeOf<T extends LayerType> = Extract<GraphNode, { type: T }>;
/** A config with every default filled in, as the catalogue and the engine see it. */
export type LayerConfig<T extends LayerType> = z.output<Schemas[T]>;

export const GraphEdge = z.object({
  id: z.string().min(1).max(160),
  source: nodeId,
  target: nodeId,
});
export type GraphEdge = z.infer<typeof GraphEdge>;

export const CurrentModelGraph = z.object({
  version: z.literal(GRAPH_SCHEMA_VERSION, {
    error: `graph version must be ${GRAPH_SCHEMA_VERSION} (or 1, which is migrated)`,
  }),
  nodes: z.array(GraphNode).max(2000),
  edges: z.array(GraphEdge).max(4000),
  /**
   * Initial weights of an imported model: a Layerlab weights file (main/engine/shared/import), relative
   * to the graph file or project folder, holding values per node id. Nodes it has no entry for
   * start from their initializers.
   */
  weights: z.string().min(1).max(500).optional(),
});
export type ModelGraph = {
  version: typeof GRAPH_SCHEMA_VERSION;
  nodes: GraphNode[];
  edges: GraphEdge[];
  weights?: string;
};

/**
 * Every path that reads a graph (project.json, IPC, a graph file) parses with this, so a graph
 * saved by an older schema version is migrated before it is validated.
 */
export const ModelGraph: z.ZodType<ModelGraph, ModelGraph> = z.preprocess(
  migrateGraph,
  CurrentModelGraph,
) as unknown as z.ZodType<ModelGraph, ModelGraph>;
