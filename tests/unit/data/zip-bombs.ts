import { constants, deflateRawSync } from 'node:zlib';

/**
 * A raw deflate stream of `bytes` zeros (a multiple of 1 MiB), built without ever holding them:
 * one 1 MiB block of zeros, flushed so that it ends on a byte boundary, repeated, then an empty
 * final block. About 1 KiB per MiB: a 2 GiB run is ~2 MiB.
 */
export function deflatedZeros(bytes: number): Buffer {
  const mib = 1024 * 1024;
  if (bytes % mib !== 0) throw new Error('deflatedZeros: a multiple of 1 MiB');
  const block = deflateRawSync(Buffer.alloc(mib), { finishFlush: constants.Z_SYNC_FLUSH });
  const blocks = bytes / mib;
  // An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block.
  return Buffer.concat([...Array.from({ length: blocks }, () => block), Buffer.from([0x03, 0x00])]);
}

export interface ZipEntry {
  name: string;
  /** Stored bytes (already deflated when `method` is 8). */
  data: Buffer;
  method: 0 | 8;
  /** What the directory claims it unpacks to (it may lie). */
  declaredSize: number;
}

/** A zip archive written by hand, so that its directory can say whatever a test needs it to. */
export function zipOf(entries: ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(0, 14); // crc (not checked by inflaters that stream)
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(20, 6);
    head.writeUInt16LE(0x0800, 8);
    head.writeUInt16LE(e.method, 10);
    head.writeUInt32LE(e.data.length, 20);
    head.writeUInt32LE(e.declaredSize, 24);
    head.writeUInt16LE(name.length, 28);
    head.writeUInt32LE(offset, 42);
    parts.push(local, name, e.data);
    central.push(head, name);
    offset += local.length + name.length + e.data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}
