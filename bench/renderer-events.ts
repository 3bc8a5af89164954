/**
 * Renderer responsiveness under a flood of training events:
 * `node --import tsx bench/renderer-events.ts [--epochs 100] [--batch 1] [--template mlp] [--trace FILE] [--profile]`.
 *
 * Issue 5: metric events reach the UI at ≤ 20 per second (the engine throttles them), and the
 * renderer never blocks for more than 50 ms on them. This starts `layerlab host` as a user
 * would (a fresh workspace, a free port), opens the built renderer (dist/renderer: run
 * `npx vite build --config renderer/vite.config.ts` first) in Debian's Chromium with
 * Playwright, imports resources/house-prices.csv through the file input, builds the template
 * model and trains it with a tiny batch, so the engine runs hundreds of steps a second. In the
 * page, a PerformanceObserver records long tasks (> 50 ms on the main thread) and a 10 ms timer
 * records event-loop lag, while a WebSocket wrapper timestamps every run.batch event received.
 * Only the training window is counted: Train clicked → run completed, and 2 s more for what renders at its end.
 * A light Chromium trace of the same window gives each long task's CPU time: on a shared, loaded
 * machine a task also lasts over 50 ms when the OS runs other processes in the middle of it.
 * `--trace FILE` records a detailed trace there (slices and JS samples) and prints, per long
 * task, what it ran: layout, style, paint, GC, and the JS functions with the most samples.
 * The default 100 epochs at batch 1 run long enough for 500+ per-batch points on the chart.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { startHostProcess } from '../tests/e2e/fixtures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CSV = path.join(ROOT, 'resources', 'house-prices.csv');
const LONG_TASK_MS = 50;
const EVENTS_PER_SECOND = 20;
const IDLE_MS = 5000;
/** How long after the run ends its long tasks still count. */
const SETTLE_MS = 2000;

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1' },
    template: { type: 'string', default: 'mlp' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    /** Also print the page's heaviest functions while training (Chrome's sampling profiler). */
    profile: { type: 'boolean', default: false },
    /** Record a Chromium trace of the training window into this file and print what each long task ran. */
    trace: { type: 'string' },
  },
});

/** What the page records (installed before the app's own scripts run). */
interface Probe {
  recording: boolean;
  batchTimes: number[];
  epochTimes: number[];
  longTasks: number[];
  maxLag: number;
  /** Timer lags over LONG_TASK_MS: [when (page clock, ms), how late (ms)]. */
  lags: [number, number][];
  /** When the recorded window began (page clock, ms). */
  since: number;
}

/**
 * The page's globals this probe uses, typed here: the bench compiles with Node's types only
 * (the root tsconfig has no DOM library, so main/ cannot use the DOM by accident).
 */
interface BrowserSocket {
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}
interface PageGlobals {
  __probe: Probe;
  WebSocket: new (...args: unknown[]) => BrowserSocket;
  PerformanceObserver: new (callback: (list: { getEntries(): { duration: number }[] }) => void) => {
    observe(options: { type: string; buffered: boolean }): void;
  };
}

function installProbe(): void {
  const page = globalThis as unknown as PageGlobals; // runs in the page: no closures over bench code
  const probe: Probe = {
    recording: false,
    batchTimes: [],
    epochTimes: [],
    longTasks: [],
    maxLag: 0,
    lags: [],
    since: 0,
  };
  page.__probe = probe;
  new page.PerformanceObserver((list) => {
    if (probe.recording) for (const entry of list.getEntries()) probe.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: false });
  let expected = performance.now() + 10;
  setInterval(() => {
    const now = performance.now();
    if (probe.recording) probe.maxLag = Math.max(probe.maxLag, now - expected);
    if (probe.recording && now - expected > 50) probe.lags.push([now - probe.since, now - expected]);
    expected = now + 10;
  }, 10);
  const Native = page.WebSocket;
  page.WebSocket = class extends Native {
    constructor(...rest: unknown[]) {
      super(...rest);
      this.addEventListener('message', (e) => {
        if (!probe.recording || typeof e.data !== 'string') return;
        if (e.data.includes('"run.batch"')) probe.batchTimes.push(performance.now());
        else if (e.data.includes('"run.epoch"')) probe.epochTimes.push(performance.now());
      });
    }
  };
}

