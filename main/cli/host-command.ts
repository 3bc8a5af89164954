import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isLoopback, startHost, tokenProblem, type RunningHost } from '../host/server';
import { createServices, ROOT } from '../services/create-services';
import { defaultWorkspace } from '../services/default-workspace';
import { UsageError } from './cli-error';

export interface HostFlags {
  port: number;
  /** Whether --port was given (then a taken port is an error, not a reason to pick another). */
  portGiven: boolean;
  host?: string;
  workspace?: string;
  token?: string;
  reason?: string;
  /** --data-root, repeatable: absolute folders besides the workspace whose files a browser may name by path. */
  dataRoots: string[];
}

/** Reads `layerlab host`'s flags; a UsageError naming the flag for anything it can't use. */
export function parseHostFlags(args: string[]): HostFlags {
  let values: {
    port?: string;
    host?: string;
    workspace?: string;
    token?: string;
    reason?: string;
    'data-root'?: string[];
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        workspace: { type: 'string' },
        token: { type: 'string' },
        reason: { type: 'string' },
        'data-root': { type: 'string', multiple: true },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const port = values.port === undefined ? 5179 : Number(values.port);
  if (values.port?.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number, not "${values.port}".`);
  if (values.host !== undefined && values.host.trim() === '')
    throw new UsageError('--host needs an address, such as 127.0.0.1.');
  if (values.token !== undefined) {
    const problem = tokenProblem(values.token);
    if (problem) throw new UsageError(`--token ${problem}.`);
  }
  const dataRoots = (values['data-root'] ?? []).map((dir) => {
    if (dir.trim() === '') throw new UsageError('--data-root needs a folder.');
    const resolved = path.resolve(dir);
    const info = statSync(resolved, { throwIfNoEntry: false });
    if (!info?.isDirectory()) throw new UsageError(`--data-root ${dir}: ${info ? 'not a folder' : 'no such folder'}.`);
    return resolved;
  });
  return {
    port,
    portGiven: values.port !== undefined,
    dataRoots,
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.workspace !== undefined ? { workspace: values.workspace } : {}),
    ...(values.token !== undefined ? { token: values.token } : {}),
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
  };
}

/**
 * What the host prints once listening: the URL to open and, when the server listens on more than
 * this machine's loopback, the real address and a warning saying so.
 */
export function hostStartLines(
  host: Pick<RunningHost, 'url' | 'address' | 'port' | 'token'>,
  workspace: string,
  dataRoots: readonly string[] = [],
): string[] {
  const lines = [`Layerlab is running in host mode. Workspace: ${workspace}`];
  if (dataRoots.length > 0) lines.push(`Data folders a browser may name by path: ${dataRoots.join(', ')}`);
  lines.push(`Open ${host.url}`);
  if (!isLoopback(host.address)) {
    const wildcard = host.address === '0.0.0.0' || host.address === '::';
    const shown = host.address.includes(':') ? `[${host.address}]` : host.address;
    lines.push(
      `WARNING: listening on ${shown}:${host.port}${wildcard ? ' (every network interface)' : ''}, not only on this machine: ` +
        'anyone who can reach this address over the network can reach the server, and the token is all that keeps them out. ' +
        'Traffic is plain HTTP (unencrypted). Use --host 127.0.0.1 with an SSH tunnel instead unless you trust the network.',
    );
    if (!wildcard) lines.push(`From another machine: http://${shown}:${host.port}/?token=${host.token}`);
  }
  lines.push('Press Ctrl+C to stop.');
  return lines;
}

/** `layerlab host`: the app's services and UI for a browser, until interrupted. */
export async function hostCommand(args: string[], out: (line: string) => void): Promise<number> {
  const values = parseHostFlags(args);
  const port = values.port;
  const workspace = path.resolve(values.workspace ?? defaultWorkspace());
  await mkdir(workspace, { recursive: true });
  const staticDir = path.join(ROOT, 'dist', 'renderer');
  if (!existsSync(path.join(staticDir, 'index.html')))
    throw new UsageError('The UI is not built yet: run "npm run build" (npm start does it for you).');

  const services = createServices({ workspace, mode: 'host', dataRoots: values.dataRoots });
  services.engine
    .start()
    .catch((error: unknown) =>
      out(`Training engine failed to start: ${error instanceof Error ? error.message : String(error)}`),
    );
  const options = {
    dispatch: services.dispatch,
    bus: services.bus,
    staticDir,
    files: { workspace, dataRoots: values.dataRoots },
    ...(values.host ? { host: values.host } : {}),
    ...(values.token ? { token: values.token } : {}),
  };
  const host = await startHost({ ...options, port }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    // The usual port is taken (another Layerlab, say): any free one will do unless one was asked for.
    if (values.portGiven) throw new UsageError(`Port ${port} is already in use; choose another with --port.`);
    return startHost({ ...options, port: 0 });
  });
  if (values.reason) out(values.reason);
  for (const line of hostStartLines(host, workspace, values.dataRoots)) out(line);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await host.close();
  await services.dispose();
  return 0;
}
