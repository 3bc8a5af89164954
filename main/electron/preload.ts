// Electron preload (sandboxed, context-isolated): exposes one method per contract channel and
// an event subscription on window.layerlab. The renderer never sees ipcRenderer itself.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { EventName, Result } from '../../app/ipc/contract';
import { CHANNEL_NAMES, EVENT_NAMES } from '../../app/ipc/names';
import type { ElectronBridge } from '../../app/ipc/bridge';
import type { NativeHostBridge } from '../../app/ipc/native-host';
import { EVENT_CHANNEL } from './channels';

const api = Object.fromEntries(
  CHANNEL_NAMES.map((channel) => [
    channel,
    (input: unknown) => ipcRenderer.invoke(channel, input) as Promise<Result<unknown>>,
  ]),
) as ElectronBridge['api'];

const bridge: ElectronBridge = {
  api,
  subscribe(listener) {
    const handler = (_event: IpcRendererEvent, message: { event: EventName; payload: unknown }) => {
      if ((EVENT_NAMES as readonly string[]).includes(message.event)) listener(message.event, message.payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.off(EVENT_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('layerlab', bridge);

// The desktop app's own file services (app/ipc/native-host.ts): native dialogs and "show in
// folder" go to main, which validates them; a dropped or chosen File's path is read here.
const host: NativeHostBridge = {
  openDialog: (input) => ipcRenderer.invoke('host.openDialog', input),
  saveDialog: (input) => ipcRenderer.invoke('host.saveDialog', input),
  reveal: (input) => ipcRenderer.invoke('host.reveal', input),
  pathForFile: (file) => {
    try {
      return webUtils.getPathForFile(file as File);
    } catch {
      return '';
    }
  },
};
contextBridge.exposeInMainWorld('layerlabHost', host);
