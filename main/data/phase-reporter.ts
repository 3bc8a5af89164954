import { phaseAt, type PhaseProgress, type ProgressUnit } from '../../app/progress/work-progress';

/** One phase under way: `add(n)` counts n more done, reports it and stops the job once it is cancelled. */
export interface PhaseCounter {
  add(n: number): void;
}

/**
 * The phases of one job of `phases` phases, started in order (`start(name, total, unit)`), each
 * reported through `onProgress` as it starts and at every `add`; `signal` is polled at each `add`,
 * so a cancel stops the job at its next step. The data preparations (tables and time series) use it.
 */
export function phaseReporter(
  phases: number,
  onProgress?: (progress: PhaseProgress) => void,
  signal?: AbortSignal,
): (name: string, total: number, unit: ProgressUnit) => PhaseCounter {
  let next = 0;
  return (name, total, unit) => {
    const index = next++;
    const started = performance.now();
    let done = 0;
    const report = () =>
      onProgress?.(phaseAt(name, index, phases, { done, total, unit, seconds: (performance.now() - started) / 1000 }));
    report();
    return {
      add(n) {
        signal?.throwIfAborted();
        done += n;
        report();
      },
    };
  };
}
