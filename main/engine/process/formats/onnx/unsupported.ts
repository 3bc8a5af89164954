/**
 * A layer or a setting the ONNX writer cannot reproduce exactly. The message names the layer (as
 * the user sees it in the graph), its type and the setting, so the export fails with something a
 * user can act on instead of writing a file that computes something else.
 */
export class OnnxExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxExportError';
  }
}

export interface LayerRef {
  name: string;
  className: string;
}

export function refuse(
  layer: LayerRef,
  setting: string,
  value: unknown,
  why = 'the ONNX export does not support it',
): never {
  throw new OnnxExportError(
    `Cannot export layer "${layer.name}" (${layer.className}) to ONNX: ${setting} = ${JSON.stringify(value)} — ${why}.`,
  );
}
