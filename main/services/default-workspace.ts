import os from 'node:os';
import path from 'node:path';

/** The workspace the desktop app and `layerlab host` use when none is named: $LAYERLAB_WORKSPACE, else ~/Layerlab. */
export function defaultWorkspace(): string {
  return process.env.LAYERLAB_WORKSPACE ?? path.join(os.homedir(), 'Layerlab');
}
