/**
 * The renderer's Content-Security-Policy, sent by both bindings (app:// protocol in Electron,
 * HTTP header in browser mode). Nothing remote: scripts, styles and images from the app itself;
 * network only back to the same origin (the bridge WebSocket in browser mode).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
