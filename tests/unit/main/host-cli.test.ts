import { describe, expect, it } from 'vitest';
import { hostStartLines, parseHostFlags } from '../../../main/cli/host-command';
import { UsageError } from '../../../main/cli/cli-error';
import { isLoopback, sameOriginPath, startHost, tokenProblem } from '../../../main/host/server';

const TOKEN = 'k3Jd9-xQ_2mZp7Lw';

describe('layerlab host flags', () => {
  it('refuses a weak --token with a usage error naming the flag', () => {
    for (const token of [
      'x',
      '',
      'short-token-15c',
      'has space in it 1234',
      'semi;colon-is-bad-here',
      'ünïcödé-token-1234',
    ]) {
      expect(() => parseHostFlags(['--token', token]), token).toThrow(UsageError);
      expect(() => parseHostFlags(['--token', token]), token).toThrow(/^--token /);
    }
    expect(() => parseHostFlags(['--token', 'x'])).toThrow(/at least 16 characters/);
    expect(parseHostFlags(['--token', TOKEN]).token).toBe(TOKEN);
    expect(tokenProblem(TOKEN)).toBeNull();
  });

  it('checks --port and --host', () => {
    expect(parseHostFlags([])).toMatchObject({ port: 5179, portGiven: false });
    expect(parseHostFlags(['--port', '0'])).toMatchObject({ port: 0, portGiven: true });
    for (const port of ['', 'http', '65536', '-1', '1.5'])
      expect(() => parseHostFlags([`--port=${port}`]), port).toThrow(/^--port must be a port number/);
    expect(() => parseHostFlags(['--host', ''])).toThrow(/^--host /);
    expect(() => parseHostFlags(['--bogus'])).toThrow(UsageError);
  });

  it('the server itself refuses a weak token', async () => {
    await expect(
      startHost({
        dispatch: async () => ({ ok: true }),
        bus: { subscribe: () => () => undefined } as never,
        staticDir: '.',
        token: 'x',
      } as never),
    ).rejects.toThrow(/token must be at least 16/);
  });
});

describe('layerlab host start message', () => {
  const base = { port: 5179, token: TOKEN, url: `http://127.0.0.1:5179/?token=${TOKEN}` };

  it('prints only the URL on loopback', () => {
    for (const address of ['127.0.0.1', '::1']) {
      const lines = hostStartLines({ ...base, address }, '/ws');
      expect(lines[1]).toBe(`Open ${base.url}`);
      expect(lines.join('\n')).not.toMatch(/WARNING/);
    }
  });

  it('prints the real address and a network warning for 0.0.0.0 and other addresses', () => {
    const wildcard = hostStartLines({ ...base, address: '0.0.0.0' }, '/ws').join('\n');
    expect(wildcard).toMatch(/WARNING: listening on 0\.0\.0\.0:5179 \(every network interface\)/);
    expect(wildcard).toMatch(/reach this address over the network/);
    const ipv6 = hostStartLines({ ...base, address: '::' }, '/ws').join('\n');
    expect(ipv6).toMatch(/WARNING: listening on \[::\]:5179/);
    const lan = hostStartLines({ ...base, address: '192.168.1.5' }, '/ws');
    expect(lan.join('\n')).toMatch(/WARNING: listening on 192\.168\.1\.5:5179/);
    expect(lan).toContain(`From another machine: http://192.168.1.5:5179/?token=${TOKEN}`);
    // The line the end-to-end fixture and users look for still comes first.
    expect(lan[1]).toBe(`Open ${base.url}`);
  });

  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(a), a).toBe(true);
    for (const a of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'example.com', '127.0.0.1.example.com'])
      expect(isLoopback(a), a).toBe(false);
  });

  it('redirect targets keep exactly one leading slash', () => {
    expect(sameOriginPath('//evil.example/')).toBe('/evil.example/');
    expect(sameOriginPath('/\\evil.example/')).toBe('/evil.example/');
    expect(sameOriginPath('/')).toBe('/');
    expect(sameOriginPath('/a/b')).toBe('/a/b');
  });
});
