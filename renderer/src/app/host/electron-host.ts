import type { NativeHostBridge } from '../../../../app/ipc/native-host';
import { HostCannot, type Host } from './types';

const unwrap = <T>(result: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!result.ok) throw new Error(result.error);
  return result.value;
};

/**
 * The view in the desktop app: native dialogs, and a dropped file's own path (every import goes
 * by path, whatever its size), through the preload's `window.layerlabHost`.
 */
export function createElectronHost(bridge: NativeHostBridge): Host {
  return {
    kind: 'electron',
    capabilities: { nativeDialogs: true, serverFiles: false, uploads: false, downloads: false, reveal: true },
    async openDialog(kind) {
      const { paths } = unwrap(await bridge.openDialog({ kind }));
      return paths.length > 0 ? paths : null;
    },
    async saveDialog(kind, defaultName) {
      const { paths } = unwrap(
        await bridge.saveDialog({ kind, ...(defaultName !== undefined ? { defaultName } : {}) }),
      );
      return paths[0] ?? null;
    },
    async pathOf(file) {
      const path = bridge.pathForFile(file);
      if (!path) throw new Error(`${file.name} has no path on this computer (it did not come from a folder).`);
      return path;
    },
    pathOfFolder: () =>
      Promise.reject(new HostCannot('Sending a folder', 'the desktop app (folders are imported where they lie)')),
    browse: () => Promise.reject(new HostCannot('Browsing the host', 'the desktop app (use the file dialog)')),
    download: () => {
      throw new HostCannot('Downloading', 'the desktop app (the export is already on this computer)');
    },
    async reveal(path) {
      unwrap(await bridge.reveal({ path }));
    },
  };
}
