import type * as tf from '@tensorflow/tfjs';
import { KerasExportError } from '../../../shared/keras-names';
import { kerasLayerConfig, type KerasFlavor } from './layer-config';

/**
 * The whole model's config as Keras writes it: Keras 3's config.json (serialize_keras_object of
 * a Functional model) and tf.keras 2's model_config attribute of a legacy .h5. Both start from
 * tfjs' own topology (model.toJSON), which is tf.keras 2's functional config in tfjs' words.
 */
type Json = Record<string, unknown>;
type TensorRef = [string, number, number];
type TfjsLayer = { name: string; class_name: string; config: Json; inbound_nodes: unknown[] };

interface Topology {
  name: string;
  layers: TfjsLayer[];
  inputs: TensorRef[];
  outputs: TensorRef[];
}

function topologyOf(model: tf.LayersModel): Topology {
  const json = model.toJSON(null, false) as unknown as { class_name: string; config: Json };
  // The engine builds every model with the functional API; a tfjs Sequential has no inbound nodes to write.
  if (json.class_name === 'Sequential')
    throw new KerasExportError(
      `model "${model.name}" is a tfjs Sequential model; Keras export writes functional models (tf.model), as the engine builds them.`,
    );
  const config = json.config;
  const refs = (v: unknown) => (Array.isArray(v) ? v : []).map((r) => (r as unknown[]).slice(0, 3) as TensorRef);
  return {
    name: String(config.name),
    layers: config.layers as TfjsLayer[],
    inputs: refs(config.input_layers),
    outputs: refs(config.output_layers),
  };
}

/** tfjs: [[["dense", 0, 0, {}], ...], ...] (one list per call) → the calls' input references. */
function calls(layer: TfjsLayer): TensorRef[][] {
  return layer.inbound_nodes.map((call) =>
    (Array.isArray(call) ? call : []).map((ref) => (ref as unknown[]).slice(0, 3) as TensorRef),
  );
}

/** The shape (batch first, null) of the tensor a reference names, from the live model. */
function shapeOf(model: tf.LayersModel, [name, nodeIndex, tensorIndex]: TensorRef): (number | null)[] {
  const node = (model.getLayer(name) as unknown as { inboundNodes: { outputShapes: unknown }[] }).inboundNodes[
    nodeIndex
  ];
  const shapes = node?.outputShapes;
  const shape = Array.isArray(shapes) && Array.isArray(shapes[0]) ? shapes[tensorIndex] : shapes;
  if (!Array.isArray(shape)) throw new KerasExportError(`the output shape of layer "${name}" is unknown.`);
  return shape as (number | null)[];
}

/** Keras' ordered check that every layer is called once (Keras files can share layers; Layerlab's graphs never do). */
function singleCall(layer: TfjsLayer): TensorRef[] {
  const all = calls(layer);
  if (all.length > 1)
    throw new KerasExportError(
      `layer "${layer.name}" is called ${all.length} times; Keras export writes models whose layers are each used once.`,
    );
  return all[0] ?? [];
}

const refsOut = (refs: TensorRef[]) => (refs.length === 1 ? refs[0]! : refs);

/** Keras 3's config.json for the model (what keras.saving.load_model reads). */
export function keras3ModelConfig(model: tf.LayersModel): Json {
  const top = topologyOf(model);
  const layers = top.layers.map((l) => {
    const where = `layer "${l.name}"`;
    const config = kerasLayerConfig(
      l.class_name,
      l.config,
      'keras3',
      where,
      l.class_name === 'InputLayer' ? undefined : model.getLayer(l.name),
    );
    const entry: Json = { module: 'keras.layers', class_name: l.class_name, config, registered_name: null };
    const inputs = singleCall(l);
    if (l.class_name !== 'InputLayer') {
      const shapes = inputs.map((ref) => shapeOf(model, ref));
      entry.build_config = { input_shape: shapes.length === 1 ? shapes[0] : shapes };
    }
    entry.name = l.name;
    const tensors = inputs.map((ref) => ({
      class_name: '__keras_tensor__',
      config: { shape: shapeOf(model, ref), dtype: 'float32', keras_history: ref },
    }));
    // A merge takes one argument, the list of its inputs; every other layer takes one tensor.
    entry.inbound_nodes =
      tensors.length === 0 ? [] : [{ args: tensors.length === 1 ? [tensors[0]] : [tensors], kwargs: {} }];
    return entry;
  });
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: top.name,
      trainable: true,
      layers,
      input_layers: refsOut(top.inputs),
      output_layers: refsOut(top.outputs),
    },
    registered_name: 'Functional',
    build_config: { input_shape: null },
    compile_config: null,
  };
}

/** tf.keras 2's model_config (legacy .h5 root attribute), as save_model_to_hdf5 writes it. */
export function keras2ModelConfig(model: tf.LayersModel): Json {
  const top = topologyOf(model);
  const layers = top.layers.map((l) => {
    singleCall(l);
    const config = kerasLayerConfig(
      l.class_name,
      l.config,
      'keras2' satisfies KerasFlavor,
      `layer "${l.name}"`,
      l.class_name === 'InputLayer' ? undefined : model.getLayer(l.name),
    );
    const inbound = calls(l).map((call) => call.map((ref) => [...ref, {}]));
    return { class_name: l.class_name, config, name: l.name, inbound_nodes: inbound };
  });
  return {
    class_name: 'Functional',
    config: { name: top.name, trainable: true, layers, input_layers: top.inputs, output_layers: top.outputs },
  };
}
