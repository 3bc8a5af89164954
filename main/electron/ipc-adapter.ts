import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CHANNEL_NAMES } from '../../app/ipc/contract';
import type { Dispatch } from '../ipc/dispatch';
import type { EventBus } from '../ipc/event-bus';
import { EVENT_CHANNEL } from './channels';

/**
 * ipcMain ↔ the contract. Every request is checked for its sender (only our own page, in our
 * own window, may call) and then goes through the same validating dispatch as host mode.
 */
export function attachIpc(options: {
  dispatch: Dispatch;
  bus: EventBus;
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
  targets: () => WebContents[];
}): () => void {
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(channel, async (event, input: unknown) => {
      if (!options.isTrustedSender(event))
        return { ok: false, error: 'Refused: this request did not come from the Layerlab window.' };
      return options.dispatch(channel, input);
    });
  }
  const unsubscribe = options.bus.subscribe((event, payload) => {
    for (const target of options.targets()) if (!target.isDestroyed()) target.send(EVENT_CHANNEL, { event, payload });
  });
  return () => {
    unsubscribe();
    for (const channel of CHANNEL_NAMES) ipcMain.removeHandler(channel);
  };
}
