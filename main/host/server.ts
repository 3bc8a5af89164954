import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_IMPORT_TEXT } from '../../app/ipc/contract';
import type { WireMessage, WireRequest } from '../../app/ipc/bridge';
import type { Dispatch } from '../ipc/dispatch';
import type { EventBus } from '../ipc/event-bus';
import { CONTENT_SECURITY_POLICY } from './csp';
import { createFileApi } from './file-api';
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
  /** Per-launch secret; random when not given. A given one must pass tokenProblem. */
  token?: string;
  /**
   * The file API (uploads, the server-side file browser, downloads; main/host/file-api.ts): the
   * workspace and the --data-root folders it may use. Without it the host serves no /api/ routes.
   */
  files?: { workspace: string; dataRoots?: readonly string[] };
  /** Where the host reports what it refused or dropped (a bad WebSocket frame, say); stderr by default. */
  log?: (line: string) => void;
}

export interface RunningHost {
  /** The URL to open, carrying the token: it sets the cookie and redirects to appUrl. */
  url: string;
  origin: string;
  /**
   * Where the app lives once the token is traded: `${origin}/s/<key>/` (appPrefix). The page, its
   * WebSocket (`ws`) and the file API (`api/…`) are all under it, and so is the cookie's Path.
   */
  appUrl: string;
  /** `/s/<key>/`: the path every cookie-authenticated request must start with. */
  appPrefix: string;
  token: string;
  port: number;
  /**
   * The Cookie header a browser holds after the token exchange (`name=value`): the value is this
   * port's session key, not the token. For tests and scripts that act as that browser.
   */
  cookie: string;
  /** The address the server listens on, as bound (0.0.0.0 when every interface). */
  address: string;
  close(): Promise<void>;
}

/** Shortest token a user may choose with --token: the token is the only lock on the host. */
export const MIN_TOKEN_LENGTH = 16;

/** Why a chosen token is not good enough, or null. It travels in a URL and a cookie, so only URL-safe characters. */
export function tokenProblem(token: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH)
    return `must be at least ${MIN_TOKEN_LENGTH} characters long (it is the only thing that keeps others out); leave it out to get a random one`;
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) return 'may only contain letters, digits and . _ ~ -';
  return null;
}

/**
 * The cookie's name carries the port: browsers send cookies to every port of a host, so with one
 * name a second host on 127.0.0.1 would overwrite the first one's cookie and log it out.
 */
export function cookieName(port: number): string {
  return `layerlab_token_${port}`;
}

/**
 * What the cookie carries: a key derived from the token and bound to the port, never the token.
 * Browsers send a 127.0.0.1 cookie to every port, so another local server sees it; it cannot be
 * traded at ?token= (here or on any other host), and it opens the WebSocket only together with
 * this host's Origin.
 */
export function sessionKey(token: string, port: number): string {
  return createHmac('sha256', token).update(`layerlab-session:${port}`).digest('base64url');
}

/**
 * The secret part of the app's path (`/s/<key>/`), derived from the token and the port like the
 * cookie but with its own label, so the URL in the address bar is not the cookie. The cookie's
 * Path is this prefix: a browser sends it to no other path, so another server on 127.0.0.1 (any
 * port) sees it only if the page is sent there under this secret path, which it cannot know.
 */
export function appPathKey(token: string, port: number): string {
  return createHmac('sha256', token).update(`layerlab-app-path:${port}`).digest('base64url');
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) ||
    /^::ffff:127\./.test(bare)
  );
}

/** Where a redirect may go: a path on this origin with exactly one leading '/', never '//host' or a scheme. */
export function sameOriginPath(pathname: string): string {
  return `/${pathname.replace(/^[/\\]+/, '')}`;
}

/** The request's URL, or null when it can't be parsed ("//[" throws, and must not end the process). */
function requestUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

const hostPart = (host: string) => (host.includes(':') ? `[${host}]` : host);

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `Authorization: Bearer TOKEN` (scripts and tests); null without one. */
function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

function cookieToken(header: string | undefined, cookie: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookie) return value.join('=');
  }
  return null;
}

