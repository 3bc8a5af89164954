import { Worker } from 'node:worker_threads';

/**
 * A second thread for the engine's own wasm kernels (kernels.wat) on the threaded backend's
 * shared heap. The worker instantiates the same compiled module against the same shared
 * WebAssembly.Memory, so a kernel call there reads and writes the tensors where they lie, like
 * one on the engine's thread. A kernel splits its work in two (a batch's halves, a product's
 * rows): the worker takes one part, the calling thread the other, then the caller waits for the
 * worker. Handing over a call is a few writes to a shared control block and an Atomics.notify;
 * the worker sleeps in Atomics.wait between calls, so it spins on nothing and costs no CPU when
 * idle (XNNPACK's own pool workers spin between its calls, which is why its second thread bought
 * little here: wasm-threads.ts).
 *
 * The worker's part is claimed, not assigned: the worker claims it when it wakes, and the caller,
 * once its own part is done, claims it back if the worker has not started yet and runs it itself.
 * So when the other core is busy with other work and the worker is not scheduled, a split call
 * costs about what the whole call costs on one thread, instead of waiting for the worker.
 */

/**
 * Control block: [0] call sequence number, [1] sequence number of the call finished, [2] 1 when
 * it failed, [3] 1 once the worker has instantiated the kernels, [4] who runs the worker's part
 * of the current call: OPEN (nobody yet), BY_WORKER or BY_CALLER.
 */
const SEQ = 0;
const DONE = 1;
const FAILED = 2;
const READY = 3;
const CLAIM = 4;
const OPEN = 0;
const BY_WORKER = 1;
const BY_CALLER = 2;
/** The call: its export's index in the name table, then up to 18 numeric arguments (f64: i32 offsets and f32 constants alike). */
const MAX_ARGS = 18;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, args, names } = workerData;
const exportsOf = new WebAssembly.Instance(module, { env: { memory } }).exports;
const calls = names.map((name) => exportsOf[name]);
const ctl = new Int32Array(control);
const argv = new Float64Array(args);
Atomics.store(ctl, ${READY}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  // The caller publishes the sequence number before it opens the claim, so a claim won here
  // is for the call numbered below; one lost was taken back by the caller (or is not open yet,
  // and the caller will run it): wait for the next.
  if (Atomics.compareExchange(ctl, ${CLAIM}, ${OPEN}, ${BY_WORKER}) !== ${OPEN}) {
    seen = Atomics.load(ctl, ${SEQ});
    continue;
  }
  seen = Atomics.load(ctl, ${SEQ});
  try {
    const fn = calls[argv[0]];
    fn(${Array.from({ length: MAX_ARGS }, (_, i) => `argv[${i + 1}]`).join(', ')});
    Atomics.store(ctl, ${FAILED}, 0);
  } catch (error) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

/**
 * Split calls so far: those whose share the worker ran (in all and per kernel), and those run
 * wholly here, before the worker had started or because it had not woken by the time this
 * thread finished its own part (`takenBack`, those of `here`).
 */
export interface HelperCalls {
  byHelper: number;
  here: number;
  takenBack: number;
  byKernel: Record<string, number>;
}

export interface HelperThread {
  /**
   * Runs `name(...args)` on the helper thread while `mine()` runs here, and returns once both are
   * done. The two must touch disjoint memory (or only read what both read).
   */
  alongside(name: string, args: readonly number[], mine: () => void): void;
  readonly calls: HelperCalls;
  /** Stops the worker (tests; the engine process keeps it until it exits). */
  close(): Promise<void>;
}

/**
 * Starts the helper on `memory` (a shared WebAssembly.Memory) with a compiled copy of the
 * kernels `module`, able to call the exports named in `names`. Until the worker has started (it
 * needs the event loop, which a busy engine thread may not give it for a while) its share runs
 * here, through `local`: the same exports instantiated on this thread.
 */
export function startHelperThread(
  module: object,
  memory: object,
  names: readonly string[],
  local: Record<string, (...args: number[]) => unknown>,
): HelperThread {
  const control = new SharedArrayBuffer(5 * 4);
  const argBuffer = new SharedArrayBuffer((MAX_ARGS + 1) * 8);
  const ctl = new Int32Array(control);
  const argv = new Float64Array(argBuffer);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module, memory, control, args: argBuffer, names: [...names] },
  });
  // Never keeps the engine process alive; an exit ends it.
  worker.unref();
  let failure: Error | null = null;
  worker.on('error', (error) => {
    failure = error;
  });
  let seq = 0;
  const calls: HelperCalls = { byHelper: 0, here: 0, takenBack: 0, byKernel: {} };
  return {
    calls,
    alongside(name, args, mine) {
      if (failure) throw new Error(`the engine's helper thread stopped: ${failure.message}`);
      const index = names.indexOf(name);
      if (index < 0) throw new Error(`the helper thread cannot call "${name}"`);
      if (args.length > MAX_ARGS) throw new Error(`"${name}" takes at most ${MAX_ARGS} arguments on the helper thread`);
      if (Atomics.load(ctl, READY) !== 1) {
        calls.here++;
        mine();
        local[name]!(...args);
        return;
      }
      argv[0] = index;
      for (let i = 0; i < MAX_ARGS; i++) argv[i + 1] = args[i] ?? 0;
      seq = (seq + 1) | 0;
      Atomics.store(ctl, SEQ, seq);
      Atomics.store(ctl, CLAIM, OPEN);
      Atomics.notify(ctl, SEQ);
      let mineError: unknown = null;
      try {
        mine();
      } catch (error) {
        mineError = error;
      }
      if (Atomics.compareExchange(ctl, CLAIM, OPEN, BY_CALLER) === OPEN) {
        // The worker has not woken yet (its core is busy): its part runs here, now.
        calls.here++;
        calls.takenBack++;
        if (mineError) throw mineError;
        local[name]!(...args);
        return;
      }
      calls.byHelper++;
      calls.byKernel[name] = (calls.byKernel[name] ?? 0) + 1;
      // Wait for the worker even when our half failed: it may still be writing the heap.
      for (let done = Atomics.load(ctl, DONE); done !== seq; done = Atomics.load(ctl, DONE)) {
        if (failure) throw new Error(`the engine's helper thread stopped: ${(failure as Error).message}`);
        Atomics.wait(ctl, DONE, done, 1000);
      }
      if (mineError) throw mineError;
      if (Atomics.load(ctl, FAILED) === 1) throw new Error(`the wasm kernel "${name}" failed on the helper thread`);
    },
    async close() {
      await worker.terminate();
    },
  };
}
