import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * How EngineClient talks to an engine process, whatever started it: child_process.fork in host
 * mode, the CLI and tests; Electron's utilityProcess in the app (main/electron/utility-engine.ts).
 * No TensorFlow.js here: this runs in the main process.
 */
export interface EngineChannel {
  readonly pid: number | undefined;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process is gone, with its exit code or the signal that killed it. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
  /** The engine's own stdout/stderr lines, where the transport can capture them. */
  onOutput?(listener: (line: string) => void): void;
}

/** Starts one engine process; `env` is added to the parent's environment. */
export type EngineSpawner = (env: Record<string, string>) => EngineChannel;

/**
 * The engine's entry beside the running code (`from`, its module URL): compiled, engine.cjs of
 * the same build (dist/node, scripts/build-node.mjs; dist/electron); from the TypeScript sources
 * under tsx (tests, benches), ../process/engine-main.ts, which forkSpawner runs through tsx too.
 */
export function defaultEngineEntry(from: string = import.meta.url): string {
  return fileURLToPath(new URL(from.endsWith('.ts') ? '../process/engine-main.ts' : './engine.cjs', from));
}

function tsxLoaderUrl(): string {
  // An absolute URL, not the bare name "tsx": --import resolves bare names from the working
  // directory, and the CLI may run anywhere.
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/**
 * child_process.fork of the engine entry. The engine's output is captured, not inherited: the
 * CLI's stdout and stderr belong to the user, and TensorFlow.js likes to print notices. It is
 * echoed to stderr when LAYERLAB_DEBUG is set, and the last lines explain a crash. What the
 * engine sends or prints, and its exit, before anyone listens are kept and handed to the first
 * listener: a channel opened early (prestartEngine) is listened to only once a client adopts it.
 */
function openChannel(entry: string, env: Record<string, string>): EngineChannel & { readonly exited: boolean } {
  const child = fork(entry, [], {
    execArgv: entry.endsWith('.ts') ? ['--import', tsxLoaderUrl()] : [],
    env: { ...process.env, ...env },
    serialization: 'json',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const outputListeners: Array<(line: string) => void> = [];
  const earlyLines: string[] = [];
  const output = (line: string) =>
    outputListeners.length > 0 ? outputListeners.forEach((l) => l(line)) : earlyLines.push(line);
  const echo = Boolean(process.env['LAYERLAB_DEBUG']);
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      if (echo) process.stderr.write(chunk);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(output);
    });
  }
  const messageListeners: Array<(message: unknown) => void> = [];
  const earlyMessages: unknown[] = [];
  child.on('message', (message) =>
    messageListeners.length > 0 ? messageListeners.forEach((l) => l(message)) : earlyMessages.push(message),
  );
  let exit: { code: number | null; signal: string | null } | null = null;
  const exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
  const fireExit = (code: number | null, signal: string | null) => {
    if (exit) return;
    exit = { code, signal };
    exitListeners.forEach((l) => l(code, signal));
  };
  child.on('exit', (code, signal) => fireExit(code, signal));
  // A process that could not be spawned at all emits 'error' and maybe never 'exit'.
  child.on('error', (error) => {
    output(error.message);
    if (child.exitCode === null && child.signalCode === null && child.pid === undefined) fireExit(null, null);
  });
  return {
    get pid() {
      return child.pid;
    },
    get exited() {
      return exit !== null;
    },
    send: (message) => {
      // A send that fails because the child just died is not an error here: 'exit' reports it.
      if (child.connected) child.send(message as object, () => undefined);
    },
    onMessage: (listener) => {
      messageListeners.push(listener);
      earlyMessages.splice(0).forEach((m) => listener(m));
    },
    onExit: (listener) => {
      exitListeners.push(listener);
      if (exit) listener(exit.code, exit.signal);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
    onOutput: (listener) => {
      outputListeners.push(listener);
      earlyLines.splice(0).forEach((line) => listener(line));
    },
  };
}

/** An engine process started before anyone asked for one (prestartEngine), until a spawner adopts it. */
let prestarted: { entry: string; env: string; channel: ReturnType<typeof openChannel> } | null = null;

/**
 * Starts the engine process now, for the next forkSpawner call (of the same entry and extra
 * environment) to adopt instead of forking one then. The CLI calls this first thing for the
 * commands that train: the engine then loads TensorFlow.js and starts its threads on the other
 * core while the CLI loads the command's code and imports the data, instead of after (the
 * engine is ready about 0.4 s sooner in a whole job). One not adopted is stopped by
 * discardPrestartedEngine. Returns the process id.
 */
export function prestartEngine(
  env: Record<string, string> = {},
  entry: string = defaultEngineEntry(),
): number | undefined {
  prestarted ??= { entry, env: JSON.stringify(env), channel: openChannel(entry, env) };
  return prestarted.channel.pid;
}

/** Stops a prestarted engine nobody adopted (the command ended before it needed one). */
export function discardPrestartedEngine(): void {
  prestarted?.channel.kill();
  prestarted = null;
}

/** child_process.fork of the engine entry (openChannel), or the prestarted process when it matches and still runs. */
export function forkSpawner(entry: string = defaultEngineEntry()): EngineSpawner {
  return (env) => {
    const early = prestarted;
    if (early && early.entry === entry && early.env === JSON.stringify(env)) {
      prestarted = null;
      if (!early.channel.exited) return early.channel;
    }
    return openChannel(entry, env);
  };
}