/** A project with house-prices imported, the template model, and the train form filled in. */
async function prepareRun(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('project-name-input').fill('Renderer events bench');
  await page.getByTestId('create-project-button').click();
  await page.getByTestId('csv-file-input').setInputFiles(CSV);
  await page.getByTestId('dataset-summary').filter({ hasText: '400 rows' }).waitFor();
  await page.getByTestId('target-select').selectOption('price_keur');
  await page.getByTestId('nav-model').click();
  await page.getByTestId(`template-${args.template}`).click();
  // A graph already there asks before it is replaced.
  const confirm = page.getByRole('button', { name: /^Replace/ });
  if (await confirm.isVisible().catch(() => false)) await confirm.click();
  await page.getByTestId('graph-issues').filter({ hasText: 'The model is valid' }).waitFor();
  await page.getByTestId('nav-train').click();
  await page.getByTestId('epochs-input').fill(args.epochs);
  await page.getByTestId('batch-size-input').fill(args.batch);
}

/** Most timestamps within any window of `width` ms. */
function densest(times: number[], width: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= width) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time by function, and time including callees for a few names, heaviest first. */
function printProfile(profile: CpuProfile): void {
  const self = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000));
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}`;
    byName.set(key, (byName.get(key) ?? 0) + (self.get(node.id) ?? 0));
  }
  console.log('heaviest functions by self time (ms):');
  for (const [name, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${ms.toFixed(0).padStart(6)}  ${name}`);
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** CPU time of the thread in the slice: less than dur when the OS ran something else meanwhile. */
  tdur?: number;
  pid: number;
  tid: number;
  id?: string;
  args?: {
    name?: string;
    src_file?: string;
    src_func?: string;
    data?: Record<string, unknown> & {
      cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] };
      timeDeltas?: number[];
      startTime?: number;
    };
  };
}
interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

/** A trace slice or profile frame as a person reads it: JS by function and bundle position, the rest by Chromium's name. */
function frameLabel(name: string, url: string, line: number, column: number): string {
  return url ? `${name || '(anonymous)'} ${path.basename(url)}:${line + 1}:${column + 1}` : name;
}

/** The page's main-thread slices from `since` (µs, trace clock), in start order, outer before inner. */
function mainThreadSlices(events: TraceEvent[], since: number): TraceEvent[] {
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const onMain = events.filter(
    (e) => mains.has(`${e.pid}:${e.tid}`) && e.ph === 'X' && e.dur !== undefined && e.ts >= since,
  );
  return onMain.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
}

