import type { ElectronBridge } from '../../../app/ipc/bridge';
import type { Transport } from '../../../app/ipc/client';

/** Electron: the preload's bridge already speaks Result; we only adapt its shape. */
export function createElectronTransport(bridge: ElectronBridge): Transport {
  return {
    invoke(channel, input) {
      const method = bridge.api[channel];
      if (typeof method !== 'function') {
        return Promise.resolve({
          ok: false,
          error: `This version of Layerlab does not know the request "${channel}".`,
        });
      }
      return method(input);
    },
    subscribe(listener) {
      return bridge.subscribe(listener);
    },
  };
}
