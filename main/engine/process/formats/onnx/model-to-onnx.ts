import * as tf from '@tensorflow/tfjs';
import { kerasClassOf } from '../../../../../app/graph/layers/keras-class';
import { LAYER_REGISTRY, type BuiltType } from '../../layers/registry';
import type { LayerConverter, Value } from './layer-context';
import { OnnxGraph } from './onnx-graph';
import { DataType, encodeModel, type ModelProto, type ValueInfoProto } from './onnx-schema';
import { OnnxExportError } from './unsupported';

/** Opset 17: LayerNormalization's opset, and the last with ReduceMean's axes as an attribute. */
export const ONNX_OPSET = 17;
/** The IR version that goes with opset 17 (ONNX 1.12). */
const IR_VERSION = 8;

/**
 * The converter of every class the catalogue's node types become but InputLayer (the graph's
 * inputs), from each type's entry in the layer registry (main/engine/process/layers/registry):
 * the entry's type requires one for every type that is its own class, so a layer type added
 * without one fails typecheck.
 */
const CONVERTERS: Record<string, LayerConverter> = Object.fromEntries(
  (Object.keys(LAYER_REGISTRY) as BuiltType[]).flatMap((type) => {
    const onnx = LAYER_REGISTRY[type].onnx;
    return kerasClassOf(type) === type && onnx ? [[type, onnx]] : [];
  }),
);

/** The layer classes the ONNX writer maps (tfjs class names, which are Keras'). */
export const ONNX_LAYER_CLASSES = Object.keys(CONVERTERS);

export interface OnnxOptions {
  /** Store weights as FLOAT16 initializers, each Cast back to float where used. */
  float16?: boolean;
}

/** What tfjs' SymbolicTensor carries that the public type does not declare. */
interface Symbolic {
  id: number;
  shape: (number | null)[];
  sourceLayer: tf.layers.Layer;
  inputs: Symbolic[];
}

function valueInfo(name: string, shape: readonly (number | null)[]): ValueInfoProto {
  return {
    name,
    // The batch is shared by every input and output; any other unknown length is its own.
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: {
          dim: shape.map((d, i) =>
            i === 0 ? { dimParam: 'batch' } : d === null ? { dimParam: `${name}_dim${i}` } : { dimValue: d },
          ),
        },
      },
    },
  };
}

/**
 * A trained tf.LayersModel → an ONNX ModelProto. The graph is walked from the model's outputs
 * through each tensor's producing layer (so functional graphs with several inputs, merges and
 * several heads come out as they are), every layer becomes ONNX nodes in Keras' channels-last
 * layout, and the ONNX inputs and outputs carry the tfjs model's names and shapes with a dynamic
 * batch, so preprocessing.json applies to the exported model unchanged.
 */
export function modelToOnnx(model: tf.LayersModel, options: OnnxOptions = {}): ModelProto {
  const g = new OnnxGraph(options.float16 === true);
  const inputs = model.inputs as unknown as Symbolic[];
  const outputs = model.outputs as unknown as Symbolic[];
  const names = new Map<number, string>();
  inputs.forEach((t, i) => names.set(t.id, g.unique(model.inputNames[i]!)));
  const outputNames = model.outputNames.map((n) => g.unique(n));

  const visit = (t: Symbolic): string => {
    const known = names.get(t.id);
    if (known !== undefined) return known;
    const layer = t.sourceLayer;
    const className = layer.getClassName();
    const ref = { name: layer.name, className };
    if (className === 'InputLayer')
      throw new OnnxExportError(
        `Cannot export to ONNX: input "${layer.name}" is used by the model but is not one of its inputs.`,
      );
    const converter = CONVERTERS[className];
    if (!converter)
      throw new OnnxExportError(
        `Cannot export layer "${layer.name}" (${className}) to ONNX: the exporter has no mapping for ${className}.`,
      );
    const ins: Value[] = t.inputs.map((i) => ({ name: visit(i), shape: i.shape }));
    const out = converter({
      g,
      layer,
      ref,
      config: layer.getConfig() as Record<string, unknown>,
      inputs: ins,
      outputShape: t.shape,
    });
    names.set(t.id, out);
    return out;
  };

  outputs.forEach((t, i) => {
    // Identity gives each graph output the tfjs output's name whatever node computed it.
    g.nodeN('Identity', [visit(t)], [outputNames[i]!], {}, outputNames[i]!);
  });

  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'Layerlab',
    producerVersion: `tfjs ${tf.version.tfjs}`,
    docString:
      'Exported by Layerlab from a TensorFlow.js Layers model. Inputs and outputs keep the Keras layout (channels last); apply preprocessing.json to raw inputs first.',
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map((t) => valueInfo(names.get(t.id)!, t.shape)),
      output: outputs.map((t, i) => valueInfo(outputNames[i]!, t.shape)),
    },
  };
}

/** The .onnx file's bytes (protobuf caps a file at 2 GiB; bigger models are refused by name). */
export function modelToOnnxBytes(model: tf.LayersModel, options: OnnxOptions = {}): Uint8Array {
  const proto = modelToOnnx(model, options);
  const weightBytes = proto.graph.initializer.reduce((sum, t) => sum + t.rawData.byteLength, 0);
  if (weightBytes > 2 ** 31 - 2 ** 24) {
    throw new OnnxExportError(
      `Cannot export model "${model.name}" to ONNX: its weights take ${(weightBytes / 2 ** 30).toFixed(2)} GiB, over the 2 GiB a single .onnx file can hold. Try float16 weights.`,
    );
  }
  return encodeModel(proto);
}
