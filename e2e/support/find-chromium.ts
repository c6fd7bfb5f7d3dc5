/**
 * Finds a Chromium or Chrome for the end-to-end tests, in this order: `CHROMIUM_PATH`, the
 * browser Playwright installed for itself (if someone ran `npx playwright install chromium`), then
 * the usual install paths on Linux, macOS and Windows. Never downloads anything.
 *
 * As a command (`node --import tsx e2e/support/find-chromium.ts`, run first by
 * `npm run test:e2e`) it prints the path, or one line saying how to get a browser and exits 1.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const HOW_TO_GET_ONE =
  'No Chromium or Chrome found for the end-to-end tests: install one (Debian/Ubuntu: `apt-get install chromium`; macOS/Windows: Google Chrome) or set CHROMIUM_PATH to its executable.';

type Env = Record<string, string | undefined>;

function playwrightsOwn(): string | null {
  try {
    // Playwright's own browser, only if it was installed; asking for the path never downloads.
    const { chromium } = require('playwright-core') as { chromium: { executablePath(): string } };
    return chromium.executablePath();
  } catch {
    return null;
  }
}

/** The usual install paths of Chromium/Chrome on one platform. */
export function usualPaths(platform: NodeJS.Platform, env: Env): string[] {
  if (platform === 'linux') {
    return [
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/snap/bin/chromium',
    ];
  }
  if (platform === 'darwin') {
    return [
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
    ];
  }
  if (platform === 'win32') {
    return [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA]
      .filter((base): base is string => Boolean(base))
      .map((base) => path.win32.join(base, 'Google', 'Chrome', 'Application', 'chrome.exe'));
  }
  return [];
}

/**
 * The browser to use, or null. `CHROMIUM_PATH` wins when set; if it names a file that does not
 * exist the answer is null (a typo must not silently pick another browser).
 */
export function findChromium(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  exists: (file: string) => boolean = existsSync,
  own: () => string | null = playwrightsOwn,
): string | null {
  if (env.CHROMIUM_PATH) return exists(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  const ownPath = own();
  const candidates = [...(ownPath ? [ownPath] : []), ...usualPaths(platform, env)];
  return candidates.find((candidate) => exists(candidate)) ?? null;
}

/** One line for a person who has no browser (or a wrong CHROMIUM_PATH). */
export function missingBrowserMessage(env: Env = process.env): string {
  return env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist. ${HOW_TO_GET_ONE}`
    : HOW_TO_GET_ONE;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const found = findChromium();
  if (!found) {
    console.error(missingBrowserMessage());
    process.exit(1);
  }
  console.log(`end-to-end browser: ${found}`);
}
