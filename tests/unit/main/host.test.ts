import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { appPathKey, cookieName, sessionKey, startHost, type RunningHost } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services/create-services';

let tmp: string;
let services: Services;
let host: RunningHost;
let staticDir: string;
const logged: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-host-test-'));
  staticDir = path.join(tmp, 'static');
  await mkdir(staticDir);
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Layerlab</title>');
  await writeFile(path.join(staticDir, 'app.js'), 'console.log(1);\n//# sourceMappingURL=app.js.map\n');
  await writeFile(
    path.join(staticDir, 'app.js.map'),
    JSON.stringify({ version: 3, sources: ['app.ts'], sourcesContent: ['secret source'], mappings: '' }),
  );
  await writeFile(path.join(tmp, 'secret.txt'), 'outside the static folder');
  services = createServices({ workspace: path.join(tmp, 'ws'), mode: 'host' });
  host = await startHost({
    dispatch: services.dispatch,
    bus: services.bus,
    staticDir,
    log: (line) => logged.push(line),
  });
});

afterAll(async () => {
  await host.close();
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, redirect: 'manual' });

function connect(headers: Record<string, string>, to: RunningHost = host): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // The page's WebSocket, next to it under the app's prefix (renderer: hostSocketUrl).
    const ws = new WebSocket(`${to.appUrl.replace('http', 'ws')}ws`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function invoke(
  ws: WebSocket,
  id: number,
  channel: string,
  input: unknown,
): Promise<{ ok: boolean; value?: unknown; error?: string }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'result' && message.id === id) {
        ws.off('message', onMessage);
        resolve(message.result);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'invoke', id, channel, input }));
  });
}

/** A GET with the path sent exactly as written (fetch would normalize "/./" and "//"). */
function rawGet(port: number, rawPath: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: rawPath, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', reject);
  });
}

const mask = (payload: number[], key = [0x11, 0x22, 0x33, 0x44]) => [...key, ...payload.map((b, i) => b ^ key[i % 4]!)];
const text = (s: string) => [...Buffer.from(s)];

/** The six frames of issue 13, each with the close code the protocol asks for. */
const BAD_FRAMES: Array<[string, Buffer, number]> = [
  ['invalid UTF-8 in a text frame', Buffer.from([0x81, 0x80 | 2, ...mask([0xff, 0xfe])]), 1007],
  ['RSV1 set without an extension', Buffer.from([0xc1, 0x80 | 2, ...mask(text('hi'))]), 1002],
  ['an unmasked client frame', Buffer.from([0x81, 2, ...text('hi')]), 1002],
  ['a reserved opcode', Buffer.from([0x83, 0x80 | 2, ...mask(text('hi'))]), 1002],
  ['close code 999', Buffer.from([0x88, 0x80 | 2, ...mask([0x03, 0xe7])]), 1002],
  [
    'a length header over the max payload',
    Buffer.from([0x82, 0x80 | 127, 0, 0, 0, 1, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44]),
    1009,
  ],
];

/**
 * Upgrades a raw TCP connection with the token, sends one frame, and returns the close code of
 * the close frame the host answers with (null if none) once the host ends the connection.
 */
function sendRawFrame(port: number, cookie: string, frame: Buffer, settleMs?: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    // A frame the host may take as valid (or wait to complete) leaves the socket open: with
    // settleMs, end it from this side after that long.
    let settle: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the host did not close the connection within 5 s'));
    }, 5000);
    let received = Buffer.alloc(0);
    let upgraded = false;
    socket.once('connect', () => {
      socket.write(
        `GET ${host.appPrefix}ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: ${cookie}\r\n` +
          `Origin: http://127.0.0.1:${port}\r\n\r\n`,
      );
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!received.subarray(0, end).toString().startsWith('HTTP/1.1 101')) {
          clearTimeout(timer);
          socket.destroy();
          reject(new Error(`upgrade refused: ${received.subarray(0, end).toString()}`));
          return;
        }
        upgraded = true;
        received = received.subarray(end + 4);
        socket.write(frame);
        if (settleMs !== undefined) settle = setTimeout(() => socket.destroy(), settleMs);
      }
    });
    socket.once('error', () => undefined); // the host may reset after its close frame
    socket.once('close', () => {
      clearTimeout(timer);
      clearTimeout(settle);
      if (!upgraded) return reject(new Error('closed before the upgrade'));
      resolve(received.length >= 4 && received[0] === 0x88 ? received.readUInt16BE(2) : null);
    });
  });
}

