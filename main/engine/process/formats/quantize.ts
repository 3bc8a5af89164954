import * as tf from '@tensorflow/tfjs';
import type { Quantize } from '../../../../app/engine/export-options';

/**
 * TF.js weight quantization as tfjs' own converter writes it: each float32 entry of the weights
 * manifest gains `quantization: {dtype: 'float16'}` or `{dtype: 'uint8', scale, min}` and its
 * bytes shrink to 2 or 1 per value; stock tf.loadLayersModel (io_utils decodeWeights) turns them
 * back into float32 on load. Nothing else in the model changes.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half precision bits of a float32, rounded to nearest even (as numpy's astype(float16)). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf or NaN
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: Inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in and round.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let m = mantissa >>> shift;
    if (rest > half || (rest === half && (m & 1) === 1)) m += 1;
    return sign | m;
  }
  const rest = mantissa & 0x1fff;
  let m = mantissa >>> 13;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1) === 1)) {
    m += 1;
    if (m === 0x400) {
      m = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export function encodeFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]!);
  return out;
}

/**
 * Affine uint8: v ≈ q · scale + min. The range is nudged so that 0 is exactly representable
 * (tfjs' converter does the same): zero biases and zero-padded kernels stay exactly zero.
 */
export function encodeUint8(values: Float32Array): { data: Uint8Array; scale: number; min: number } {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let scale = (hi - lo) / 255;
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1; // all zeros
  const zeroPoint = Math.round(-lo / scale);
  const min = -zeroPoint * scale;
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.min(255, Math.max(0, Math.round((values[i]! - min) / scale)));
  return { data, scale, min };
}

/** Quantize every float32 weight of a model's saved artifacts; other dtypes are kept as they are. */
export function quantizeWeights(
  specs: readonly tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  mode: Quantize,
): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const out: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.quantization) throw new Error(`Weight ${spec.name} is already quantized; export the float32 model.`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = size * (spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : 1);
    if (spec.dtype !== 'float32') {
      if (spec.dtype !== 'int32' && spec.dtype !== 'bool')
        throw new Error(`Weight ${spec.name} has dtype ${spec.dtype}, which cannot be exported.`);
      parts.push(new Uint8Array(data, offset, bytes));
      out.push({ ...spec });
      offset += bytes;
      continue;
    }
    const values = new Float32Array(data.slice(offset, offset + bytes));
    offset += bytes;
    if (mode === 'float16') {
      const half = encodeFloat16(values);
      parts.push(new Uint8Array(half.buffer));
      out.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      const q = encodeUint8(values);
      parts.push(q.data);
      out.push({ ...spec, quantization: { dtype: 'uint8', scale: q.scale, min: q.min } });
    }
  }
  if (offset !== data.byteLength)
    throw new Error(`The model's weights hold ${data.byteLength} bytes but its manifest describes ${offset}.`);
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.byteLength;
  }
  return { specs: out, data: joined.buffer };
}
