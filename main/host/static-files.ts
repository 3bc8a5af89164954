import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * Never served: source maps carry the whole source (sourcesContent), which a browser on the
 * network has no business reading. The bundles' sourceMappingURL comments then find nothing.
 */
const HIDDEN_EXTENSIONS = new Set(['.map']);

/**
 * Resolves a URL path to a file inside root, or null. Decoding happens once and the result must
 * stay inside root, so "/../" and "%2e%2e" tricks find nothing.
 */
export async function resolveStatic(
  root: string,
  urlPath: string,
): Promise<{ file: string; type: string; size: number } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(root, relative);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  // (Windows ignores trailing dots and spaces: "app.js.map." opens app.js.map.)
  if (HIDDEN_EXTENSIONS.has(path.extname(file.replace(/[. ]+$/, '')).toLowerCase())) return null;
  try {
    const info = await stat(file);
    if (!info.isFile()) return null;
    return { file, type: TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', size: info.size };
  } catch {
    return null;
  }
}

export function streamFile(file: string) {
  return createReadStream(file);
}
