/**
 * One Content-Security-Policy for every way the UI is served (host mode's HTTP header, the
 * Electron session, the page's own meta tag, written in at build time by renderer/vite.config.ts):
 * nothing loads from outside, scripts only from us. In app/ so the renderer's build may read it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // xyflow and recharts position things with inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The same policy for the page's meta tag: every directive but frame-ancestors, which a meta tag
 * cannot carry (browsers ignore it there; the header and Electron's session send it).
 */
export const META_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors'))
  .join('; ');
