/**
 * Run `work` on every item with at most `limit` running at once, in order of the items. Settles
 * only when every started call has settled; after a failure no further item is started, and the
 * first failure is thrown. (Promise.all over the items would open every file at once: a CSV of
 * 785 columns then ran into the open-file limit, 256 on macOS.)
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const index = next;
      next += 1;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/**
 * At most `limit` tasks at once; later ones wait their turn in order. A task whose signal aborts
 * while it waits leaves the queue with the signal's reason and never runs.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Tasks running now and waiting for a turn (for tests and diagnostics). */
  get counts(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<R>(task: () => Promise<R>, signal?: AbortSignal): Promise<R> {
    signal?.throwIfAborted();
    if (this.running >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = this.waiting.indexOf(turn);
          if (at !== -1) this.waiting.splice(at, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(turn);
      });
    } else {
      this.running += 1;
    }
    // A turn handed over by release() keeps `running` as it was: the slot passes directly.
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const turn = this.waiting.shift();
    if (turn) turn();
    else this.running -= 1;
  }
}
