import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startHost } from '../host/server';
import { createServices, ROOT } from '../services/create-services';
import { UsageError } from './cli-error';

export function defaultWorkspace(): string {
  return process.env.LAYERLAB_WORKSPACE ?? path.join(os.homedir(), 'Layerlab');
}

/** `layerlab host`: the app's services and UI for a browser, until interrupted. */
export async function hostCommand(args: string[], out: (line: string) => void): Promise<number> {
  let values: { port?: string; host?: string; workspace?: string; token?: string; reason?: string };
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' }, workspace: { type: 'string' }, token: { type: 'string' }, reason: { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const port = values.port === undefined ? 5179 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port}".`);
  const workspace = path.resolve(values.workspace ?? defaultWorkspace());
  await mkdir(workspace, { recursive: true });
  const staticDir = path.join(ROOT, 'dist', 'renderer');
  if (!existsSync(path.join(staticDir, 'index.html'))) throw new UsageError('The UI is not built yet: run "npm run build" (npm start does it for you).');

  const services = createServices({ workspace, mode: 'host' });
  services.engine.start().catch((error: unknown) => out(`Training engine failed to start: ${error instanceof Error ? error.message : String(error)}`));
  const options = { dispatch: services.dispatch, bus: services.bus, staticDir, ...(values.host ? { host: values.host } : {}), ...(values.token ? { token: values.token } : {}) };
  const host = await startHost({ ...options, port }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    // The usual port is taken (another Layerlab, say): any free one will do unless one was asked for.
    if (values.port !== undefined) throw new UsageError(`Port ${port} is already in use; choose another with --port.`);
    return startHost({ ...options, port: 0 });
  });
  if (values.reason) out(values.reason);
  out(`Layerlab is running in host mode. Workspace: ${workspace}`);
  out(`Open ${host.url}`);
  out('Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await host.close();
  await services.dispose();
  return 0;
}
