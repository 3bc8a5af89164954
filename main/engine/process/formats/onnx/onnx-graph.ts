import { float16Bytes } from './float16';
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from './onnx-schema';

/** An attribute value with its ONNX type spelled out (a JS number alone cannot say int or float). */
export type Attr =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { string: string }
  | { tensor: TensorProto };

function attribute(name: string, value: Attr): AttributeProto {
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  if ('string' in value) return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.string) };
  return { name, type: AttributeType.TENSOR, t: value.tensor };
}

export function floatTensor(
  name: string,
  values: Float32Array | readonly number[],
  dims: readonly number[],
): TensorProto {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return {
    name,
    dims: [...dims],
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

function int64Tensor(name: string, values: readonly number[], dims: readonly number[]): TensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) };
}

/**
 * The ONNX graph under construction: nodes in topological order (the order they are added),
 * initializers, and unique names. Converters add nodes and get back their output's name.
 */
export class OnnxGraph {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly taken = new Set<string>();

  /** float16: layer weights are stored as FLOAT16 initializers, each followed by a Cast to float. */
  constructor(private readonly float16: boolean) {}

  /** A name no other tensor or node has, derived from `base` (the layer's name, mostly). */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** Adds one node; returns its outputs' names (`outputs` of them, or the names given). */
  nodeN(
    opType: string,
    inputs: readonly string[],
    outputs: number | readonly string[],
    attrs: Record<string, Attr> = {},
    base = opType,
  ): string[] {
    const nodeName = this.unique(`${base}/${opType}`);
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.unique(`${nodeName}:${i}`))
        : [...outputs];
    this.nodes.push({
      name: nodeName,
      opType,
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Adds a node with one output and returns its name. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, base = opType): string {
    return this.nodeN(opType, inputs, 1, attrs, base)[0]!;
  }

  /** A trained weight (float16 when asked, cast back to float where it is used). */
  weight(base: string, values: Float32Array, dims: readonly number[]): string {
    if (!this.float16) return this.floatConstant(base, values, dims);
    const stored = this.unique(`${base}_fp16`);
    this.initializers.push({
      name: stored,
      dims: [...dims],
      dataType: DataType.FLOAT16,
      rawData: float16Bytes(values),
    });
    return this.nodeN('Cast', [stored], [this.unique(base)], { to: { int: DataType.FLOAT } }, base)[0]!;
  }

  /** A float constant that is not a weight (a scale such as 1/n): kept float32 in every mode. */
  floatConstant(base: string, values: Float32Array | readonly number[], dims: readonly number[]): string {
    const name = this.unique(base);
    this.initializers.push(floatTensor(name, values, dims));
    return name;
  }

  /** An int64 constant: shapes, axes, pads, indices. */
  int64(base: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.unique(base);
    this.initializers.push(int64Tensor(name, values, dims));
    return name;
  }
}
