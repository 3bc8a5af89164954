import { BrowseReply } from '../../../../app/ipc/host-files';
import { HostCannot, type Host } from './types';
import { uploadFile, uploadFolder } from './upload';

// Every address is relative to the page: the host serves the app, and the file API, under a secret prefix.
async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { credentials: 'same-origin' });
  const body = (await res.json().catch(() => null)) as { error?: string } | null;
  if (!res.ok) throw new Error(body?.error ?? `The host answered ${res.status} ${res.statusText}.`);
  return body;
}

/**
 * The view in a browser, served by `layerlab host`: files from this computer are streamed to the
 * host, the host's own allowed folders are browsed through its file API, and what the host
 * writes (an export) comes back as a download.
 */
export function createBrowserHost(): Host {
  return {
    kind: 'browser',
    capabilities: { nativeDialogs: false, serverFiles: true, uploads: true, downloads: true, reveal: false },
    openDialog: () => Promise.reject(new HostCannot('A native file dialog', 'the browser')),
    saveDialog: () => Promise.reject(new HostCannot('A native save dialog', 'the browser')),
    pathOf: (file, options) => uploadFile(file, options ?? {}),
    pathOfFolder: (files, options) => uploadFolder(files, options ?? {}),
    browse: async (path) =>
      BrowseReply.parse(await getJson(`api/browse${path ? `?path=${encodeURIComponent(path)}` : ''}`)),
    download(path) {
      // A plain link: the browser streams the file (or the folder's zip) to its downloads, with its own progress.
      const link = document.createElement('a');
      link.href = `api/download?path=${encodeURIComponent(path)}`;
      link.download = '';
      link.rel = 'noopener';
      document.body.append(link);
      link.click();
      link.remove();
    },
    reveal: () => Promise.reject(new HostCannot('Showing a folder', 'the browser')),
  };
}
