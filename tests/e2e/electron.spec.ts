import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { CHANNEL_NAMES } from '../../app/ipc/names';

const ROOT = path.resolve(import.meta.dirname, '../..');

function electronBinary(): { path: string | null; reason: string } {
  try {
    const binary = createRequire(import.meta.url)('electron') as string;
    return existsSync(binary) ? { path: binary, reason: '' } : { path: null, reason: `binary missing at ${binary}` };
  } catch (error) {
    return { path: null, reason: (error as Error).message.split('\n')[0]! };
  }
}

const binary = electronBinary();
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;

test.describe('desktop app (Electron)', () => {
  test.skip(
    !binary.path,
    `The Electron binary is not installed on this machine (${binary.reason}); it cannot be downloaded offline, so the desktop shell is only type-checked and bundled here.`,
  );
  test.skip(noDisplay, 'No display (DISPLAY/WAYLAND_DISPLAY unset) to open an Electron window on; run under xvfb-run.');

  test('opens a secure window whose preload exposes exactly the contract', async () => {
    const workspace = await mkdtemp(path.join(os.tmpdir(), 'layerlab-electron-'));
    const app = await electron.launch({ args: [ROOT], env: { ...process.env, LAYERLAB_WORKSPACE: workspace } });
    try {
      const window = await app.firstWindow();
      await expect(window.getByTestId('project-name-input')).toBeVisible();
      // Served from the app's own scheme, not file://.
      expect(window.url()).toBe('layerlab://app/index.html');
      const surface = await window.evaluate(async () => {
        const g = globalThis as unknown as {
          require?: unknown;
          process?: unknown;
          layerlab: { api: Record<string, unknown> };
          layerlabHost: Record<string, unknown>;
        };
        const api = g.layerlab.api;
        // Every channel, called with an input no channel accepts (each takes an object): main's
        // validating dispatch must answer each one with its own "Invalid <channel> request";
        // "No handler registered" or a thrown error means the preload and main disagree.
        const answers: Record<string, string> = {};
        for (const name of Object.keys(api)) {
          try {
            const result = (await (api[name] as (input: unknown) => Promise<{ ok: boolean; error?: string }>)(
              'not an input',
            )) ?? { ok: true };
            answers[name] = result.ok ? 'accepted' : String(result.error);
          } catch (error) {
            answers[name] = `threw: ${error instanceof Error ? error.message : String(error)}`;
          }
        }
        return {
          require: typeof g.require,
          process: typeof g.process,
          bridge: Object.keys(g.layerlab).sort(),
          channels: Object.keys(api).sort(),
          functions: Object.values(api).every((f) => typeof f === 'function'),
          host: Object.keys(g.layerlabHost).sort(),
          answers,
        };
      });
      expect(surface.require).toBe('undefined');
      expect(surface.process).toBe('undefined');
      expect(surface.bridge).toEqual(['api', 'subscribe']);
      expect(surface.channels).toEqual([...CHANNEL_NAMES].sort());
      expect(surface.functions).toBe(true);
      expect(surface.host).toEqual(['openDialog', 'pathForFile', 'reveal', 'saveDialog']);
      for (const channel of CHANNEL_NAMES)
        expect(surface.answers[channel], channel).toMatch(
          new RegExp(`^Invalid ${channel.replaceAll('.', '\\.')} request`),
        );
      await window.getByTestId('project-name-input').fill('Desktop check');
      await window.getByTestId('create-project-button').click();
      await expect(window.getByTestId('nav-data')).toBeVisible();
    } finally {
      await app.close();
      await rm(workspace, { recursive: true, force: true });
    }
  });
});
