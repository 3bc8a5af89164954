import { utilityProcess } from 'electron';
import type { EngineChannel, EngineSpawner } from '../engine/client/engine-channel';

/**
 * Electron runs the engine as a utilityProcess (a Node child the OS can kill without taking
 * the window); host mode and the CLI use child_process.fork. Both look alike to EngineClient.
 */
export function utilityProcessSpawner(entry: string): EngineSpawner {
  return (env) => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'Layerlab engine',
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    const channel: EngineChannel = {
      get pid() {
        return child.pid;
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', (code) => listener(code, null)),
      kill: () => void child.kill(),
    };
    return channel;
  };
}