describe('host mode server', () => {
  it('binds to loopback and prints a URL carrying the token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('refuses every request without the token', async () => {
    expect((await get(`${host.origin}/`)).status).toBe(403);
    expect((await get(`${host.origin}/index.html`)).status).toBe(403);
    expect((await get(`${host.origin}/?token=wrong`)).status).toBe(403);
    expect((await get(`${host.origin}/`, { cookie: `${cookieName(host.port)}=wrong` })).status).toBe(403);
    expect((await get(host.appUrl, { cookie: `${cookieName(host.port)}=wrong` })).status).toBe(403);
    expect((await get(host.appUrl)).status).toBe(403);
  });

  it("trades the token for a cookie scoped to the app's secret prefix and serves the UI there with a CSP", async () => {
    const first = await get(host.url);
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    expect(host.appPrefix).toBe(`/s/${appPathKey(host.token, host.port)}/`);
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Path=\/s\/[\w-]{40,}\/$/);
    expect(first.headers.get('set-cookie')).toContain(`; Path=${host.appPrefix}`);
    expect(first.headers.get('location')).toBe(host.appPrefix);
    // The path is not the cookie, nor the token.
    expect(host.appPrefix).not.toContain(cookie.split('=')[1]);
    expect(host.appPrefix).not.toContain(host.token);
    const page = await get(host.appUrl, { cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Layerlab</title>');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    // No way out of the static folder, however the path is spelled.
    for (const p of [
      '../secret.txt',
      '%2e%2e/secret.txt',
      '..%2fsecret.txt',
      '%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt',
    ]) {
      // (fetch resolves a plain "../" itself, which leaves the prefix: refused rather than not found.)
      const res = await get(`${host.appUrl}${p}`, { cookie });
      expect([403, 404], p).toContain(res.status);
      expect(await res.text()).not.toContain('outside the static folder');
    }
    // Without its slash the prefix redirects to it (relative URLs need it).
    const bare = await get(host.appUrl.slice(0, -1));
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe(host.appPrefix);
  });

  it("serves nothing to the cookie outside the app's prefix: the page, the WebSocket and the file API live under it", async () => {
    const cookie = host.cookie;
    // What a browser would only send here if the path matched: the cookie alone, at every other path.
    const key = appPathKey(host.token, host.port);
    for (const p of ['/', '/index.html', '/app.js', '/s/', `/s/${key.slice(0, -1)}x/`, `/x/s/${key}/`, `/s/${key}x/`]) {
      const res = await get(`${host.origin}${p}`, { cookie, origin: host.origin });
      expect(res.status, p).toBe(403);
      expect(await res.text(), p).not.toContain('<title>Layerlab</title>');
    }
    // The WebSocket at the root takes the token, never the cookie, even with this host's Origin.
    await expect(
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ws`, {
          headers: { cookie, origin: host.origin },
        });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      }),
    ).rejects.toThrow(/403/);
    // Under the prefix: the page and its WebSocket.
    expect((await get(`${host.appUrl}app.js`, { cookie })).status).toBe(200);
    const ws = await connect({ cookie, origin: host.origin });
    expect((await invoke(ws, 1, 'project.list', {})).ok).toBe(true);
    ws.close();
  });

  it('accepts the WebSocket only with the token and from its own origin', async () => {
    await expect(connect({})).rejects.toThrow(/403/);
    await expect(connect({ cookie: host.cookie, origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const ws = await connect({ cookie: host.cookie, origin: host.origin });
    const info = await invoke(ws, 1, 'app.info', {});
    expect(info.ok).toBe(true);
    expect(info.value).toMatchObject({ mode: 'host' });
    ws.close();
  });

  it('answers malformed requests with a message naming the field, and keeps serving', async () => {
    const ws = await connect({ cookie: host.cookie, origin: host.origin });
    ws.send('this is not json');
    const cases: Array<[string, unknown, RegExp]> = [
      ['project.create', { name: 42 }, /name/],
      ['project.create', { name: 'ok', extra: true }, /extra/],
      ['project.open', { projectId: '../../etc' }, /projectId/],
      [
        'run.start',
        { projectId: 'p', taskSpec: { target: 'y', task: 'magic' }, graph: {}, trainConfig: {} },
        /taskSpec\.task/,
      ],
      ['dataset.importText', { projectId: 'p', fileName: 'a.csv' }, /text/],
      ['fs.readFile', { path: '/etc/passwd' }, /Unknown request/],
    ];
    let id = 10;
    for (const [channel, input, message] of cases) {
      const result = await invoke(ws, id++, channel, input);
      expect(result.ok, channel).toBe(false);
      expect(result.error).toMatch(message);
    }
    const created = await invoke(ws, id, 'project.create', { name: 'Still works' });
    expect(created.ok).toBe(true);
    ws.close();
  });

  it('survives each malformed WebSocket frame: closes that socket with the right code, logs one line, keeps serving', async () => {
    const cookie = host.cookie;
    const before = logged.length;
    for (const [what, frame, code] of BAD_FRAMES) {
      expect(await sendRawFrame(host.port, cookie, frame), what).toBe(code);
    }
    expect(logged.length - before).toBe(BAD_FRAMES.length);
    expect(logged.slice(before).every((line) => line.startsWith('Layerlab host: closed a WebSocket'))).toBe(true);
    // Still serving: HTTP and a fresh WebSocket both answer.
    expect((await get(host.appUrl, { cookie })).status).toBe(200);
    const ws = await connect({ cookie, origin: host.origin });
    const listed = await invoke(ws, 100, 'project.list', {});
    expect(listed.ok).toBe(true);
    ws.close();
  });

  it('survives random frames (a fuzzer): after each one, the host answers the next request', async () => {
    const ws = await connect({ cookie: host.cookie, origin: host.origin });
    let id = 1000;
    /** Header bits, opcode, mask and length forms chosen at random, payload too; or bytes at random. */
    const frame = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
      fc
        .record({
          fin: fc.boolean(),
          rsv: fc.integer({ min: 0, max: 7 }),
          opcode: fc.integer({ min: 0, max: 15 }),
          masked: fc.boolean(),
          length: fc.oneof(fc.integer({ min: 0, max: 125 }), fc.constantFrom(126, 127)),
          extended: fc.uint8Array({ minLength: 8, maxLength: 8 }),
          payload: fc.uint8Array({ maxLength: 48 }),
        })
        .map(({ fin, rsv, opcode, masked, length, extended, payload }) =>
          Buffer.from([
            (fin ? 0x80 : 0) | (rsv << 4) | opcode,
            (masked ? 0x80 : 0) | length,
            ...(length === 126 ? extended.subarray(0, 2) : length === 127 ? extended : []),
            ...(masked ? mask([...payload]) : payload),
          ]),
        ),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (bytes) => {
        await sendRawFrame(host.port, host.cookie, bytes, 100);
        const answer = await Promise.race([
          invoke(ws, id++, 'project.list', {}),
          new Promise<null>((r) => setTimeout(() => r(null), 5000)),
        ]);
        expect(answer?.ok).toBe(true);
      }),
      { numRuns: 60, seed: 13 },
    );
    ws.close();
  });

  it('gives each port its own session cookie, so a second host does not log the first out', async () => {
    const second = await startHost({
      dispatch: services.dispatch,
      bus: services.bus,
      staticDir,
      log: (line) => logged.push(line),
    });
    try {
      expect(second.port).not.toBe(host.port);
      // A browser's jar for 127.0.0.1: cookies ignore the port, so each host receives all of them.
      const jar = new Map<string, string>();
      const login = async (h: RunningHost) => {
        const res = await get(h.url);
        expect(res.status).toBe(303);
        const setCookie = res.headers.get('set-cookie')!;
        expect(setCookie).toContain(`; HttpOnly; SameSite=Strict; Path=${h.appPrefix}`);
        const [name, value] = setCookie.split(';')[0]!.split('=') as [string, string];
        expect(name).toBe(cookieName(h.port));
        jar.set(name, value);
      };
      const cookieHeader = () => [...jar].map(([n, v]) => `${n}=${v}`).join('; ');
      await login(host);
      await login(second);
      expect(jar.size).toBe(2);
      expect((await get(host.appUrl, { cookie: cookieHeader() })).status).toBe(200);
      expect((await get(second.appUrl, { cookie: cookieHeader() })).status).toBe(200);
      // Each host has its own prefix, and one host's cookie opens nothing on the other.
      expect(second.appPrefix).not.toBe(host.appPrefix);
      expect((await get(second.appUrl, { cookie: host.cookie })).status).toBe(403);
      expect((await get(`${second.origin}${host.appPrefix}`, { cookie: host.cookie })).status).toBe(403);
      const ws = await connect({ cookie: cookieHeader(), origin: second.origin }, second);
      expect((await invoke(ws, 1, 'project.list', {})).ok).toBe(true);
      ws.close();
      // The first host's page is a foreign origin to the second host's WebSocket.
      await expect(connect({ cookie: cookieHeader(), origin: host.origin }, second)).rejects.toThrow(/403/);
    } finally {
      await second.close();
    }
  });

  it('refuses a WebSocket upgrade from a foreign Origin with 403, and takes a missing Origin on the token alone', async () => {
    const cookie = host.cookie;
    const withToken = (to: RunningHost, headers: Record<string, string>) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${to.origin.replace('http', 'ws')}/ws?token=${to.token}`, { headers });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        ws.once('error', reject);
      });
    for (const origin of [
      'http://evil.example',
      `http://127.0.0.1:${host.port + 1}`,
      `https://127.0.0.1:${host.port}`,
      'null',
    ]) {
      await expect(connect({ cookie, origin }), origin).rejects.toThrow(/403/);
    }
    const local = await connect({ cookie, origin: `http://localhost:${host.port}` });
    local.close();
    // A script or the CLI: the token itself, no Origin.
    const script = await withToken(host, {});
    script.close();
    await expect(withToken(host, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  it('puts a port-bound session key in the cookie, never the token: a cookie seen by another local server opens nothing alone', async () => {
    const [name, value] = host.cookie.split('=') as [string, string];
    expect(name).toBe(cookieName(host.port));
    expect(value).toBe(sessionKey(host.token, host.port));
    expect(value).not.toContain(host.token);
    // What another server on 127.0.0.1 receives cannot be traded as a token, here or on another port.
    expect((await get(`${host.origin}/?token=${value}`)).status).toBe(403);
    expect(sessionKey(host.token, host.port + 1)).not.toBe(value);
    // Replayed without a browser's Origin, it does not open the WebSocket.
    await expect(connect({ cookie: host.cookie })).rejects.toThrow(/403/);
    const tab = await connect({ cookie: host.cookie, origin: host.origin });
    expect((await invoke(tab, 1, 'project.list', {})).ok).toBe(true);
    tab.close();
  });

  it('redirects the token exchange only to a path on its own origin', async () => {
    const cases: Array<[string, string]> = [
      ['/.//evil.example/', 'evil.example/'],
      ['/.//evil.example/x/', 'evil.example/x/'],
      // These parse as a host: what is left is the path, never the host.
      ['//evil.example/', ''],
      ['/\\evil.example/', ''],
      ['/\\/\\evil.example/x', 'x'],
      ['/', ''],
      ['/index.html', 'index.html'],
    ];
    for (const [rawPath, location] of cases) {
      const res = await rawGet(host.port, `${rawPath}?token=${host.token}`);
      expect(res.status, rawPath).toBe(303);
      // Always into the app's prefix on this origin.
      expect(res.location, rawPath).toBe(`${host.appPrefix}${location}`);
      expect(res.location).not.toMatch(/^\/\/|^[a-z][a-z0-9+.-]*:/i);
    }
  });

  it('answers a request target it cannot parse with 400, and keeps serving', async () => {
    expect((await rawGet(host.port, '//[')).status).toBe(400);
    expect((await rawGet(host.port, `//[?token=${host.token}`)).status).toBe(400);
    expect((await rawGet(host.port, `/?token=${host.token}`)).status).toBe(303);
  });

  it('does not serve source maps', async () => {
    const cookie = host.cookie;
    expect((await get(`${host.appUrl}app.js`, { cookie })).status).toBe(200);
    for (const p of ['app.js.map', 'APP.JS.MAP', 'app.js%2emap', 'app.js.map.'])
      expect((await get(`${host.appUrl}${p}`, { cookie })).status, p).toBe(404);
  });
});
