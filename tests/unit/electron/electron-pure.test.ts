import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import { APP_INDEX_URL, appFileFor, contentTypeFor, isAppUrl, isInside } from '../../../main/electron/app-protocol';
import { externalLink } from '../../../main/electron/external-links';

/** The pure parts of the Electron shell (Electron itself cannot run here). */

describe('layerlab://app serves dist/renderer and nothing else', () => {
  const root = path.resolve('/opt/Layerlab/resources/app.asar/dist/renderer');

  it('maps app URLs to files under the renderer folder', () => {
    expect(appFileFor(root, APP_INDEX_URL)).toBe(path.join(root, 'index.html'));
    expect(appFileFor(root, 'layerlab://app/')).toBe(path.join(root, 'index.html'));
    expect(appFileFor(root, 'layerlab://app/assets/index-abc.js?v=1#x')).toBe(path.join(root, 'assets/index-abc.js'));
    expect(appFileFor(root, 'layerlab://app/assets/a%20b.css')).toBe(path.join(root, 'assets/a b.css'));
  });

  it('refuses any way out of it, other hosts and schemes, and source maps', () => {
    for (const url of [
      'layerlab://app/assets/..%2f..%2f..%2fsecret',
      'layerlab://app/..%5c..%5csecret',
      'layerlab://app/index.html%00.png',
      'layerlab://app/%E0%A4%A',
      'layerlab://other/index.html',
      'file:///etc/passwd',
      'https://app/index.html',
      'layerlab://app/assets/index.js.map',
      'not a url',
    ]) {
      const file = appFileFor(root, url);
      expect(file, url).toBeNull();
    }
    // The URL parser folds plain '..' away; whatever is returned stays inside the root.
    for (const tail of [
      '../../etc/passwd',
      '%2e%2e/%2e%2e/etc/passwd',
      '%2fetc%2fpasswd/..',
      'a/../b',
      '%2e/x',
      './././y',
      'assets/../../assets/z',
    ]) {
      const file = appFileFor(root, `layerlab://app/${tail}`);
      if (file !== null) expect(path.relative(root, file).startsWith('..'), tail).toBe(false);
    }
  });

  it('checks containment again after symlinks, and serves scripts as JavaScript', () => {
    expect(isInside(root, path.join(root, 'assets', 'a.js'))).toBe(true);
    expect(isInside(root, root)).toBe(false);
    expect(isInside(root, path.join(root, '..', 'renderer-evil', 'a.js'))).toBe(false);
    expect(isInside(root, '/etc/passwd')).toBe(false);
    expect(contentTypeFor(path.join(root, 'assets', 'index-abc.js'))).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor(path.join(root, 'index.html'))).toBe('text/html; charset=utf-8');
    expect(contentTypeFor(path.join(root, 'x.unknown'))).toBe('application/octet-stream');
  });

  it('trusts IPC only from its own origin', () => {
    expect(isAppUrl(APP_INDEX_URL)).toBe(true);
    expect(isAppUrl('layerlab://app/index.html#/runs')).toBe(true);
    expect(isAppUrl('file:///opt/Layerlab/resources/app.asar/dist/renderer/index.html')).toBe(false);
    expect(isAppUrl('layerlab://evil/index.html')).toBe(false);
    expect(isAppUrl('https://app/')).toBe(false);
    expect(isAppUrl('')).toBe(false);
  });
});

describe('links handed to the system browser', () => {
  it('opens documentation, asks for other https addresses, refuses the rest', () => {
    expect(externalLink('https://js.tensorflow.org/api/latest/')).toEqual({
      action: 'open',
      url: 'https://js.tensorflow.org/api/latest/',
    });
    expect(externalLink('https://example.com/x?y=1')).toEqual({
      action: 'ask',
      url: 'https://example.com/x?y=1',
      host: 'example.com',
    });
    // A look-alike host is not documentation.
    expect(externalLink('https://keras.io.evil.example/').action).toBe('ask');
    for (const url of [
      'http://keras.io/',
      'file:///etc/passwd',
      'smb://server/share',
      'javascript:alert(1)',
      'vscode://open?file=/x',
      'https://user:pw@keras.io/',
      'https://keras.io:8443/',
      'not a url',
    ]) {
      expect(externalLink(url).action, url).toBe('refuse');
    }
  });
});

describe('the fuses flipped at package time', () => {
  const require = createRequire(import.meta.url);
  const hook = require('../../../scripts/electron-fuses.cjs') as {
    fuseConfig(): Record<string | number, unknown>;
    electronBinary(context: unknown): string;
  };

  it('turns off RunAsNode, NODE_OPTIONS and --inspect, and turns on cookie encryption, ASAR integrity and ASAR-only', () => {
    const config = hook.fuseConfig();
    expect(config.version).toBe(FuseVersion.V1);
    expect(config.strictlyRequireAllFuses).toBe(true);
    expect(config[FuseV1Options.RunAsNode]).toBe(false);
    expect(config[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(config[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(config[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(config[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(config[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(config[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });

  it('is the afterPack hook of the build and finds each platform binary', async () => {
    const yml = await readFile(path.resolve(import.meta.dirname, '../../../electron-builder.yml'), 'utf8');
    expect(yml).toMatch(/^afterPack: scripts\/electron-fuses\.cjs$/m);
    const packager = { appInfo: { productFilename: 'Layerlab' }, executableName: 'layerlab' };
    const at = (electronPlatformName: string) =>
      hook.electronBinary({ appOutDir: '/out', electronPlatformName, packager });
    expect(at('darwin')).toBe(path.join('/out', 'Layerlab.app'));
    expect(at('win32')).toBe(path.join('/out', 'Layerlab.exe'));
    expect(at('linux')).toBe(path.join('/out', 'layerlab'));
  });
});
