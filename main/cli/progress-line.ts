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
 * Off a terminal, work that ends sooner than this prints nothing: a script's log of a quick
 * `layerlab train` stays clean (an empty stderr means no warning), and long work still shows it moves.
 */
export const QUIET_START_MS = 2000;

/** LAYERLAB_PROGRESS: `always` prints every line off a terminal at once, `never` prints none, else auto. */
export type ProgressMode = 'auto' | 'always' | 'never';

export function progressMode(env: NodeJS.ProcessEnv = process.env): ProgressMode {
  const mode = (env['LAYERLAB_PROGRESS'] ?? '').trim();
  return mode === 'always' || mode === 'never' ? mode : 'auto';
}

/**
 * Progress of long work for the CLI, in the words the app shows (workProgressText, or the text
 * given with the update): on a terminal one line rewritten in place, ended when the work is done;
 * elsewhere, once the work has run QUIET_START_MS, a line at each quarter (work counted in steps:
 * a line per step), the first one saying where it stands. `label` names the work ("Building the
 * image cache of pets"); call `end()` when it stops early (cancelled or failed) so a terminal's
 * line is ended. LAYERLAB_PROGRESS=always|never changes that (progressMode).
 */
export function progressPrinter(
  label: string,
  stream: ProgressStream = process.stderr,
  mode: ProgressMode = progressMode(),
  now: () => number = Date.now,
): { update: (p: WorkCounts, text?: string) => void; end: () => void } {
  const started = now();
  let lastAt = 0;
  let lastStep = -1;
  let open = false;
  let lastPhase: number | null = null;
  return {
    update(p, text = workProgressText(p)) {
      if (mode === 'never') return;
      const finished = p.done >= p.total;
      if (stream.isTTY) {
        // Work in phases (PhaseProgress): a new phase is always shown, however soon it comes.
        const phase = 'index' in p && typeof p.index === 'number' ? p.index : null;
        const newPhase = phase !== lastPhase;
        lastPhase = phase;
        if (finished && !open && lastAt > 0 && !newPhase) return;
        const now = Date.now();
        if (!finished && !newPhase && now - lastAt < TTY_INTERVAL_MS) return;
        lastAt = now;
        stream.write(`\r${label}: ${text}\x1b[K${finished ? '\n' : ''}`);
        open = !finished;
        return;
      }
      if (mode === 'auto' && now() - started < QUIET_START_MS) return;
      const quarter = p.unit === 'steps' ? p.done : Math.floor(percentOf(p) / SPARSE_STEP) * SPARSE_STEP;
      // Work in phases (PhaseProgress) counts each phase from 0 again: a line per quarter of each.
      const step = 'index' in p && typeof p.index === 'number' ? p.index * 1000 + quarter : quarter;
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
