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
 * echoed to stderr when LAYERLAB_DEBUG is set, and the last lines explain a crash.
 */
export function forkSpawner(entry: string = defaultEngineEntry()): EngineSpawner {
  return (env) => {
    const child = fork(entry, [], {
      execArgv: entry.endsWith('.ts') ? ['--import', tsxLoaderUrl()] : [],
      env: { ...process.env, ...env },
      serialization: 'json',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const outputListeners: Array<(line: string) => void> = [];
    const echo = Boolean(process.env['LAYERLAB_DEBUG']);
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        if (echo) process.stderr.write(chunk);
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) outputListeners.forEach((l) => l(line));
      });
    }
    let exited = false;
    const exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
    const fireExit = (code: number | null, signal: string | null) => {
      if (exited) return;
      exited = true;
      exitListeners.forEach((l) => l(code, signal));
    };
    child.on('exit', (code, signal) => fireExit(code, signal));
    // A process that could not be spawned at all emits 'error' and maybe never 'exit'.
    child.on('error', (error) => {
      outputListeners.forEach((l) => l(error.message));
      if (child.exitCode === null && child.signalCode === null && child.pid === undefined) fireExit(null, null);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        // A send that fails because the child just died is not an error here: 'exit' reports it.
        if (child.connected) child.send(message as object, () => undefined);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => exitListeners.push(listener),
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill();
      },
      onOutput: (listener) => outputListeners.push(listener),
    };
  };
}
