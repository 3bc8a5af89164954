// The Electron shell: a window, a menu, the IPC adapter. Everything else is the same main-side
// code host mode runs; this file is type-checked here but can only run where Electron exists.
import { app, BrowserWindow, dialog, Menu, session, shell, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineClient } from '../engine/client';
import { CONTENT_SECURITY_POLICY } from '../host/csp';
import { createServices, ROOT } from '../services/create-services';
import { defaultWorkspace } from '../services/default-workspace';
import { attachIpc } from './ipc-adapter';
import { attachNativeHost } from './native-host';
import { utilityProcessSpawner } from './utility-engine';

const rendererIndex = path.join(ROOT, 'dist', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  return url === rendererUrl || url.startsWith(`${rendererUrl}#`) || url.startsWith(`${rendererUrl}?`);
}

async function createWindow(): Promise<BrowserWindow> {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1100,
    minHeight: 700,
    title: 'Layerlab',
    show: false,
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  // No navigation away from the app and no new windows: links open in the system browser.
  window.webContents.on('will-navigate', (event, url) => {
    if (url !== rendererUrl) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.once('ready-to-show', () => window.show());
  await window.loadFile(rendererIndex);
  return window;
}

async function main(): Promise<void> {
  await app.whenReady();
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  const workspace = defaultWorkspace();
  const engine = new EngineClient({ spawn: utilityProcessSpawner(path.join(__dirname, 'engine.cjs')) });
  const services = createServices({ workspace, mode: 'electron', engine });
  engine
    .start()
    .catch((error: unknown) =>
      dialog.showErrorBox('Layerlab', `The training engine failed to start: ${String(error)}`),
    );
  const detach = attachIpc({
    dispatch: services.dispatch,
    bus: services.bus,
    isTrustedSender,
    targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
  });
  const detachNativeHost = attachNativeHost({
    isTrustedSender,
    memoryFile: path.join(app.getPath('userData'), 'dialog-folders.json'),
  });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );

  await createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    detach();
    detachNativeHost();
    void services.dispose();
  });
}

main().catch((error: unknown) => {
  dialog.showErrorBox('Layerlab failed to start', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
