import { percentOf, workProgressText, type WorkCounts } from '../../app/progress/work-progress';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Off a terminal (a log file, CI), a line at every quarter: enough to see it move, few enough to read. */
const SPARSE_STEP = 25;
/** On a terminal, the line is rewritten at most this often (the last one always). */
const TTY_INTERVAL_MS = 100;

/**
 * Progress of long work for the CLI, in the words the app shows (workProgressText, or the text
 * given with the update): on a terminal one line rewritten in place, ended when the work is done;
 * elsewhere a line at 0, 25, 50, 75 and 100% (work counted in steps: a line per step). `label`
 * names the work ("Building the image cache of pets"); call `end()` when it stops early
 * (cancelled or failed) so a terminal's line is ended.
 */
export function progressPrinter(
  label: string,
  stream: ProgressStream = process.stderr,
): { update: (p: WorkCounts, text?: string) => void; end: () => void } {
  let lastAt = 0;
  let lastStep = -1;
  let open = false;
  return {
    update(p, text = workProgressText(p)) {
      const finished = p.done >= p.total;
      if (stream.isTTY) {
        if (finished && !open && lastAt > 0) return;
        const now = Date.now();
        if (!finished && now - lastAt < TTY_INTERVAL_MS) return;
        lastAt = now;
        stream.write(`\r${label}: ${text}\x1b[K${finished ? '\n' : ''}`);
        open = !finished;
        return;
      }
      const step = p.unit === 'steps' ? p.done : Math.floor(percentOf(p) / SPARSE_STEP) * SPARSE_STEP;
      if (step <= lastStep) return;
      lastStep = step;
      stream.write(`${label}: ${text}\n`);
    },
    end() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}
