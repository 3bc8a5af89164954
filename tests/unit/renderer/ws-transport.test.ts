import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHost, type RunningHost } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services/create-services';
import { createConnectionStore, type ConnectionStatus } from '../../../renderer/src/api/connection-store';
import { createWebSocketTransport, hostSocketUrl, TOKEN_EXPIRED } from '../../../renderer/src/api/ws-transport';

let tmp: string;
let services: Services;
let staticDir: string;
const hosts: RunningHost[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-transport-test-'));
  staticDir = path.join(tmp, 'static');
  await mkdir(staticDir);
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Layerlab</title>');
  services = createServices({ workspace: path.join(tmp, 'ws'), mode: 'host' });
});
afterAll(async () => {
  for (const h of hosts) await h.close().catch(() => undefined);
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const start = async (port = 0) => {
  const host = await startHost({
    dispatch: services.dispatch,
    bus: services.bus,
    staticDir,
    port,
    log: () => undefined,
  });
  hosts.push(host);
  return host;
};

async function until(what: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the host-mode transport after the host restarts', () => {
  it('stops retrying and says the access expired when the restarted host refuses the old token', async () => {
    const first = await start();
    // The tab's cookie, as a browser keeps it after opening the printed URL.
    const cookie = first.cookie;
    // ws is a real WebSocket client; like a browser tab it sends the page's cookie.
    class TabSocket extends WebSocket {
      constructor(url: string) {
        super(url, { headers: { cookie, origin: first.origin } });
      }
    }
    const connection = createConnectionStore();
    const seen = new Set<ConnectionStatus>();
    connection.subscribe((s) => seen.add(s.status));
    // The page's own probe is a HEAD request for './' (the app's prefix) with its cookie; here the same request, by fetch.
    const probeHost = async () => {
      try {
        return (await fetch(new URL('./', first.appUrl), { method: 'HEAD', headers: { cookie } })).status === 403
          ? ('refused' as const)
          : ('ok' as const);
      } catch {
        return 'down' as const;
      }
    };
    const transport = createWebSocketTransport({
      // The page lives at appUrl; its WebSocket is `ws` next to it.
      url: hostSocketUrl({ href: first.appUrl }),
      connection,
      WebSocketImpl: TabSocket as unknown as typeof globalThis.WebSocket,
      probeHost,
      maxBackoffMs: 500,
    });
    try {
      await until(() => connection.getState().status === 'open');
      expect((await transport.invoke('project.list', {})).ok).toBe(true);

      await first.close();
      const second = await start(first.port);
      expect(second.token).not.toBe(first.token);
      await until(() => connection.getState().status === 'token-expired');
      expect(seen.has('reconnecting')).toBe(true);
      await expect(transport.invoke('project.list', {})).rejects.toThrow(TOKEN_EXPIRED);
      // No more attempts: the status stays put.
      await new Promise((r) => setTimeout(r, 1200));
      expect(connection.getState().status).toBe('token-expired');
    } finally {
      transport.close();
    }
  });

  it("builds the WebSocket address relative to the page, under the host's prefix", () => {
    expect(hostSocketUrl({ href: 'http://127.0.0.1:5000/s/abc-_/' })).toBe('ws://127.0.0.1:5000/s/abc-_/ws');
    expect(hostSocketUrl({ href: 'https://example.test/s/k/index.html?x=1#y' })).toBe('wss://example.test/s/k/ws');
  });
});
