import { promises as fs } from 'node:fs';
import { z } from 'zod';

/**
 * A Layerlab weights file: the initial weights of an imported model, keyed by graph node id so
 * that the graph can be edited around them (a new head has no entry and starts fresh). One file:
 * "LLWT", a little-endian uint32 header length, a JSON header, padding to 4 bytes, then every
 * tensor as little-endian float32 in header order.
 */
const MAGIC = 'LLWT';

const Header = z.object({
  format: z.literal('layerlab-weights'),
  version: z.literal(1),
  /** node id → that layer's weights in tfjs' layer.weights order (kernel before bias, …). */
  nodes: z.record(z.string(), z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()) }))),
});

export interface NamedWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}
export type NodeWeights = Map<string, NamedWeight[]>;

export class WeightsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsFileError';
  }
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function encodeWeights(weights: NodeWeights): Uint8Array {
  const header: z.infer<typeof Header> = { format: 'layerlab-weights', version: 1, nodes: {} };
  let floats = 0;
  for (const [id, list] of weights) {
    header.nodes[id] = list.map((w) => {
      if (w.values.length !== sizeOf(w.shape))
        throw new WeightsFileError(
          `Weight ${w.name} of node "${id}" has ${w.values.length} values but shape [${w.shape.join(', ')}].`,
        );
      floats += w.values.length;
      return { name: w.name, shape: w.shape };
    });
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((8 + json.length) / 4) * 4;
  const bytes = new Uint8Array(dataStart + floats * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, json.length, true);
  bytes.set(json, 8);
  let offset = dataStart;
  for (const list of weights.values()) {
    for (const w of list) {
      // Copy through a byte view: little-endian on every machine Node runs on.
      bytes.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), offset);
      offset += w.values.byteLength;
    }
  }
  return bytes;
}

export function decodeWeights(bytes: Uint8Array, file: string): NodeWeights {
  const damaged = (why: string) =>
    new WeightsFileError(`${file} is not a Layerlab weights file (${why}). Import the model again.`);
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw damaged('wrong signature');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + headerLength > bytes.length) throw damaged('header runs past the end');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw damaged('header is not JSON');
  }
  const header = Header.safeParse(raw);
  if (!header.success) throw damaged('unexpected header');
  let offset = Math.ceil((8 + headerLength) / 4) * 4;
  const out: NodeWeights = new Map();
  for (const [id, specs] of Object.entries(header.data.nodes)) {
    out.set(
      id,
      specs.map((spec) => {
        const n = sizeOf(spec.shape);
        if (offset + n * 4 > bytes.length) throw damaged(`the values of ${spec.name} are missing`);
        const values = new Float32Array(n);
        new Uint8Array(values.buffer).set(bytes.subarray(offset, offset + n * 4));
        offset += n * 4;
        return { name: spec.name, shape: spec.shape, values };
      }),
    );
  }
  return out;
}

export async function readWeightsFile(file: string): Promise<NodeWeights> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new WeightsFileError(
      code === 'ENOENT'
        ? `The graph's weights file ${file} does not exist; keep it beside the graph file.`
        : `Cannot read the weights file ${file}: ${(error as Error).message}`,
    );
  }
  return decodeWeights(bytes, file);
}
