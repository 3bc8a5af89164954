import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of Layerlab's package.json: the nearest folder above `from` (a module's
 * import.meta.url) whose package.json is named "layerlab". It is the same whether the code runs
 * from its TypeScript sources (main/…), from a bundle (dist/node, dist/electron) or packaged
 * (app.asar), where a path counted in "../.." from the module would depend on where the bundler
 * put it.
 */
export function findPackageRoot(from: string): string {
  const start = path.dirname(fileURLToPath(from));
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'layerlab')
        return dir;
    } catch {
      // No package.json here (or not JSON): keep walking up.
    }
    if (path.dirname(dir) === dir) throw new Error(`No package.json named "layerlab" above ${start}.`);
  }
}

/** The package root of the running code. */
export const ROOT = findPackageRoot(import.meta.url);

export function appVersion(): string {
  return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
