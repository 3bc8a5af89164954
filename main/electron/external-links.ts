/**
 * Which links the Electron window may hand to the system browser (shell.openExternal). A page
 * that is compromised must not get to launch whatever a URL scheme is registered for
 * (file:, smb:, custom app handlers), so only https goes out: documentation hosts the app links
 * to without asking, any other https address only after the user confirmed it, anything else
 * never. Pure, so it is tested in Node.
 */

/** Documentation the app may link to; opened without a question. */
export const DOCUMENTATION_HOSTS: readonly string[] = [
  'js.tensorflow.org',
  'www.tensorflow.org',
  'keras.io',
  'onnx.ai',
  'onnxruntime.ai',
];

export type ExternalLink =
  { action: 'open'; url: string } | { action: 'ask'; url: string; host: string } | { action: 'refuse'; reason: string };

export function externalLink(raw: string): ExternalLink {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { action: 'refuse', reason: 'not a URL' };
  }
  if (url.protocol !== 'https:') return { action: 'refuse', reason: `${url.protocol} links are not opened` };
  if (url.username || url.password) return { action: 'refuse', reason: 'a link with a user name or password' };
  if (url.port !== '') return { action: 'refuse', reason: 'a link to a non-standard port' };
  const href = url.href;
  if (DOCUMENTATION_HOSTS.includes(url.hostname)) return { action: 'open', url: href };
  return { action: 'ask', url: href, host: url.hostname };
}
