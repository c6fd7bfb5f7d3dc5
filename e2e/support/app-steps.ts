/**
 * Steps of the vault journeys (e2e/vault.spec.ts) as a user takes them: the first run with its
 * Emergency Kit, opening a section or folder, new entries and folders, revealing a value, reading
 * a fingerprint, and collecting the page's errors.
 */
import { expect, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR } from './screenshots.js';

export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

export async function fillNewPassword(page: Page, password: string): Promise<void> {
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Repeat the password', { exact: true }).fill(password);
}

/** Creates an identity and confirms the Emergency Kit; returns the 24 words. */
export async function firstRun(page: Page, name: string, password: string, shots = false) {
  await expect(page.getByRole('heading', { name: 'Welcome to Backbone' })).toBeVisible();
  if (shots) await page.screenshot({ path: `${SCREENSHOTS_DIR}/onboarding-welcome.png` });
  await page.getByRole('button', { name: /Create a new identity/ }).click();
  await page.getByLabel('Your name').fill(name);
  if (shots) {
    // A weak password: the meter says so, and the button stays off until the user insists.
    await fillNewPassword(page, 'password1');
    await expect(page.getByRole('meter', { name: 'Password strength' })).toHaveAttribute(
      'aria-valuetext',
      'Very weak',
    );
    await expect(page.getByText('Use this weak password anyway')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create identity' })).toBeDisabled();
    await page.screenshot({ path: `${SCREENSHOTS_DIR}/onboarding-weak-password.png` });
  }
  await fillNewPassword(page, password);
  await expect(page.getByRole('meter', { name: 'Password strength' })).toHaveAttribute(
    'aria-valuetext',
    /Strong|Very strong/,
  );
  if (shots) await page.screenshot({ path: `${SCREENSHOTS_DIR}/onboarding-password.png` });
  await page.getByRole('button', { name: 'Create identity' }).click();

  await expect(page.getByRole('heading', { name: 'Your Emergency Kit' })).toBeVisible({
    timeout: 30_000,
  });
  const words = await page.getByTestId('kit-words').locator('.kit-word').allTextContents();
  expect(words).toHaveLength(24);
  if (shots) {
    await page.screenshot({ path: `${SCREENSHOTS_DIR}/emergency-kit.png` });
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: `${SCREENSHOTS_DIR}/emergency-kit-print.png` });
    await page.emulateMedia({ media: 'screen' });
  }
  await page.getByRole('button', { name: 'I have written them down' }).click();
  const labels = await page.locator('label[for^="kit-word-"]').allTextContents();
  expect(labels).toHaveLength(3);
  for (const label of labels) {
    const position = Number(label.replace('Word ', ''));
    await page.getByLabel(label, { exact: true }).fill(words[position - 1]!);
  }
  if (shots) await page.screenshot({ path: `${SCREENSHOTS_DIR}/emergency-kit-confirm.png` });
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('heading', { name: 'Choose a server' })).toBeVisible();
  return words;
}

export async function openSection(
  page: Page,
  name: 'Store' | 'Members' | 'Settings',
): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('button', { name, exact: true })
    .click();
}

/** Selects a folder in the store's folder tree. */
export async function openFolder(page: Page, name: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Folders' })
    .getByRole('button', { name, exact: true })
    .click();
}

export async function newEntry(page: Page, name: string, value: string): Promise<void> {
  await page.getByRole('button', { name: 'New entry' }).click();
  const dialog = page.getByRole('dialog', { name: 'New entry' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Value').fill(value);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('option', { name: name.split('/').at(-1) })).toBeVisible();
}

export async function newFolder(page: Page, name: string, isolated = false): Promise<void> {
  await page.getByRole('button', { name: 'New folder' }).click();
  const dialog = page.getByRole('dialog', { name: 'New folder' });
  await dialog.getByLabel('Name').fill(name);
  if (isolated) await dialog.getByLabel(/^Isolated/).check();
  await dialog.getByRole('button', { name: 'Create folder' }).click();
  await expect(dialog).toBeHidden();
}

/** Selects an entry of the current folder and reveals its value. */
export async function reveal(page: Page, name: string): Promise<string> {
  await page.getByRole('option', { name }).click();
  const view = page.getByRole('region', { name: new RegExp(`(^|/)${name}$`) });
  await view.getByRole('button', { name: 'Reveal' }).click();
  const value = (await view.getByTestId('entry-value').textContent()) ?? '';
  return value;
}

export async function fingerprintOf(page: Page, label: string): Promise<string> {
  const value = await page.locator(`[aria-label^="${label}: "]`).first().getAttribute('aria-label');
  return value!.slice(label.length + 2);
}
