// `npm start`: the desktop app where Electron's binary exists (fetched on first use when the
// network allows), host mode in the browser otherwise — and it says which, and why.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectron } from './electron-binary.mjs';
import { checkNodeBuild } from './node-build-manifest.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const hostOnly = args.includes('--host');
const passThrough = args.filter((a) => a !== '--host');

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });
  return result.status === 0;
}

function build(what) {
  if (!run('npm', ['run', `build:${what}`], { shell: process.platform === 'win32' })) {
    console.error(`layerlab: building the ${what} failed; see the output above.`);
    process.exit(1);
  }
}

function hasDisplay() {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

let reason = null;
if (!hostOnly) {
  let electron = findElectron();
  if (!electron.path) {
    console.log("layerlab: the Electron binary is not installed yet; trying Electron's own installer once...");
    const env = { ...process.env };
    delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
    const install = spawnSync(process.execPath, [path.join(root, 'node_modules', 'electron', 'install.js')], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });
    electron = findElectron();
    if (!electron.path) {
      // The installer prints a stack trace; its first line is the reason (e.g. "getaddrinfo ENOTFOUND github.com").
      const output = `${install.stderr ?? ''}${install.stdout ?? ''}`
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const why = install.error?.message ?? output[0] ?? `exit code ${install.status}`;
      electron = { path: null, reason: `the Electron binary is not installed and could not be downloaded (${why})` };
    }
  }
  if (electron.path && hasDisplay()) {
    if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) build('renderer');
    build('electron');
    const child = spawn(electron.path, [root, ...passThrough], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
  } else {
    reason = electron.path
      ? 'No display is available for a desktop window, so Layerlab starts in host mode: open the URL below in a browser.'
      : `Starting host mode instead of the desktop app: ${electron.reason}. Open the URL below in a browser.`;
  }
}

if (hostOnly || reason) {
  if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) build('renderer');
  // Host mode runs the compiled CLI (dist/node); bin/layerlab.mjs would rebuild a stale one
  // too, silently: here the build says so. Without esbuild, the build there is used as it is.
  if (!checkNodeBuild(root).fresh) run(process.execPath, [path.join(root, 'scripts', 'build-node.mjs'), '--prepare']);
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin', 'layerlab.mjs'), 'host', ...(reason ? ['--reason', reason] : []), ...passThrough],
    { cwd: root, stdio: 'inherit' },
  );
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