/** Tasks over LONG_TASK_MS of wall-clock time: the outermost slice only (Chromium nests RunTask in ThreadControllerImpl::RunTask). */
function longTasks(slices: TraceEvent[]): TraceEvent[] {
  const tasks: TraceEvent[] = [];
  for (const e of slices) {
    const last = tasks.at(-1);
    if (
      (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') &&
      e.dur! > LONG_TASK_MS * 1000 &&
      !(last && e.ts < last.ts + last.dur!)
    )
      tasks.push(e);
  }
  return tasks;
}

/** Of the long tasks, those that also ran over LONG_TASK_MS on the CPU, and the most CPU time one of them used (ms). */
function cpuBound(tasks: TraceEvent[]): { busy: number; maxCpu: number } {
  const cpu = tasks.map((t) => (t.tdur ?? t.dur!) / 1000);
  return { busy: cpu.filter((ms) => ms > LONG_TASK_MS).length, maxCpu: Math.max(0, ...cpu) };
}

/**
 * What each long task on the page's main thread ran, from a Chromium trace with the sampling
 * profiler on: self time by trace slice (Layout, UpdateLayoutTree, Paint, GC, FunctionCall...)
 * and the JavaScript functions with the most samples inside it. Times are from `since` (µs).
 */
function describeLongTasks(events: TraceEvent[], since: number): string[] {
  const onMain = mainThreadSlices(events, since);
  // Sampled JS stacks (the profiler's chunks arrive as trace events on the same clock).
  const frames = new Map<number, { parent: number | undefined; label: string }>();
  const samples: { ts: number; node: number }[] = [];
  const clock = new Map<string, number>();
  for (const e of events) {
    const data = e.args?.data;
    if (e.name === 'Profile' && data?.startTime !== undefined) clock.set(`${e.pid}:${e.id}`, data.startTime);
    if (e.name !== 'ProfileChunk' || !data) continue;
    for (const n of data.cpuProfile?.nodes ?? [])
      frames.set(n.id, {
        parent: n.parent,
        label: frameLabel(n.callFrame.functionName, n.callFrame.url, n.callFrame.lineNumber, n.callFrame.columnNumber),
      });
    let t = clock.get(`${e.pid}:${e.id}`) ?? 0;
    (data.cpuProfile?.samples ?? []).forEach((node, i) => {
      t += data.timeDeltas?.[i] ?? 0;
      samples.push({ ts: t, node });
    });
    clock.set(`${e.pid}:${e.id}`, t);
  }
  const lines: string[] = [];
  const tasks = longTasks(onMain);
  for (const task of tasks) {
    const end = task.ts + task.dur!;
    const inside = onMain.filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur! <= end);
    // Self time: each slice's duration less its direct children's.
    const self = new Map<string, number>();
    const stack: { end: number; label: string; self: number }[] = [];
    const pop = (until: number) => {
      while (stack.length > 0 && stack.at(-1)!.end <= until) {
        const top = stack.pop()!;
        self.set(top.label, (self.get(top.label) ?? 0) + top.self);
      }
    };
    for (const e of inside) {
      pop(e.ts);
      const data = e.args?.data;
      const label =
        e.name === 'FunctionCall' && data
          ? `JS ${frameLabel(String(data.functionName ?? ''), String(data.url ?? ''), Number(data.lineNumber ?? 1) - 1, Number(data.columnNumber ?? 1) - 1)}`
          : e.name === 'EventDispatch' && data
            ? `EventDispatch ${String(data.type)}`
            : e.name;
      if (stack.length > 0) stack.at(-1)!.self -= e.dur!;
      stack.push({ end: e.ts + e.dur!, label, self: e.dur! });
    }
    pop(Infinity);
    const js = new Map<string, number>();
    for (const s of samples) {
      if (s.ts < task.ts || s.ts > end) continue;
      const label = frames.get(s.node)?.label ?? '?';
      if (label === '(idle)' || label === '(program)' || label === '(root)') continue;
      js.set(label, (js.get(label) ?? 0) + 1);
    }
    const top = (m: Map<string, number>, n: number, unit: (v: number) => string) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${unit(v)} ${k}`)
        .join('; ');
    const cpu = task.tdur === undefined ? '' : ` (${(task.tdur / 1000).toFixed(0)} ms on the CPU)`;
    // Who posted the task (a timer, the WebSocket, Blink's garbage collector's sweeper...): Chromium's own tasks have no slices inside.
    const fn = task.args?.src_func ?? '';
    const poster = task.args?.src_file
      ? `, posted by ${path.basename(task.args.src_file)} ${/([\w:~]+)\(/.exec(fn)?.[1]?.split('::').slice(-2).join('::') ?? fn}`
      : '';
    lines.push(
      `  +${((task.ts - since) / 1e6).toFixed(2)} s, ${(task.dur! / 1000).toFixed(0)} ms${cpu}${poster}: ${top(self, 6, (v) => `${(v / 1000).toFixed(0)} ms`)}`,
    );
    if (js.size > 0) lines.push(`      JS samples: ${top(js, 6, (v) => `${v}×`)}`);
  }
  return lines;
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html')))
    throw new Error('No built renderer: run `npx vite build --config renderer/vite.config.ts` first.');
  const workspace = await mkdtemp(path.join(os.tmpdir(), 'layerlab-bench-events-'));
  // The same host start-up the end-to-end tests use: `layerlab host` on a free port, its URL read from its output.
  const {
    child,
    fixture: { url },
  } = await startHostProcess(workspace);
  const browser = await chromium.launch({ executablePath: args.chromium, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(installProbe);
    // Frames as the browser's network layer sees them, timed outside the page's main thread: a
    // blocked main thread delivers messages in bursts, which would overstate the engine's rate.
    const frameTimes: number[] = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', (frame) => {
        if (typeof frame.payload === 'string' && frame.payload.includes('"run.batch"'))
          frameTimes.push(performance.now());
      }),
    );
    await prepareRun(page, url);
    // The same page, idle, for as long as IDLE_MS: on a shared machine the scheduler alone makes long tasks.
    await page.evaluate(() => ((globalThis as unknown as PageGlobals).__probe.recording = true));
    await page.waitForTimeout(IDLE_MS);
    const idle = await page.evaluate(() => {
      const p = (globalThis as unknown as PageGlobals).__probe;
      const seen = { longTasks: [...p.longTasks], maxLag: p.maxLag };
      Object.assign(p, { longTasks: [], maxLag: 0, batchTimes: [], epochTimes: [], lags: [] });
      return seen;
    });
    const cdp = args.profile ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    // Always a light trace of every task's wall and CPU time: on a shared machine a task can take
    // over 50 ms of wall-clock time only because the OS ran another process meanwhile.
    const detail = [
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'v8.execute',
      'disabled-by-default-v8.cpu_profiler',
      'blink_gc',
      'cppgc',
      'v8.gc',
    ];
    await browser.startTracing(page, { categories: ['toplevel', 'blink.user_timing', ...(args.trace ? detail : [])] });
    // Starting the tracer or profiler can itself block the page: those tasks are not the app's.
    await page.waitForTimeout(500);
    await page.evaluate(() => {
      Object.assign((globalThis as unknown as PageGlobals).__probe, {
        longTasks: [],
        maxLag: 0,
        batchTimes: [],
        epochTimes: [],
        lags: [],
        since: performance.now(),
      });
      performance.mark('bench-train-clicked');
    });
    const started = Date.now();
    await page.getByTestId('train-button').click();
    await page
      .getByTestId('run-status')
      .filter({ hasText: /completed|failed|cancelled/ })
      .waitFor({ timeout: 600_000 });
    const seconds = (Date.now() - started) / 1000;
    // The end of a run counts too: the summary, the final diagnosis and the evaluation panel render just after.
    await page.waitForTimeout(SETTLE_MS);
    // The probe stops first: handing over a trace or profile blocks the page for a while itself.
    const probe = await page.evaluate(() => {
      const p = (globalThis as unknown as PageGlobals).__probe;
      p.recording = false;
      return p;
    });
    if (cdp) printProfile((await cdp.send('Profiler.stop')).profile);
    const trace = await browser.stopTracing();
    const events = (JSON.parse(trace.toString()) as { traceEvents: TraceEvent[] }).traceEvents;
    const clicked = events.find((e) => e.name === 'bench-train-clicked')?.ts ?? 0;
    const traced = cpuBound(longTasks(mainThreadSlices(events, clicked)));
    const status = (await page.getByTestId('run-status').textContent())?.trim() ?? '';
    const counter = (await page.getByTestId('epoch-counter').textContent())?.trim() ?? '';
    const drawn = await page.getByTestId('loss-chart').getAttribute('data-batch-points');
    const longest = probe.longTasks.length > 0 ? Math.max(...probe.longTasks) : 0;
    const rate = frameTimes.length / seconds;
    const peak = densest(frameTimes, 1000);
    const pagePeak = densest(probe.batchTimes, 1000);
    const allPeak = densest(
      [...probe.batchTimes, ...probe.epochTimes].sort((a, b) => a - b),
      1000,
    );
    console.log(
      `house-prices (320 training rows), ${args.template} template, batch ${args.batch}, ${args.epochs} epochs: ${status} (${counter}) in ${seconds.toFixed(1)} s (load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
    );
    console.log(
      `per-batch points: ${probe.batchTimes.length} reached the page (the store thins the older half beyond 1,500); the loss chart draws ${drawn ?? '?'} of them`,
    );
    console.log(
      `run.batch events: ${frameTimes.length} frames (${rate.toFixed(1)}/s on average, at most ${peak} in any 1 s); seen by the page's main thread: ${probe.batchTimes.length}, at most ${pagePeak} in any 1 s (${allPeak} with run.epoch)`,
    );
    console.log(
      `main-thread long tasks (> ${LONG_TASK_MS} ms) while training: ${probe.longTasks.length}; longest ${longest.toFixed(0)} ms (the ten longest: ${[
        ...probe.longTasks,
      ]
        .sort((x, y) => y - x)
        .slice(0, 10)
        .map((d) => d.toFixed(0))
        .join(', ')}); worst 10 ms-timer lag ${probe.maxLag.toFixed(0)} ms`,
    );
    if (probe.lags.length > 0)
      console.log(
        `10 ms-timer lags over 50 ms: ${probe.lags.length} (at s after the Train click, ms late: ${probe.lags
          .slice(0, 12)
          .map(([t, lag]) => `${(t / 1000).toFixed(1)}: ${lag.toFixed(0)}`)
          .join(', ')})`,
      );
    const idleLongest = idle.longTasks.length > 0 ? Math.max(...idle.longTasks) : 0;
    console.log(
      `the same page idle for ${IDLE_MS / 1000} s before: ${idle.longTasks.length} long tasks, longest ${idleLongest.toFixed(0)} ms; worst timer lag ${idle.maxLag.toFixed(0)} ms`,
    );
    console.log(
      `the same long tasks by CPU time (Chromium trace): ${traced.busy} ran over ${LONG_TASK_MS} ms on the CPU; the most CPU one task used: ${traced.maxCpu.toFixed(0)} ms (the rest of their wall-clock time the main thread waited for a core)`,
    );
    console.log(
      `targets: batch events ≤ ${EVENTS_PER_SECOND}/s ${peak <= EVENTS_PER_SECOND ? 'met' : 'NOT met'}; no main-thread task over ${LONG_TASK_MS} ms ${probe.longTasks.length === 0 ? 'met' : 'NOT met'} by wall clock, ${traced.busy === 0 ? 'met' : 'NOT met'} by CPU time`,
    );
    if (args.trace) {
      await writeFile(args.trace, trace);
      console.log(
        `what the long tasks ran (trace in ${args.trace}; this detailed tracing itself slows the page; times from the Train click; self time by slice, then JS samples at 1 per ~0.1 ms):`,
      );
      for (const line of describeLongTasks(events, clicked)) console.log(line);
    }
    if (!/completed/.test(status)) process.exitCode = 1;
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    await rm(workspace, { recursive: true, force: true });
  }
}

await main();
