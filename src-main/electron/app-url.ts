/**
 * The app:// origin and how its URLs map to files. Pure (no electron import) so it is tested
 * under Node.
 */
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'backbone';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Resolves a request URL to a file inside `root`, or null if it points anywhere else. */
export function resolveAppFile(root: string, requestUrl: string): string | null {
  if (!isAppUrl(requestUrl)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const base = path.resolve(root);
  const resolved = path.resolve(base, '.' + path.posix.normalize('/' + pathname));
  return resolved.startsWith(base + path.sep) ? resolved : null;
}
