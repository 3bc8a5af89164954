/**
 * One Content-Security-Policy for every way the UI is served (host mode's HTTP header, the
 * Electron session, the page's own meta tag): nothing loads from outside, scripts only from us.
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
