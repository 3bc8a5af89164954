import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The Electron binary's path, or null with the reason. `require('electron')` returns the path
 * once the binary is downloaded and throws while it is not (ELECTRON_SKIP_BINARY_DOWNLOAD=1).
 */
export function findElectron() {
  const require = createRequire(import.meta.url);
  try {
    const binary = require('electron');
    if (typeof binary === 'string' && existsSync(binary)) return { path: binary, reason: null };
    return { path: null, reason: `the Electron binary is missing (${binary})` };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { path: null, reason: `the Electron binary is not installed (${message})` };
  }
}
