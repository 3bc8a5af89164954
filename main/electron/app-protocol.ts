import path from 'node:path';

/**
 * The renderer is served to the Electron window from a custom scheme, layerlab://app/…, not
 * file://: a file:// page may read other local files and every file:// page is one origin; a
 * standard, secure custom scheme is an origin of its own, and only files of dist/renderer exist
 * under it. This file is the pure part (Node only), tested without Electron.
 */
export const APP_SCHEME = 'layerlab';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * The file under `root` (dist/renderer) that `requestUrl` names, or null when it names none:
 * another scheme or host, a path that is malformed, holds a NUL or a backslash, or leaves `root`
 * after decoding ('..', '%2e%2e', '%2f'), or a source map (never shipped to a page).
 */
export function appFileFor(root: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const relative = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const file = path.resolve(root, relative);
  if (!isInside(root, file) || file.endsWith('.map')) return null;
  return file;
}

/** Whether `file` lies strictly inside `root` (both absolute); the handler checks it again after realpath. */
export function isInside(root: string, file: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Whether an IPC sender's frame is our own page (any path of layerlab://app, no other origin). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** The Content-Type a renderer file is served with (scripts must be JavaScript for a module to run). */
export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
