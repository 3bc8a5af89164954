const scratch = new DataView(new ArrayBuffer(4));

/**
 * One float32 → IEEE 754 half-precision bits, rounded to nearest even (what numpy's astype
 * and onnxruntime do), with overflow to ±Infinity, subnormals, and NaN kept NaN.
 */
export function toFloat16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the mantissa (with its implicit leading 1) into place, round to even.
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (rest > midpoint || (rest === midpoint && (half & 1) === 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and reaches Infinity at the top).
  return sign | (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half);
}

/** float32 values → little-endian float16 bytes (TensorProto.raw_data). */
export function float16Bytes(values: Float32Array): Uint8Array {
  const out = new DataView(new ArrayBuffer(values.length * 2));
  for (let i = 0; i < values.length; i++) out.setUint16(i * 2, toFloat16Bits(values[i]!), true);
  return new Uint8Array(out.buffer);
}
