import { stat } from 'node:fs/promises';
import { app, BrowserWindow, dialog, ipcMain, shell, type IpcMainInvokeEvent } from 'electron';
import { NATIVE_HOST_CHANNELS, nativeHostInputs, type NativeHostChannel } from '../../app/ipc/native-host';
import { openDialogOptions, saveDialogOptions, type DialogFolders } from './dialog-options';

type Reply = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * The desktop app's native file services for the view (app/ipc/native-host.ts): open and save
 * dialogs that remember the last folder per kind, and "show in folder". Like the contract's
 * channels, every call is checked for its sender and its input parsed with zod before anything
 * runs; the paths it answers come from the user's own dialog.
 */
export function attachNativeHost(options: {
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
  /** The last folder per dialog kind (main's recent list: dialogFolders(services.recent)). */
  folders: DialogFolders;
}): () => void {
  const memory = options.folders;
  const windowOf = (event: IpcMainInvokeEvent) => BrowserWindow.fromWebContents(event.sender);

  const handlers: { [C in NativeHostChannel]: (input: never, event: IpcMainInvokeEvent) => Promise<unknown> } = {
    'host.openDialog': async ({ kind }: { kind: Parameters<typeof openDialogOptions>[0] }, event) => {
      const settings = openDialogOptions(kind, await memory.folderFor(kind));
      const window = windowOf(event);
      const result = window ? await dialog.showOpenDialog(window, settings) : await dialog.showOpenDialog(settings);
      if (result.canceled || result.filePaths.length === 0) return { paths: [] };
      await memory.remember(kind, result.filePaths[0]!);
      for (const file of result.filePaths) app.addRecentDocument(file);
      return { paths: result.filePaths };
    },
    'host.saveDialog': async (
      { kind, defaultName }: { kind: Parameters<typeof saveDialogOptions>[0]; defaultName?: string },
      event,
    ) => {
      const settings = saveDialogOptions(kind, await memory.folderFor(kind), defaultName);
      const window = windowOf(event);
      const result = window ? await dialog.showSaveDialog(window, settings) : await dialog.showSaveDialog(settings);
      if (result.canceled || !result.filePath) return { paths: [] };
      await memory.remember(kind, result.filePath);
      return { paths: [result.filePath] };
    },
    'host.reveal': async ({ path }: { path: string }) => {
      if (!(await stat(path).catch(() => null))) throw new Error(`${path} does not exist any more.`);
      shell.showItemInFolder(path);
      return null;
    },
  };

  for (const channel of NATIVE_HOST_CHANNELS) {
    ipcMain.handle(channel, async (event, input: unknown): Promise<Reply> => {
      if (!options.isTrustedSender(event))
        return { ok: false, error: 'Refused: this request did not come from the Layerlab window.' };
      const parsed = nativeHostInputs[channel].safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return { ok: false, error: `${channel}: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}` };
      }
      try {
        return { ok: true, value: await handlers[channel](parsed.data as never, event) };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    });
  }
  return () => {
    for (const channel of NATIVE_HOST_CHANNELS) ipcMain.removeHandler(channel);
  };
}
