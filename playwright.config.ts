import { defineConfig } from '@playwright/test';
import { findChromium, missingBrowserMessage } from './e2e/support/find-chromium.js';

// Debian's Chromium (or whatever e2e/support/find-chromium.ts finds); Playwright never downloads
// a browser here.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export default defineConfig({
  testDir: 'e2e',
  // Only the Playwright specs: Vitest owns the *.test.ts files under e2e/support.
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    // A click that cannot happen fails within this, not at the end of a long test.
    actionTimeout: 30_000,
    viewport: { width: 1100, height: 760 },
    launchOptions: {
      executablePath: chromiumPath(),
      args: CHROMIUM_ARGS,
    },
  },
});

function chromiumPath(): string {
  const found = findChromium();
  if (!found) {
    console.error(missingBrowserMessage());
    process.exit(1);
  }
  return found;
}
