// The Electron shell: a window, a menu, the IPC adapter. Everything else is the same main-side
// code host mode runs; this file is type-checked here but can only run where Electron exists.
import { app, BrowserWindow, dialog, Menu, net, protocol, session, shell, type IpcMainInvokeEvent } from 'electron';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineClient } from '../engine/client';
import { CONTENT_SECURITY_POLICY } from '../host/csp';
import { createServices, ROOT } from '../services/create-services';
import { defaultWorkspace } from '../services/default-workspace';
import { APP_INDEX_URL, APP_SCHEME, appFileFor, contentTypeFor, isAppUrl, isInside } from './app-protocol';
import { dialogFolders } from './dialog-options';
import { externalLink } from './external-links';
import { attachIpc } from './ipc-adapter';
import { attachNativeHost } from './native-host';
import { utilityProcessSpawner } from './utility-engine';

const rendererRoot = path.join(ROOT, 'dist', 'renderer');

// The UI is served from layerlab://app/ (app-protocol.ts), an origin of its own, not file://.
// Registered before the app is ready, as Electron requires.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  return isAppUrl(event.senderFrame?.url ?? '');
}

/** layerlab://app/… → a file of dist/renderer (after symlinks too), with the CSP; anything else 404. */
function serveRenderer(): void {
  const notFound = () => new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
  const realRoot = realpath(rendererRoot).catch(() => rendererRoot);
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(rendererRoot, request.url);
    if (!file) return notFound();
    const [root, real] = await Promise.all([realRoot, realpath(file).catch(() => null)]);
    if (!real || !isInside(root, real)) return notFound();
    const response = await net.fetch(pathToFileURL(real).href);
    return new Response(response.body, {
      status: response.status,
      headers: { 'Content-Type': contentTypeFor(real), 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
    });
  });
}

/** A link the page asks to open: documentation at once, other https after the user agrees, nothing else. */
async function openLink(window: BrowserWindow, url: string): Promise<void> {
  const decision = externalLink(url);
  if (decision.action === 'refuse') return;
  if (decision.action === 'ask') {
    const { response } = await dialog.showMessageBox(window, {
      type: 'question',
      buttons: ['Open in browser', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: `Open ${decision.host} in your browser?`,
      detail: decision.url,
    });
    if (response !== 0) return;
  }
  await shell.openExternal(decision.url);
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
    if (!isAppUrl(url)) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    void openLink(window, url);
    return { action: 'deny' };
  });
  window.once('ready-to-show', () => window.show());
  await window.loadURL(APP_INDEX_URL);
  return window;
}

async function main(): Promise<void> {
  await app.whenReady();
  serveRenderer();
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
    folders: dialogFolders(services.recent),
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
