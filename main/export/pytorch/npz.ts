import { zipSync } from 'fflate';

/** One array for a .npy file: float32 values, or an int64 scalar counter (BatchNorm's num_batches_tracked). */
export interface NpyArray {
  shape: readonly number[];
  values: Float32Array | BigInt64Array;
}

/**
 * NumPy's .npy format, version 1.0: the magic string, a Python-literal header padded so the data
 * starts on a 64-byte boundary, then the values little-endian in C order. numpy.load and
 * torch.from_numpy read it; nothing Layerlab-specific is needed on the Python side.
 */
export function npyHeader(descr: '<f4' | '<i8' | '|u1', shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(head.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) head[10 + i] = header.charCodeAt(i);
  return head;
}

/** One array as a whole .npy file. */
export function npyBytes(array: NpyArray): Uint8Array {
  const head = npyHeader(array.values instanceof Float32Array ? '<f4' : '<i8', array.shape);
  const data = new Uint8Array(array.values.byteLength);
  const view = new DataView(data.buffer);
  if (array.values instanceof Float32Array) array.values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else array.values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  const out = new Uint8Array(head.length + data.length);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

/** An uncompressed .npz (a zip of .npy files, numpy.savez's layout): numpy.load(path)[key]. */
export function npzBytes(arrays: ReadonlyMap<string, NpyArray>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [key, array] of arrays) files[`${key}.npy`] = [npyBytes(array), { level: 0 }];
  return zipSync(files);
}
