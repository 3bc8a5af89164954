import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageShard } from '../../../app/dataset/images';

/** About this many bytes a shard: a few thousand small images, few files, cheap to copy. */
export const SHARD_BYTES = 64 * 1024 * 1024;

/** The most bytes gathered before they are written. */
const WRITE_BYTES = 1024 * 1024;

export function shardFileName(index: number): string {
  return `shard-${String(index).padStart(4, '0')}.u8`;
}

export function imagesPerShardFor(imageBytes: number): number {
  return Math.max(1, Math.floor(SHARD_BYTES / imageBytes));
}

/**
 * Appends fixed-size images to shard-0000.u8, shard-0001.u8, … in a folder under construction.
 * Images are gathered into a buffer of at most WRITE_BYTES and written together, so an import
 * holds about a megabyte in memory, not a shard, and a folder of small images is not one write
 * per image (1,797 writes of 1 KiB cost more than decoding the digits). Node's own errors pass
 * through (the importer names the folder).
 */
export class ShardWriter {
  readonly shards: ImageShard[] = [];
  private handle: FileHandle | null = null;
  private inShard = 0;
  private position = 0;
  /** Images not yet written: `staged` bytes at the start of `stage` (allocated on first use). */
  private stage: Uint8Array | null = null;
  private staged = 0;

  constructor(
    private readonly dir: string,
    private readonly imageBytes: number,
    readonly imagesPerShard: number,
  ) {}

  get count(): number {
    return this.shards.reduce((n, s) => n + s.count, 0);
  }

  async append(pixels: Uint8Array): Promise<void> {
    if (pixels.length !== this.imageBytes)
      throw new Error(`ShardWriter: an image of ${pixels.length} bytes, expected ${this.imageBytes}`);
    if (!this.handle) {
      const file = shardFileName(this.shards.length);
      this.handle = await open(join(this.dir, file), 'wx');
      this.shards.push({ file, count: 0 });
      this.inShard = 0;
      this.position = 0;
    }
    if (!this.stage)
      this.stage = new Uint8Array(Math.max(1, Math.floor(WRITE_BYTES / this.imageBytes)) * this.imageBytes);
    if (this.staged + pixels.length > this.stage.length) await this.flush();
    this.stage.set(pixels, this.staged);
    this.staged += pixels.length;
    this.inShard += 1;
    const shard = this.shards[this.shards.length - 1];
    if (shard) shard.count = this.inShard;
    if (this.inShard === this.imagesPerShard) await this.closeShard();
  }

  /** Writes the gathered images at the end of the open shard. */
  private async flush(): Promise<void> {
    const handle = this.handle;
    if (!handle || !this.stage || this.staged === 0) return;
    let written = 0;
    while (written < this.staged) {
      const { bytesWritten } = await handle.write(this.stage, written, this.staged - written, this.position + written);
      written += bytesWritten;
    }
    this.position += this.staged;
    this.staged = 0;
  }

  private async closeShard(): Promise<void> {
    await this.flush();
    const handle = this.handle;
    this.handle = null;
    if (!handle) return;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Sync and close the open shard; call once when done. */
  async finish(): Promise<ImageShard[]> {
    await this.closeShard();
    return this.shards;
  }

  /** Close without syncing, after a failure or a cancel (the folder is about to be removed). */
  async abandon(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    this.staged = 0;
    await handle?.close().catch(() => undefined);
  }
}
