import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHost, type RunningHost } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services/create-services';

let tmp: string;
let services: Services;
let host: RunningHost;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-host-test-'));
  const staticDir = path.join(tmp, 'static');
  await mkdir(staticDir);
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Layerlab</title>');
  await writeFile(path.join(tmp, 'secret.txt'), 'outside the static folder');
  services = createServices({ workspace: path.join(tmp, 'ws'), mode: 'host' });
  host = await startHost({ dispatch: services.dispatch, bus: services.bus, staticDir });
});

afterAll(async () => {
  await host.close();
  await services.dispose();
  await rm(tmp, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, redirect: 'manual' });

function connect(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ws`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function invoke(ws: WebSocket, id: number, channel: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: string }> {
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

describe('host mode server', () => {
  it('binds to loopback and prints a URL carrying the token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('refuses every request without the token', async () => {
    expect((await get(`${host.origin}/`)).status).toBe(403);
    expect((await get(`${host.origin}/index.html`)).status).toBe(403);
    expect((await get(`${host.origin}/?token=wrong`)).status).toBe(403);
    expect((await get(`${host.origin}/`, { cookie: 'layerlab_token=wrong' })).status).toBe(403);
  });

  it('trades the token for a cookie and serves the UI with a CSP', async () => {
    const first = await get(host.url);
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await get(`${host.origin}/`, { cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Layerlab</title>');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    // No way out of the static folder, however the path is spelled.
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) expect((await get(`${host.origin}${p}`, { cookie })).status).toBe(404);
  });

  it('accepts the WebSocket only with the token and from its own origin', async () => {
    await expect(connect({})).rejects.toThrow(/403/);
    await expect(connect({ cookie: `layerlab_token=${host.token}`, origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const ws = await connect({ cookie: `layerlab_token=${host.token}`, origin: host.origin });
    const info = await invoke(ws, 1, 'app.info', {});
    expect(info.ok).toBe(true);
    expect(info.value).toMatchObject({ mode: 'host' });
    ws.close();
  });

  it('answers malformed requests with a message naming the field, and keeps serving', async () => {
    const ws = await connect({ cookie: `layerlab_token=${host.token}`, origin: host.origin });
    ws.send('this is not json');
    const cases: Array<[string, unknown, RegExp]> = [
      ['project.create', { name: 42 }, /name/],
      ['project.create', { name: 'ok', extra: true }, /extra/],
      ['project.open', { projectId: '../../etc' }, /projectId/],
      ['run.start', { projectId: 'p', taskSpec: { target: 'y', task: 'magic' }, graph: {}, trainConfig: {} }, /taskSpec\.task/],
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
});
