import type { ElectronBridge } from '../../../app/ipc/bridge';
import { createApi, type Api } from '../../../app/ipc/client';
import { createConnectionStore, type ConnectionStore } from './connection-store';
import { createElectronTransport } from './electron-transport';
import { createWebSocketTransport, hostSocketUrl } from './ws-transport';

export type { Api } from '../../../app/ipc/client';
export { ApiError } from '../../../app/ipc/client';
export type { ConnectionStore, ConnectionStatus } from './connection-store';

declare global {
  interface Window {
    layerlab?: ElectronBridge;
  }
}

export interface ApiClient {
  api: Api;
  connection: ConnectionStore;
  mode: 'electron' | 'host';
}

/** Electron's bridge when the preload put one on window, else host mode's WebSocket. */
export function createDefaultClient(): ApiClient {
  if (window.layerlab) {
    return {
      api: createApi(createElectronTransport(window.layerlab)),
      connection: createConnectionStore('open'),
      mode: 'electron',
    };
  }
  const connection = createConnectionStore('connecting');
  const transport = createWebSocketTransport({ url: hostSocketUrl(), connection });
  return { api: createApi(transport), connection, mode: 'host' };
}
