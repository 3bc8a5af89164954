import { Unzip, UnzipInflate } from 'fflate';

/**
 * Limits on what a zip may unpack to. They are checked on the bytes actually inflated, as they
 * come out, so a zip whose directory lies about its sizes is stopped all the same.
 */
export interface UnzipLimits {
  /** Everything unpacked together, in bytes. */
  maxTotalBytes: number;
  /** Unpacked bytes per stored (compressed) byte of the whole archive, once past `ratioFloorBytes`. */
  maxRatio: number;
  /** Below this many unpacked bytes the ratio is not checked (small files compress well). */
  ratioFloorBytes?: number;
}

/** Thrown when a limit is crossed; the message names the file and the limit. */
export class UnzipLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnzipLimitError';
  }
}

/** Compressed bytes fed to the inflater at a time: deflate expands at most ~1032×, so one step makes at most ~16 MiB. */
const STEP = 16 * 1024;

const MiB = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;

/**
 * Unpack the entries of `data` that `want` accepts (all by default), refusing as soon as what
 * has come out passes `limits`. `name` names the archive in messages. Entries other than stored
 * or deflated are an error naming the entry; a damaged archive throws fflate's message.
 */
export function unzipBounded(
  data: Uint8Array,
  name: string,
  limits: UnzipLimits,
  want: (entry: string) => boolean = () => true,
): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const floor = limits.ratioFloorBytes ?? 1024 * 1024;
  let total = 0;
  let failure: Error | null = null;
  const unzip = new Unzip((file) => {
    if (failure || !want(file.name) || file.name.endsWith('/')) return;
    if (file.compression !== 0 && file.compression !== 8) {
      failure = new UnzipLimitError(
        `${name}: "${file.name}" is stored with zip compression method ${file.compression}, which cannot be read; re-zip it with the usual (deflate) method.`,
      );
      return;
    }
    const chunks: Uint8Array[] = [];
    file.ondata = (error, chunk, final) => {
      if (failure) return;
      if (error) {
        failure = error;
        return;
      }
      total += chunk.length;
      if (total > limits.maxTotalBytes) {
        failure = new UnzipLimitError(
          `${name} is refused: it unpacks to more than ${MiB(limits.maxTotalBytes)} (the limit for this kind of file); stopped at "${file.name}" before reading further.`,
        );
        file.terminate();
        return;
      }
      if (total > floor && total > data.length * limits.maxRatio) {
        failure = new UnzipLimitError(
          `${name} is refused: it unpacks more than ${limits.maxRatio} times larger than its ${MiB(data.length)} (a zip bomb, or not a real ${name.split('.').pop() ?? 'zip'} file); stopped at "${file.name}".`,
        );
        file.terminate();
        return;
      }
      chunks.push(chunk);
      if (final) out[file.name] = chunks.length === 1 ? chunks[0]! : concat(chunks);
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  for (let at = 0; at < data.length && !failure; at += STEP) {
    unzip.push(data.subarray(at, Math.min(data.length, at + STEP)), at + STEP >= data.length);
  }
  if (failure) throw failure;
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}
