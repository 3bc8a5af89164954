import * as tf from '@tensorflow/tfjs';
import { EngineEvent } from '../../../app/engine/protocol';
import { formatZodError } from '../../../app/ipc/errors';
import { selectBackend } from './backend';
import { EngineService } from './engine-service';

/**
 * The engine process entry: owns TensorFlow.js, takes requests from its parent, answers with
 * events. Two transports: process.send / 'message' when forked (host mode, CLI, tests), and
 * process.parentPort when Electron starts it as a utilityProcess. No top-level await: Electron
 * loads this bundled as CommonJS.
 */

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

interface Link {
  send(event: EngineEvent): void;
  onMessage(listener: (message: unknown) => void): void;
}

function parentLink(): Link {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: (event) => port.postMessage(event),
      onMessage: (listener) => port.on('message', (e) => listener(e.data)),
    };
  }
  if (!process.send) {
    console.error('engine-main.ts runs as a child process (EngineClient starts it); it has no parent to talk to.');
    process.exit(2);
  }
  // The parent is gone: nobody can use our results, so don't linger as an orphan.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (event) => {
      try {
        process.send?.(event);
      } catch {
        // The channel closed under us; 'disconnect' ends the process.
      }
    },
    onMessage: (listener) => process.on('message', listener),
  };
}

/** Infinity and NaN don't survive JSON and fail the protocol's number checks: send null. */
function finiteNumbers<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  ) as T;
}

function main(): void {
  const link = parentLink();
  // Only protocol-shaped events leave this process: a malformed one would be dropped by the
  // client, so report it as what it is (an engine bug) instead.
  const send = (event: EngineEvent) => {
    const checked = EngineEvent.safeParse(finiteNumbers(event));
    link.send(
      checked.success
        ? checked.data
        : {
            type: 'error',
            error: formatZodError(checked.error, `The engine produced an invalid "${event.type}" event`),
          },
    );
  };
  let service: EngineService | null = null;
  const early: unknown[] = [];
  // Listen before the backend is chosen so nothing sent meanwhile is lost.
  link.onMessage((message) => (service ? service.handle(message) : early.push(message)));

  const report = (error: unknown) =>
    send({
      type: 'error',
      error: `The training engine hit an unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    });
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);

  // PROD mode skips tfjs' debug checks and its console notices (the parent captures our output).
  tf.enableProdMode();
  selectBackend().then(
    (backend) => {
      service = new EngineService(send, backend);
      send({ type: 'ready', backend });
      for (const message of early.splice(0)) service.handle(message);
    },
    (error: unknown) => {
      send({ type: 'error', error: error instanceof Error ? error.message : String(error) });
      // Give the message a moment to leave before exiting.
      setTimeout(() => process.exit(1), 100);
    },
  );
}

main();
