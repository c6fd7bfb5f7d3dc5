/**
 * The vault app end to end, in browser mode, with real app cores (separate processes and data
 * directories) and the first user's embedded server:
 *
 *   Alice: first run (weak password refused, strong one, Emergency Kit, embedded server,
 *          workspace with password access) → folders and entries (search, reveal, copy, delete
 *          and undo) → imports Bob after comparing his safety number → shares two folders with
 *          him → revokes one (and is told what Bob can and cannot still see) → writes a new
 *          value there → locks (Ctrl+L) and unlocks → membership log → settings
 *   Bob:   first run on a remote server (Alice's) → joins with an invitation → moves on by
 *          himself when Alice adds him → reads what she shared (live, no reload) → loses the
 *          revoked folder → reads the other one with the server stopped (offline copy)
 *   Carol: a fresh device: Alice signs in with only her password
 *   Dave:  a fresh device: Alice restores from her Emergency Kit and opens her workspace
 *
 * Then the recorded bridge traffic of every core (Alice's, before and after her restart, Bob's,
 * Carol's and Dave's) is searched for every secret any of them registered (key registry, in every
 * encoding and at every byte alignment: e2e/support/secret-scan.ts): nothing may have crossed.
 * In Alice's traffic, the Emergency Kit words only in the two answers that show them; store values only in the answers to the
 * reveal/copy she asked for, and values she never revealed not at all. A screenshot of each screen goes to
 * test-results/screenshots/ (docs/screenshots/ with `npm run screenshots`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import QRCode from 'qrcode';
import {
  cryptoReady,
  deriveIdentity,
  emergencyKitWords,
  parseKeyfile,
  toHex,
  unlockKeyfile,
} from '../src-shared/crypto/index.js';
import { startCore, type Core } from './cores.js';
import {
  collectErrors,
  fillNewPassword,
  firstRun,
  openSection,
  openFolder,
  newEntry,
  newFolder,
  reveal,
  fingerprintOf,
} from './support/app-steps.js';
import { SCREENSHOTS_DIR } from './support/screenshots.js';
import { describeFindings, scanCores } from './support/secret-scan.js';

const PASSWORD = 'orbit lantern cactus violin';
const DB_PASSWORD = 'db-pass-Kq84-first';
const DB_PASSWORD_2 = 'db-pass-Zt19-second';
const WIFI = 'wifi-Hx77-never-revealed';
const API_KEY = 'api-key-Pm52-ops';
const BANK_PIN = 'bank-pin-Wd30-isolated';
const BOB_PASSWORD = 'meadow quartz tuba falcon';
const SHOTS = SCREENSHOTS_DIR;

const cores: Core[] = [];
test.afterAll(async () => {
  for (const core of cores) await core.stop();
});

async function core(name: string, dataDir?: string): Promise<Core> {
  const started = await startCore({ name, ...(dataDir ? { dataDir } : {}) });
  cores.push(started);
  return started;
}

test('first run, join by invitation, lock/unlock, new device, restore — and no key reaches the renderer', async ({
  browser,
}) => {
  test.setTimeout(540_000);
  let alice = await core('alice');
  const bob = await core('bob');
  const alicePage = await browser.newPage();
  const bobPage = await browser.newPage();
  const errors = [...collectErrors(alicePage), ...collectErrors(bobPage)];
  let aliceWords: string[] = [];
  let serverUrl = '';
  let workspaceFingerprint = '';

  await test.step('Alice: first run with the embedded server and a workspace', async () => {
    await alicePage.goto(alice.url);
    aliceWords = await firstRun(alicePage, 'Alice', PASSWORD, true);
    await expect(alicePage.getByLabel(/A server inside this app/)).toBeChecked();
    await alicePage.screenshot({ path: `${SHOTS}/server-choice.png` });
    await alicePage.getByRole('button', { name: 'Use the built-in server' }).click();

    await expect(alicePage.getByRole('heading', { name: 'Your workspace' })).toBeVisible({
      timeout: 30_000,
    });
    await expect(alicePage.getByLabel('Your member name')).toHaveValue('alice');
    await alicePage.getByLabel('Workspace name').fill('Acme');
    await alicePage.getByLabel('Short id (optional)').fill('acme');
    await alicePage
      .getByLabel('Your password (the one you just chose)', { exact: true })
      .fill(PASSWORD);
    await alicePage.screenshot({ path: `${SHOTS}/workspace-create.png` });
    await alicePage.getByRole('button', { name: 'Create workspace' }).click();
    // The app opens on the store; the workspace has none yet (Alice, ROOT, makes it).
    await expect(alicePage.getByRole('button', { name: 'Create the first entry' })).toBeVisible({
      timeout: 60_000,
    });
    await alicePage.screenshot({ path: `${SHOTS}/vault-empty.png` });
    await openSection(alicePage, 'Members');
    await expect(alicePage.getByRole('heading', { name: 'Members', exact: true })).toBeVisible();
    await expect(alicePage.getByTestId('member-alice')).toContainText('Root');
    workspaceFingerprint = await fingerprintOf(alicePage, 'Workspace fingerprint');
    expect(workspaceFingerprint).toMatch(/^\d{5}( \d{5}){11}$/);

    await alicePage.getByRole('button', { name: 'Settings' }).click();
    serverUrl = (await alicePage.getByTestId('server-url').textContent())!;
    expect(serverUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(alicePage.getByTestId('password-access-on')).toBeVisible();
  });

  await test.step('Alice: folders and entries; search, reveal, copy, delete and undo', async () => {
    await openSection(alicePage, 'Store');
    await alicePage.getByRole('button', { name: 'Create the first entry' }).click();
    const first = alicePage.getByRole('dialog', { name: 'New entry' });
    await first.getByLabel('Name').fill('welcome');
    await first.getByLabel('Value').fill('Read me first');
    await first.getByRole('button', { name: 'Save' }).click();
    await expect(first).toBeHidden();
    await expect(alicePage.getByRole('option', { name: 'welcome' })).toBeVisible();

    for (const [folder, isolated] of [
      ['team', false],
      ['ops', false],
      ['personal', true],
    ] as const) {
      await openFolder(alicePage, 'Root');
      await newFolder(alicePage, folder, isolated);
    }
    await openFolder(alicePage, 'team');
    await newEntry(alicePage, 'db-password', DB_PASSWORD);
    await newEntry(alicePage, 'wifi', WIFI);
    await openFolder(alicePage, 'ops');
    await newEntry(alicePage, 'api-key', API_KEY);
    await openFolder(alicePage, 'personal (isolated)');
    await newEntry(alicePage, 'bank-pin', BANK_PIN);

    await openFolder(alicePage, 'team');
    expect(await reveal(alicePage, 'db-password')).toBe(DB_PASSWORD);
    await expect(alicePage.getByText('last changed by alice', { exact: false })).toBeVisible();
    await alicePage.screenshot({ path: `${SHOTS}/vault.png` });
    const view = alicePage.getByRole('region', { name: 'team/db-password' });
    await view.getByRole('button', { name: 'Hide', exact: true }).click();
    await expect(view.getByTestId('entry-value')).toHaveCount(0);

    // Copy (browser mode: the renderer writes the clipboard and clears it later).
    await alicePage.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await view.getByRole('button', { name: 'Copy' }).click();
    await expect(alicePage.getByTestId('copy-toast')).toContainText('Copied — clears in');
    expect(await alicePage.evaluate(() => navigator.clipboard.readText())).toBe(DB_PASSWORD);

    // Search across the workspace, as you type.
    await alicePage.keyboard.press('/');
    await expect(alicePage.getByLabel('Search entries')).toBeFocused();
    await alicePage.keyboard.type('pin');
    await expect(alicePage.getByRole('listbox', { name: 'Search results' })).toBeVisible();
    await expect(alicePage.getByRole('option')).toHaveCount(1);
    await expect(alicePage.getByRole('option', { name: /bank-pin/ })).toBeVisible();
    await alicePage.screenshot({ path: `${SHOTS}/vault-search.png` });
    await alicePage.keyboard.press('Escape');

    // Delete, then undo.
    await openFolder(alicePage, 'team');
    await alicePage.getByRole('option', { name: 'wifi' }).click();
    await alicePage
      .getByRole('region', { name: 'team/wifi' })
      .getByRole('button', { name: 'Delete', exact: true })
      .click();
    await expect(alicePage.getByRole('option', { name: 'wifi' })).toHaveCount(0);
    await expect(alicePage.getByTestId('undo-toast')).toBeVisible();
    await alicePage.screenshot({ path: `${SHOTS}/vault-undo.png` });
    await alicePage.getByTestId('undo-toast').getByRole('button', { name: 'Undo' }).click();
    await expect(alicePage.getByRole('option', { name: 'wifi' })).toBeVisible();
  });

  let invitation = '';
  let bobSafetyNumber = '';
  await test.step('Bob: first run on Alice’s server, then an invitation', async () => {
    await bobPage.goto(bob.url);
    await firstRun(bobPage, 'Bob', BOB_PASSWORD);
    await bobPage.getByLabel(/A server someone runs/).check();
    await bobPage.getByLabel('Server address').fill(serverUrl);
    await bobPage.getByRole('button', { name: 'Connect' }).click();
    await expect(bobPage.getByRole('heading', { name: 'Your workspace' })).toBeVisible();
    await bobPage.getByRole('tab', { name: 'Join a workspace' }).click();
    await expect(bobPage.getByLabel('Your member name')).toHaveValue('bob');
    await bobPage.getByLabel('Workspace id (optional)').fill('acme');
    await bobPage
      .getByLabel(/Workspace fingerprint from the administrator/)
      .fill(workspaceFingerprint);
    await bobPage.getByRole('button', { name: 'Make my invitation' }).click();
    await expect(
      bobPage.getByRole('heading', { name: 'Ask an administrator to add you' }),
    ).toBeVisible();
    invitation = await bobPage.getByTestId('invitation-text').inputValue();
    expect(invitation).toMatch(/^bbinvite1\./);
    await expect(bobPage.getByRole('img', { name: 'QR code of your invitation' })).toBeVisible();
    bobSafetyNumber = await fingerprintOf(bobPage, 'Your safety number');
    await bobPage.screenshot({ path: `${SHOTS}/join-invitation.png`, fullPage: true });
  });

  await test.step('Alice: imports Bob after comparing his safety number', async () => {
    await alicePage.getByRole('button', { name: 'Members', exact: true }).click();
    // Bob's QR code as an image file (a screenshot he sent): decoded in the renderer.
    await alicePage.getByTestId('qr-file').setInputFiles({
      name: 'bob-invitation.png',
      mimeType: 'image/png',
      buffer: await QRCode.toBuffer(invitation, { margin: 2, scale: 6 }),
    });
    await expect(alicePage.getByLabel('Invitation', { exact: true })).toHaveValue(invitation);
    await alicePage.getByRole('button', { name: 'Check invitation' }).click();
    const dialog = alicePage.getByRole('dialog', { name: 'Add bob?' });
    await expect(dialog).toBeVisible();
    expect(await fingerprintOf(alicePage, 'Safety number of bob')).toBe(bobSafetyNumber);
    const add = dialog.getByRole('button', { name: 'Add bob' });
    await expect(add).toBeDisabled(); // not before the user says they compared
    await dialog.getByLabel(/I compared the safety number with bob/).check();
    await alicePage.screenshot({ path: `${SHOTS}/members-import.png` });
    await add.click();
    await expect(dialog).toBeHidden();
    await expect(alicePage.getByTestId('member-bob')).toContainText('Use the store');
    await alicePage.screenshot({ path: `${SHOTS}/members.png`, fullPage: true });
  });

  await test.step('Bob: moves on by himself once added', async () => {
    await expect(bobPage.getByRole('navigation', { name: 'Sections' })).toBeVisible({
      timeout: 30_000,
    });
    await openSection(bobPage, 'Members');
    await expect(bobPage.getByRole('heading', { name: 'Members', exact: true })).toBeVisible();
    await expect(bobPage.getByTestId('member-alice')).toBeVisible();
    await expect(bobPage.getByTestId('member-bob')).toContainText('you');
    // Not an administrator: no management controls.
    await expect(bobPage.getByRole('heading', { name: 'Add a member' })).toHaveCount(0);
  });

  await test.step('Alice shares two folders; Bob reads them without a reload', async () => {
    await openSection(bobPage, 'Store');
    await openSection(alicePage, 'Store');
    for (const folder of ['team', 'ops']) {
      await openFolder(alicePage, folder);
      await alicePage.getByRole('button', { name: 'Share folder' }).click();
      const dialog = alicePage.getByRole('dialog', { name: `Share ${folder}` });
      await dialog.getByLabel('Member').selectOption('bob');
      await dialog.getByLabel('Read', { exact: true }).check();
      await dialog.getByRole('button', { name: 'Grant' }).click();
      await expect(dialog.getByTestId('grant-bob')).toBeVisible();
      if (folder === 'team') await alicePage.screenshot({ path: `${SHOTS}/sharing.png` });
      await alicePage.keyboard.press('Escape');
      await expect(dialog).toBeHidden();
    }
    // Bob's app follows the push channel: the folders appear by themselves.
    await openFolder(bobPage, 'team');
    expect(await reveal(bobPage, 'db-password')).toBe(DB_PASSWORD);
    await expect(bobPage.getByRole('button', { name: /^personal/ })).toHaveCount(0);
    await bobPage.screenshot({ path: `${SHOTS}/vault-shared.png` });
  });

  await test.step('Alice revokes team from Bob; he cannot read what she writes next', async () => {
    await openFolder(alicePage, 'team');
    await alicePage.getByRole('button', { name: 'Share folder' }).click();
    const dialog = alicePage.getByRole('dialog', { name: 'Share team' });
    await dialog.getByRole('button', { name: 'Revoke bob', exact: true }).click();
    await dialog.getByRole('button', { name: 'Revoke bob', exact: true }).click();
    const result = dialog.getByTestId('revoke-result');
    await expect(result).toContainText('What bob can no longer do');
    await expect(result).toContainText('What bob can still see');
    await expect(dialog.getByTestId('grant-bob')).toHaveCount(0);
    await alicePage.screenshot({ path: `${SHOTS}/revoke.png` });
    await alicePage.keyboard.press('Escape');

    await alicePage.getByRole('option', { name: 'db-password' }).click();
    await alicePage
      .getByRole('region', { name: 'team/db-password' })
      .getByRole('button', { name: 'Edit' })
      .click();
    const edit = alicePage.getByRole('dialog', { name: 'Edit entry' });
    await edit.getByLabel('Value').fill(DB_PASSWORD_2);
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toBeHidden();

    // Bob: the folder is gone from his view, and the new value is nowhere he can reach.
    await expect(bobPage.getByRole('button', { name: /^team/ })).toHaveCount(0, {
      timeout: 30_000,
    });
    await bobPage.getByLabel('Search entries').fill('db-password');
    await expect(
      bobPage.getByRole('heading', { name: 'No entries match “db-password”' }),
    ).toBeVisible();
    await bobPage.keyboard.press('Escape');
    await openFolder(bobPage, 'ops');
    expect(await reveal(bobPage, 'api-key')).toBe(API_KEY);
  });

  await test.step('Alice: locks with Ctrl+L, a wrong password is refused, unlocks', async () => {
    await alicePage.keyboard.press('Control+l');
    await expect(alicePage.getByRole('heading', { name: 'Backbone is locked' })).toBeVisible();
    await alicePage.screenshot({ path: `${SHOTS}/unlock.png` });
    await alicePage.getByLabel('Password', { exact: true }).fill('not my password');
    await alicePage.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(alicePage.getByRole('alert')).toContainText('The password is wrong');
    await alicePage.screenshot({ path: `${SHOTS}/unlock-wrong-password.png` });
    await alicePage.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await alicePage.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(alicePage.getByRole('navigation', { name: 'Folders' })).toBeVisible();
    await openFolder(alicePage, 'team');
    await expect(alicePage.getByRole('option', { name: 'db-password' })).toBeVisible();
  });

  await test.step('Alice: the verified membership log and settings', async () => {
    await alicePage.getByRole('button', { name: 'Membership log' }).click();
    await expect(alicePage.getByTestId('log-verified')).toContainText('Verified: 2 entries');
    await expect(alicePage.getByRole('cell', { name: 'Added bob (STORE_USE)' })).toBeVisible();
    await alicePage.screenshot({ path: `${SHOTS}/membership-log.png`, fullPage: true });

    await alicePage.getByRole('button', { name: 'Settings' }).click();
    await expect(alicePage.getByRole('heading', { name: 'Settings' })).toBeVisible();
    // Browser mode has no OS keychain: the quick-unlock setting is absent, not disabled.
    await expect(alicePage.getByRole('heading', { name: 'Quick unlock' })).toHaveCount(0);
    await alicePage.screenshot({ path: `${SHOTS}/settings.png`, fullPage: true });
    const kit = alicePage.getByRole('region', { name: 'Emergency Kit', exact: true });
    await kit.getByLabel('Your password', { exact: true }).fill(PASSWORD);
    await kit.getByRole('button', { name: 'Show Emergency Kit' }).click();
    await expect(kit.getByTestId('kit-words')).toBeVisible();
    expect(await kit.locator('.kit-word').allTextContents()).toEqual(aliceWords);
    await alicePage.screenshot({ path: `${SHOTS}/settings-emergency-kit.png` });
    await kit.getByRole('button', { name: 'Hide the words' }).click();
    await alicePage.getByLabel('Dark').click();
    await expect(alicePage.locator('html')).toHaveAttribute('data-theme', 'dark');
    await alicePage.getByRole('button', { name: 'Members', exact: true }).click();
    await alicePage.screenshot({ path: `${SHOTS}/members-dark.png`, fullPage: true });
    await alicePage.getByRole('button', { name: 'Settings' }).click();
    await alicePage.getByLabel('Same as the system').click();
    await expect(alicePage.locator('html')).not.toHaveAttribute('data-theme', /./);
  });

  await test.step('the server stops: Bob still reads from the copy on his device', async () => {
    // Alice's core runs the server; stop it (keeping its data) and start it again afterwards.
    await alice.stop({ keepData: true });
    await expect(bobPage.getByTestId('offline-banner')).toBeVisible({ timeout: 30_000 });
    await openFolder(bobPage, 'ops');
    expect(await reveal(bobPage, 'api-key')).toBe(API_KEY);
    await expect(bobPage.getByRole('button', { name: 'New entry' })).toBeDisabled();
    await bobPage.screenshot({ path: `${SHOTS}/vault-offline.png` });

    alice = await core('alice', alice.dataDir);
    await alicePage.goto(alice.url);
    await alicePage.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await alicePage.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(alicePage.getByRole('navigation', { name: 'Folders' })).toBeVisible({
      timeout: 30_000,
    });
    // Bob's app notices the server is back.
    await expect(bobPage.getByTestId('offline-banner')).toBeHidden({ timeout: 60_000 });
  });

  await test.step('Carol’s fresh core: Alice signs in with only her password', async () => {
    await bobPage.close();
    await bob.stop();
    const carol = await core('carol');
    const page = await browser.newPage();
    errors.push(...collectErrors(page));
    await page.goto(carol.url);
    await page.getByRole('button', { name: /Sign in with your password/ }).click();
    await page.getByLabel('Server address').fill(serverUrl);
    await page.getByLabel('Workspace id').fill('acme');
    await page.getByLabel('Member name').fill('alice');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Workspace fingerprint (optional)').fill(workspaceFingerprint);
    await page.screenshot({ path: `${SHOTS}/sign-in-password.png` });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('navigation', { name: 'Folders' })).toBeVisible({
      timeout: 60_000,
    });
    // Her whole store, on a device that never had it.
    await openFolder(page, 'team');
    expect(await reveal(page, 'db-password')).toBe(DB_PASSWORD_2);
    await openSection(page, 'Members');
    await expect(page.getByTestId('member-alice')).toContainText('you');
    await page.close();
    await carol.stop();
  });

  await test.step('Dave’s fresh core: Alice restores from her Emergency Kit', async () => {
    const dave = await core('dave');
    const page = await browser.newPage();
    errors.push(...collectErrors(page));
    await page.goto(dave.url);
    await page.getByRole('button', { name: /Restore from your Emergency Kit/ }).click();
    await page.getByLabel('The 24 words').fill(aliceWords.join(' '));
    await expect(page.getByText('24 of 24 words')).toBeVisible();
    await page.getByLabel('Your name').fill('Alice');
    await fillNewPassword(page, 'violet harbor engine puzzle');
    await page.screenshot({ path: `${SHOTS}/restore.png` });
    await page.getByRole('button', { name: 'Restore' }).click();
    await expect(page.getByRole('heading', { name: 'Choose a server' })).toBeVisible({
      timeout: 30_000,
    });
    await page.getByLabel(/A server someone runs/).check();
    await page.getByLabel('Server address').fill(serverUrl);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByRole('heading', { name: 'You are already a member of' })).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/workspace-existing.png` });
    // Opening needs the fingerprint compared first (this device never pinned the workspace).
    await expect(page.getByRole('button', { name: 'Open' })).toBeDisabled();
    expect(await fingerprintOf(page, 'Fingerprint of Acme')).toBe(workspaceFingerprint);
    await page.getByLabel('I compared this fingerprint with an administrator of Acme').check();
    await page.getByRole('button', { name: 'Open' }).click();
    await expect(page.getByRole('navigation', { name: 'Folders' })).toBeVisible();
    await openSection(page, 'Members');
    await expect(page.getByRole('heading', { name: 'Members', exact: true })).toBeVisible();
    await expect(page.getByTestId('member-alice')).toContainText('you');
    await page.close();
    await dave.stop();
  });

  await test.step('no core’s key material ever crossed the bridge', async () => {
    // Every core of the journey: Alice's restarted core carries on her first core's files.
    const latest = new Map(cores.map((c) => [c.recordFile, c]));
    const started = Date.now();
    const scan = scanCores(await Promise.all([...latest.values()].map((c) => c.evidence())));
    const frameCount = Object.values(scan.frames).reduce((a, b) => a + b, 0);
    console.log(
      `secret scan: ${frameCount} frames of ${Object.keys(scan.frames).length} cores, ` +
        `${scan.secrets.length} registered secrets, ${Date.now() - started} ms`,
    );
    const byKind = new Map<string, number>();
    for (const { kind } of scan.secrets) byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    console.log(`registered: ${[...byKind].map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
    expect(Object.keys(scan.frames).sort()).toEqual(['alice', 'bob', 'carol', 'dave']);
    for (const count of Object.values(scan.frames)) expect(count).toBeGreaterThan(10);
    expect(describeFindings(scan.findings)).toBe('');

    // The registry holds what the old, narrower check looked for (so the scan searched it).
    await cryptoReady();
    const keyfile = parseKeyfile(
      await readFile(path.join(alice.dataDir, 'profile', 'keyfile.json'), 'utf8'),
    );
    const unlocked = unlockKeyfile(keyfile, PASSWORD, { testOnlyAllowWeakParams: true });
    const identity = deriveIdentity(unlocked.rootSecret);
    expect(emergencyKitWords(unlocked.rootSecret)).toEqual(aliceWords);
    const secrets: Record<string, Uint8Array> = {
      'root secret': unlocked.rootSecret,
      'device key': unlocked.deviceSignKeyPair.secretKey.subarray(0, 32),
      'identity signing key': identity.signKeyPair.secretKey.subarray(0, 32),
      'identity box key': identity.boxKeyPair.secretKey,
      'sync master key': identity.syncMasterKey,
    };
    const tokens = JSON.parse(
      await readFile(path.join(alice.dataDir, 'profile', 'tokens.json'), 'utf8'),
    ) as { tokens: Record<string, { token: string }> };
    const tokenValues = Object.values(tokens.tokens).map((t) => t.token);
    expect(tokenValues.length).toBeGreaterThan(0);

    const lines = (await readFile(alice.recordFile!, 'utf8')).trim().split('\n');
    const frames = lines.map(
      (line) => JSON.parse(line) as { direction: 'in' | 'out'; frame: string },
    );
    expect(frames.length).toBeGreaterThan(50);
    const registered = new Set(scan.secrets.map((secret) => toHex(secret.bytes)));
    for (const [name, bytes] of Object.entries(secrets)) {
      expect(registered.has(toHex(bytes)), `${name} in the key registry`).toBe(true);
    }
    for (const token of tokenValues) {
      expect(registered.has(toHex(new TextEncoder().encode(token))), 'token registered').toBe(true);
    }
    const kinds = new Set(scan.secrets.map((secret) => secret.kind.split('/')[0]));
    for (const kind of [
      'keyfile-wrapping-key',
      'bearer-token',
      'symmetric-key',
      'box-secret-key',
      'naming-key',
      'spake-session',
    ]) {
      expect(kinds.has(kind), `a ${kind} in the key registry`).toBe(true);
    }

    // The words travel only in the answers the user asked for.
    const phrase = aliceWords.slice(0, 6);
    const channelOf = new Map<number, string>();
    const carriers = new Set<string>();
    for (const { direction, frame } of frames) {
      const parsed = JSON.parse(frame) as { type: string; id?: number; channel?: string };
      if (direction === 'in' && parsed.type === 'invoke')
        channelOf.set(parsed.id!, parsed.channel!);
      if (direction === 'out' && phrase.every((w) => frame.includes(`"${w}"`))) {
        carriers.add(parsed.type === 'result' ? (channelOf.get(parsed.id!) ?? '?') : parsed.type);
      }
    }
    expect([...carriers].sort()).toEqual([
      'onboarding.emergencyKit',
      'settings.revealEmergencyKit',
    ]);
    // The renderer sent the password only to the core, never got it back.
    const out = frames
      .filter((f) => f.direction === 'out')
      .map((f) => f.frame)
      .join('\n');
    expect(out.includes(PASSWORD)).toBe(false);

    // Store values: the one she revealed and copied only in those answers; the ones she only
    // typed (or that Bob read) never came back to her renderer.
    const valueCarriers = new Set<string>();
    for (const { direction, frame } of frames) {
      const parsed = JSON.parse(frame) as { type: string; id?: number; channel?: string };
      if (direction === 'in' && parsed.type === 'invoke')
        channelOf.set(parsed.id!, parsed.channel!);
      if (direction === 'out' && frame.includes(DB_PASSWORD)) {
        valueCarriers.add(
          parsed.type === 'result' ? (channelOf.get(parsed.id!) ?? '?') : parsed.type,
        );
      }
    }
    expect([...valueCarriers].sort()).toEqual(['vault.copy', 'vault.reveal']);
    const inbound = frames
      .filter((f) => f.direction === 'in')
      .map((f) => f.frame)
      .join('\n');
    for (const value of [DB_PASSWORD_2, WIFI, API_KEY, BANK_PIN]) {
      // She typed it (so the recording would have caught it going back)…
      expect(inbound.includes(value), `${value} not in the recorded requests`).toBe(true);
      // …and it never came back.
      expect(out.includes(value), `${value} reached the renderer`).toBe(false);
    }
  });

  expect(errors).toEqual([]);
});
