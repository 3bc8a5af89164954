import type { NativeHostBridge } from '../../../../app/ipc/native-host';
import { createBrowserHost } from './browser-host';
import { createElectronHost } from './electron-host';
import type { Host } from './types';

export type { DialogKind, Host, TransferProgress } from './types';
export { createRecent, type Recent, type RecentEntry, type RecentState } from './recent';

declare global {
  interface Window {
    layerlabHost?: NativeHostBridge;
  }
}

/** The desktop app's host when its preload put one on window, else the browser's. */
export function createHost(): Host {
  return typeof window !== 'undefined' && window.layerlabHost
    ? createElectronHost(window.layerlabHost)
    : createBrowserHost();
}