/**
 * Host mode: the same main-side services Electron runs, served to a browser over HTTP and a
 * WebSocket. Every request needs the per-launch token: a browser brings it once in the URL and
 * trades it for a cookie named for the port, whose Path is the app's secret prefix `/s/<key>/`
 * (appPathKey); the page, its WebSocket and the file API live under that prefix and the cookie
 * counts nowhere else. Scripts use the token itself (`/ws?token=`, `Authorization: Bearer`).
 * The WebSocket also checks its Origin so another site open in the browser can't
 * drive it. A browser always sends Origin on a WebSocket upgrade, so one that is present must be
 * this host's own (http://127.0.0.1:PORT, http://localhost:PORT, or the bound address). An
 * upgrade without Origin comes from a non-browser client (the CLI, tests, scripts): those are
 * let in on the token alone, which they can only have been given by whoever started the host.
 * A malformed WebSocket frame closes that one socket (with the code the protocol asks for)
 * and is logged; the host keeps serving.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  if (options.token !== undefined) {
    const problem = tokenProblem(options.token);
    if (problem) throw new Error(`The host token ${problem}.`);
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const log = options.log ?? ((line: string) => console.error(line));
  const staticDir = path.resolve(options.staticDir);
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    throw new Error(
      `The UI is not built (${path.join(staticDir, 'index.html')} is missing). Run "npm run build" first.`,
    );
  }
  const bindHost = options.host ?? '127.0.0.1';
  const allowedOrigins = new Set<string>();
  // Set once listening; no request is handled before that.
  let cookie = cookieName(0);
  let session = '';
  let pathKey = '';
  let prefix = '/';

  /**
   * Splits `/s/<key>/rest` into the rest (`/rest`, always starting with '/'), or null when the
   * path is not under this host's app prefix. The key is compared in constant time.
   */
  const inApp = (pathname: string): string | null => {
    const match = /^\/s\/([^/]+)(\/.*)$/.exec(pathname);
    return match && safeEqual(match[1]!, pathKey) ? match[2]! : null;
  };

  const byCookie = (req: http.IncomingMessage) => {
    const given = cookieToken(req.headers.cookie, cookie);
    return given !== null && safeEqual(given, session);
  };
  const byToken = (given: string | null) => given !== null && safeEqual(given, token);

  const fileApi = options.files ? createFileApi(options.files) : null;

  const server = http.createServer(async (req, res) => {
    const url = requestUrl(req);
    const common = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
    if (!url) {
      res.writeHead(400, { ...common, 'Content-Type': 'text/plain; charset=utf-8' }).end('Bad request.\n');
      return;
    }
    // Under the app's secret prefix, the cookie (whose Path is that prefix) or the token itself;
    // anywhere else the token alone (scripts, the CLI, the ?token= exchange), never the cookie.
    const rest = inApp(url.pathname);
    const apiPath = rest ?? url.pathname;
    if (fileApi && apiPath.startsWith('/api/')) {
      // The token (cookie or header) and, when a browser sends one, this host's own Origin: the
      // cookie is SameSite=Strict already, the Origin check keeps other local pages out as well.
      // The token is not taken from the query here, so an /api/ address is never a credential.
      const origin = req.headers.origin;
      if (
        !((rest !== null && byCookie(req)) || byToken(bearer(req.headers.authorization))) ||
        (origin !== undefined && !allowedOrigins.has(origin))
      ) {
        res
          .writeHead(403, { ...common, 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' })
          .end(JSON.stringify({ error: 'Layerlab: this request needs the host token (open the URL it printed).' }));
        return;
      }
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      // The file API sees the path without the prefix (its messages never echo the key).
      await fileApi.handle(req, res, new URL(`${apiPath}${url.search}`, 'http://localhost'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...common, 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed.\n');
      return;
    }
    if (byToken(url.searchParams.get('token'))) {
      // Trade the token in the address bar for a cookie scoped to the app's prefix, then drop it
      // from the URL: the redirect goes to the same path under the prefix, on this origin.
      res
        .writeHead(303, {
          ...common,
          'Set-Cookie': `${cookie}=${session}; HttpOnly; SameSite=Strict; Path=${prefix}`,
          Location: `${prefix.slice(0, -1)}${sameOriginPath(rest ?? url.pathname)}`,
        })
        .end();
      return;
    }
    if (rest === null && inApp(`${url.pathname}/`) === '/') {
      // `/s/<key>` without its slash (the cookie's Path does not cover it): the page's relative
      // URLs need the slash. Only for the right key, which the asker already knows.
      res.writeHead(308, { ...common, Location: prefix }).end();
      return;
    }
    if (rest === null || !(byCookie(req) || byToken(bearer(req.headers.authorization)))) {
      res
        .writeHead(403, { ...common, 'Content-Type': 'text/plain; charset=utf-8' })
        .end(
          'Layerlab: this address needs the token printed when the host started. Open the full URL from the terminal.\n',
        );
      return;
    }
    const found = await resolveStatic(staticDir, rest);
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

  server.on('upgrade', (req, socket: Socket, head) => {
    // A peer that resets mid-handshake must not take the process down.
    socket.on('error', () => socket.destroy());
    const url = requestUrl(req);
    const origin = req.headers.origin;
    // The token itself (CLI, scripts) with no Origin or this host's; the cookie only with this
    // host's Origin, which every browser sends on an upgrade: a cookie that leaked to another
    // local server is not enough alone.
    // The cookie counts only under the app's prefix (the page's own `ws`, relative to it); the
    // token at /ws or under the prefix.
    const ownOrigin = origin !== undefined && allowedOrigins.has(origin);
    const rest = url ? inApp(url.pathname) : null;
    if (
      !url ||
      (rest ?? url.pathname) !== '/ws' ||
      !(
        (byToken(url.searchParams.get('token')) && (origin === undefined || ownOrigin)) ||
        (rest !== null && byCookie(req) && ownOrigin)
      )
    ) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('error', (error) => log(`Layerlab host: WebSocket server error: ${error.message}`));
  wss.on('connection', (ws, req: http.IncomingMessage) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // ws reports a malformed frame (bad UTF-8, reserved bits, an unmasked frame, an unknown
    // opcode, a bad close code, too large a payload) here and has already started closing the
    // socket with the matching code (1002, 1007, 1009): it sends the close frame, then ends the
    // connection. Without a listener the error would be thrown and end the process.
    ws.on('error', (error: Error & { code?: string }) => {
      log(
        `Layerlab host: closed a WebSocket from ${req.socket.remoteAddress ?? '?'}: ${error.message}${error.code ? ` (${error.code})` : ''}`,
      );
    });
    ws.on('message', async (data) => {
      let request: Partial<WireRequest>;
      try {
        request = JSON.parse(data.toString()) as Partial<WireRequest>;
      } catch {
        return; // not JSON: nothing to answer to
      }
      if (request?.type !== 'invoke' || typeof request.id !== 'number') return;
      try {
        const result = await options.dispatch(request.channel, request.input);
        send(ws, { type: 'result', id: request.id, result });
      } catch (error) {
        log(
          `Layerlab host: ${String(request.channel)} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
  });
  const unsubscribe = options.bus.subscribe((event, payload) => {
    for (const ws of sockets) send(ws, { type: 'event', event, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  cookie = cookieName(port);
  session = sessionKey(token, port);
  pathKey = appPathKey(token, port);
  prefix = `/s/${pathKey}/`;
  const wildcard = bindHost === '0.0.0.0' || bindHost === '::';
  const shownHost = wildcard ? '127.0.0.1' : bindHost;
  const origin = `http://${hostPart(shownHost)}:${port}`;
  allowedOrigins.add(origin);
  allowedOrigins.add(`http://localhost:${port}`);
  allowedOrigins.add(`http://127.0.0.1:${port}`);
  allowedOrigins.add(`http://[::1]:${port}`);
  if (wildcard) {
    // Reachable on every interface: a browser on another machine comes in by one of their addresses.
    for (const entries of Object.values(os.networkInterfaces())) {
      for (const entry of entries ?? []) allowedOrigins.add(`http://${hostPart(entry.address)}:${port}`);
    }
  }

  return {
    url: `${origin}/?token=${token}`,
    origin,
    appUrl: `${origin}${prefix}`,
    appPrefix: prefix,
    token,
    port,
    cookie: `${cookie}=${session}`,
    address,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
