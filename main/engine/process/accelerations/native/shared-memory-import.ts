/**
 * The engine's kernels (kernels.wat) import an unshared `(memory 1)`. The threaded build of
 * tfjs-backend-wasm runs on a shared WebAssembly.Memory, and an import only links to a memory
 * of the same sharedness, so for that heap the kernels are linked from a copy of the binary
 * whose memory import says `(memory 1 <max> shared)`: only that import entry changes, every
 * function is the same. `max` must be at least the backend's own maximum (4 GiB for tfjs 4.22),
 * since an imported memory's maximum may not exceed the one declared.
 */

function readU32(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const byte = bytes[pos++];
    if (byte === undefined) throw new Error('truncated wasm binary');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: pos };
    shift += 7;
  }
}

function u32(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** Skips a limits record (flags, min[, max]) and returns where it ends. */
function skipLimits(bytes: Uint8Array, at: number): number {
  const flags = bytes[at]!;
  let pos = readU32(bytes, at + 1).next;
  if (flags & 1) pos = readU32(bytes, pos).next;
  return pos;
}

/** The binary with its memory import made shared, with `maxPages` pages at most (65536 = 4 GiB). */
export function withSharedMemoryImport(binary: Uint8Array, maxPages = 65536): Uint8Array {
  if (binary[0] !== 0 || binary[1] !== 0x61 || binary[2] !== 0x73 || binary[3] !== 0x6d)
    throw new Error('not a wasm binary');
  const out: number[] = Array.from(binary.subarray(0, 8));
  let pos = 8;
  let found = false;
  while (pos < binary.length) {
    const id = binary[pos]!;
    const size = readU32(binary, pos + 1);
    const start = size.next;
    const end = start + size.value;
    if (id !== 2) {
      out.push(...binary.subarray(pos, end));
      pos = end;
      continue;
    }
    // The import section: rebuilt entry by entry, the memory import's limits replaced.
    const body: number[] = [];
    const count = readU32(binary, start);
    body.push(...u32(count.value));
    let at = count.next;
    for (let i = 0; i < count.value; i++) {
      const entryStart = at;
      const moduleName = readU32(binary, at);
      at = moduleName.next + moduleName.value;
      const fieldName = readU32(binary, at);
      at = fieldName.next + fieldName.value;
      const kind = binary[at]!;
      const descStart = at + 1;
      if (kind === 2) {
        const flags = binary[descStart]!;
        const min = readU32(binary, descStart + 1);
        at = skipLimits(binary, descStart);
        if (flags & 2) {
          body.push(...binary.subarray(entryStart, at)); // already shared
        } else {
          body.push(...binary.subarray(entryStart, descStart), 0x03, ...u32(min.value), ...u32(maxPages));
        }
        found = true;
        continue;
      }
      if (kind === 0) at = readU32(binary, descStart).next;
      else if (kind === 1) at = skipLimits(binary, descStart + 1);
      else if (kind === 3) at = descStart + 2;
      else throw new Error(`an import of kind ${kind} is not supported here`);
      body.push(...binary.subarray(entryStart, at));
    }
    if (at !== end) throw new Error('the import section did not parse to its end');
    out.push(2, ...u32(body.length), ...body);
    pos = end;
  }
  if (!found) throw new Error('the module imports no memory');
  return Uint8Array.from(out);
}
