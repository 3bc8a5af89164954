/**
 * TensorFlow's 'same' padding for one spatial axis: the output has ceil(length / stride) steps,
 * and when the total padding is odd the extra row or column goes at the end (bottom/right),
 * which ONNX's symmetric auto_pad cannot say: the writer always emits explicit pads.
 */
export function samePadding(length: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(length / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - length, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

/** ONNX pads for every spatial axis: all the begins, then all the ends. */
export function onnxPads(
  lengths: readonly number[],
  kernels: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  padding: 'same' | 'valid',
): number[] {
  if (padding === 'valid') return Array<number>(lengths.length * 2).fill(0);
  const pairs = lengths.map((l, i) => samePadding(l, kernels[i]!, strides[i]!, dilations[i]!));
  return [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])];
}
