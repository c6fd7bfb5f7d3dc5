import { expect, test } from '@playwright/test';
import { startApp, type RunningApp } from './app-process.js';
import { shot } from './support/screenshots.js';

let app: RunningApp;

test.beforeAll(async () => {
  app = await startApp();
});

test.afterAll(async () => {
  await app?.stop();
});

test('npm start falls back to browser mode with a clear notice', () => {
  expect(app.stderr()).toContain('Electron cannot run on this machine');
  expect(app.stderr()).toContain('browser mode');
  expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
});

test('the status screen shows version, core status and data directory over IPC', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });

  await page.goto(app.url);
  // A fresh data directory starts at onboarding; About is one click away from every screen.
  await expect(page.getByRole('heading', { name: 'Welcome to Backbone' })).toBeVisible();
  await page.getByRole('button', { name: 'About' }).click();
  await expect(page.getByRole('heading', { name: 'About Backbone' })).toBeVisible();
  await expect(page.getByTestId('status-version')).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(page.getByTestId('status-core')).toHaveText('Ready');
  await expect(page.getByTestId('status-data-dir')).toHaveText(app.dataDir);
  await expect(page.getByTestId('status-runtime')).toHaveText('Browser mode (local bridge)');
  await expect(page.getByTestId('connection-banner')).toHaveCount(0);
  await page.screenshot({ path: shot('status.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the page is refused without the token', async ({ page }) => {
  const origin = new URL(app.url).origin;
  const response = await page.goto(`${origin}/`);
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('BRIDGE_UNAUTHORIZED');
  const wrong = await page.goto(`${origin}/?token=not-the-token`);
  expect(wrong?.status()).toBe(401);
});

test('the screen says so when the app core goes away', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('button', { name: 'About' }).click();
  await expect(page.getByTestId('status-core')).toHaveText('Ready');
  await app.stop();
  await expect(page.getByTestId('connection-banner')).toContainText('Disconnected');
  await page.screenshot({ path: shot('status-disconnected.png') });
});
