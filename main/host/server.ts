import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_IMPORT_TEXT } from '../../app/ipc/contract';
import type { WireMessage, WireRequest } from '../../app/ipc/bridge';
import type { Dispatch } from '../ipc/dispatch';
import type { EventBus } from '../ipc/event-bus';
import { CONTENT_SECURITY_POLICY } from './csp';
import { resolveStatic, streamFile } from './static-files';

export interface HostOptions {
  dispatch: Dispatch;
  bus: EventBus;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** 127.0.0.1 unless the user asks otherwise: the host is for this machine. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Per-launch secret; random when not given. */
  token?: string;
}

export interface RunningHost {
  /** The URL to open, carrying the token. */
  url: string;
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const COOKIE = 'layerlab_token';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return null;
}

/**
 * Host mode: the same main-side services Electron runs, served to a browser over HTTP and a
 * WebSocket. Every request needs the per-launch token (from the URL once, then a cookie);
 * the WebSocket also checks its Origin so another site open in the browser can't drive it.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const staticDir = path.resolve(options.staticDir);
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    throw new Error(`The UI is not built (${path.join(staticDir, 'index.html')} is missing). Run "npm run build" first.`);
  }
  const bindHost = options.host ?? '127.0.0.1';
  const allowedOrigins = new Set<string>();

  const authorized = (req: http.IncomingMessage, url: URL) => {
    const given = url.searchParams.get('token') ?? cookieToken(req.headers.cookie);
    return given !== null && safeEqual(given, token);
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const common = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...common, 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed.\n');
      return;
    }
    if (!authorized(req, url)) {
      res.writeHead(403, { ...common, 'Content-Type': 'text/plain; charset=utf-8' }).end('Layerlab: this address needs the token printed when the host started. Open the full URL from the terminal.\n');
      return;
    }
    if (url.searchParams.has('token')) {
      // Trade the token in the address bar for a cookie, then drop it from the URL.
      res.writeHead(303, {
        ...common,
        'Set-Cookie': `${COOKIE}=${url.searchParams.get('token')}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname,
      }).end();
      return;
    }
    const found = await resolveStatic(staticDir, url.pathname);
    if (!found) {
      res.writeHead(404, { ...common, 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found.\n');
      return;
    }
    res.writeHead(200, {
      ...common,
      'Content-Type': found.type,
      'Content-Length': found.size,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': found.file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600',
    });
    if (req.method === 'HEAD') res.end();
    else streamFile(found.file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_IMPORT_TEXT * 2 + 1024 * 1024 });
  const sockets = new Set<WebSocket>();
  const send = (ws: WebSocket, message: WireMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    if (url.pathname !== '/ws' || !authorized(req, url) || (origin !== undefined && !allowedOrigins.has(origin))) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', async (data) => {
      let request: Partial<WireRequest>;
      try {
        request = JSON.parse(data.toString()) as Partial<WireRequest>;
      } catch {
        return; // not JSON: nothing to answer to
      }
      if (request?.type !== 'invoke' || typeof request.id !== 'number') return;
      const result = await options.dispatch(request.channel, request.input);
      send(ws, { type: 'result', id: request.id, result });
    });
  });
  const unsubscribe = options.bus.subscribe((event, payload) => {
    for (const ws of sockets) send(ws, { type: 'event', event, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;
  const origin = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  allowedOrigins.add(origin);
  allowedOrigins.add(`http://localhost:${port}`);
  allowedOrigins.add(`http://127.0.0.1:${port}`);

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
