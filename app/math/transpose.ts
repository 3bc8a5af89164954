/**
 * Permute a row-major array's axes (numpy's transpose): the value at index i of `shape` moves to
 * the index whose k-th coordinate is i's perm[k]-th. Used to turn Keras kernels (channels last)
 * into ONNX's and PyTorch's layouts.
 */
export function transposeValues(
  values: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): { values: Float32Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]!);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(values.length);
  const index = new Array<number>(outShape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let k = 0; k < perm.length; k++) source += index[k]! * strides[perm[k]!]!;
    out[o] = values[source]!;
    for (let k = outShape.length - 1; k >= 0; k--) {
      if (++index[k]! < outShape[k]!) break;
      index[k] = 0;
    }
  }
  return { values: out, shape: outShape };
}
