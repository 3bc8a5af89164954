import { endianness } from 'node:os';

/**
 * Typed arrays use the machine's byte order, the files are little-endian by contract (the engine
 * and scripts read them as such). Every machine we ship on is little-endian, so the view is
 * free; a big-endian one pays for a swap instead of writing wrong numbers.
 */
const LITTLE_ENDIAN = endianness() === 'LE';

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) {
    for (let k = 0; k < width; k += 1) out[i + k] = bytes[i + width - 1 - k] ?? 0;
  }
  return out;
}

/** The little-endian bytes of a typed array, for writing to disk. */
export function littleEndianBytes(array: Float32Array | Float64Array | Int32Array): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return LITTLE_ENDIAN ? bytes : swapped(bytes, array.BYTES_PER_ELEMENT);
}

/**
 * Copy little-endian bytes read from disk into an aligned buffer: a Buffer from fs may start at
 * an offset a Float64Array cannot view.
 */
function aligned(bytes: Uint8Array, width: number): ArrayBuffer {
  const copy = LITTLE_ENDIAN ? new Uint8Array(bytes) : swapped(bytes, width);
  return copy.buffer as ArrayBuffer;
}

export function readFloat64(bytes: Uint8Array): Float64Array {
  return new Float64Array(aligned(bytes, 8));
}

export function readFloat32(bytes: Uint8Array): Float32Array {
  return new Float32Array(aligned(bytes, 4));
}

export function readInt32(bytes: Uint8Array): Int32Array {
  return new Int32Array(aligned(bytes, 4));
}
