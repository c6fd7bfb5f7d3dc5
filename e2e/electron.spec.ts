/**
 * The Electron shell, smoke-tested where Electron can run: the built app (dist/main/main.js)
 * starts, its window has the hardened web preferences, the renderer is served from app:// with the
 * strict CSP, a navigation away from the app is refused, one IPC round trip goes through the
 * preload and the dispatcher, a value copied by the core is on the clipboard, and quitting clears
 * it before the process exits 0. The IPC traffic through the preload is recorded (test mode) and
 * the renderer secret scan runs over it: a key planted in the test-only answer `test.plantedKey`
 * is found in every encoding and alignment, and no other registered secret is anywhere.
 *
 * Where no Electron binary is installed (as on our CI machine, which cannot download one) the
 * file prints one line "skipped: no Electron binary (…)" and its test is skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type NodeFs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../src-main/core/content-security-policy.js';
import { APP_ENTRY_URL } from '../src-main/electron/app-url.js';
import { SCAN_ENCODINGS } from '../src-shared/test/secret-scan.js';
import { describeFindings, scanCores } from './support/secret-scan.js';

const root = path.resolve(import.meta.dirname, '..');
const PASSWORD = 'orbit lantern cactus violin';
const SECRET = 'clip-Vb27-smoke-secret';

/**
 * The Electron binary the `electron` package installed, or why there is none. Read from the
 * package's path.txt: `require('electron')` would try to download a missing binary.
 */
function electronBinary(): { path: string } | { reason: string } {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const override = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron');
    return existsSync(override) ? { path: override } : { reason: `${override} does not exist` };
  }
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return { reason: 'its download was skipped or failed' };
  const binary = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { path: binary } : { reason: `${binary} is missing` };
}

function displayProblem(): string | null {
  if (process.platform !== 'linux') return null;
  return process.env.DISPLAY || process.env.WAYLAND_DISPLAY
    ? null
    : 'no display (run under xvfb-run)';
}

const binary = electronBinary();
const skipReason = 'reason' in binary ? `no Electron binary (${binary.reason})` : displayProblem();
// One line, from the worker that runs the test (the runner loads this file too).
if (skipReason && process.env.TEST_WORKER_INDEX !== undefined)
  console.log(`skipped: ${skipReason}`);

type Invoke = (channel: string, request: unknown) => Promise<{ ok: boolean; response?: unknown }>;

test('the Electron shell: hardened window, CSP, refused navigation, IPC, clipboard cleared on quit', async () => {
  test.skip(skipReason !== null, `skipped: ${skipReason}`);
  if (!('path' in binary)) return;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bb-electron-'));
  const quitRecord = path.join(dataDir, 'clipboard-at-quit.txt');
  const recordFile = path.join(dataDir, 'ipc.jsonl');
  const registryFile = path.join(dataDir, 'keys.jsonl');
  try {
    const app = await electron.launch({
      executablePath: binary.path,
      args: [path.join(root, 'dist', 'main', 'main.js')],
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        BACKBONE_TEST_WEAK_KDF: '1',
        BACKBONE_DATA_DIR: dataDir,
        BACKBONE_TEST_IPC_RECORD: recordFile,
        BACKBONE_TEST_KEY_REGISTRY: registryFile,
        BACKBONE_TEST_PLANT_KEY: '1',
      },
    });
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    expect(page.url()).toBe(APP_ENTRY_URL);

    // The window's web preferences are unit-tested (src-main/electron/web-preferences.test.ts);
    // here their effect: no Node in the renderer, only the two-function bridge in its world.
    expect(
      await page.evaluate(() => [
        typeof (globalThis as { process?: unknown }).process,
        typeof (globalThis as { require?: unknown }).require,
        typeof (globalThis as { ipcRenderer?: unknown }).ipcRenderer,
      ]),
    ).toEqual(['undefined', 'undefined', 'undefined']);
    expect(
      await page.evaluate(() =>
        Object.keys((window as unknown as { backbone: object }).backbone).sort(),
      ),
    ).toEqual(['invoke', 'subscribe']);

    const csp = await app.evaluate(
      async ({ net }, url) => (await net.fetch(url)).headers.get('content-security-policy'),
      APP_ENTRY_URL,
    );
    expect(csp).toBe(CONTENT_SECURITY_POLICY);

    // A navigation away from the app is refused: the window stays on the app.
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(1000);
    expect(page.url()).toBe(APP_ENTRY_URL);

    const invoke = async (channel: string, request: unknown) => {
      const result = await page.evaluate(
        ([c, r]) =>
          (window as unknown as { backbone: { invoke: Invoke } }).backbone.invoke(c as string, r),
        [channel, request] as const,
      );
      expect(result, `${channel} answered`).toMatchObject({ ok: true });
      return result.response as Record<string, unknown>;
    };
    const status = await invoke('app.status', {});
    expect(status).toMatchObject({ runtime: 'electron', core: 'ready', dataDir });

    // A value copied by the core lands on the system clipboard (never in the renderer).
    await invoke('onboarding.createIdentity', {
      displayName: 'Smoke',
      password: PASSWORD,
      acceptWeak: false,
    });
    const kit = (await invoke('onboarding.emergencyKit', {})) as {
      words: string[];
      confirm: number[];
    };
    await invoke('onboarding.confirmEmergencyKit', {
      answers: kit.confirm.map((position) => ({ position, word: kit.words[position - 1]! })),
    });
    await invoke('onboarding.chooseServer', { mode: 'embedded' });
    await invoke('onboarding.createWorkspace', { displayName: 'Smoke', username: 'smoke' });
    await invoke('vault.setEntry', { path: 'smoke/value', value: SECRET, expiresAt: null });
    const copied = await invoke('vault.copy', { path: 'smoke/value' });
    expect(copied.by).toBe('core');
    expect(await app.evaluate(({ clipboard }) => clipboard.readText())).toBe(SECRET);
    // The test-only answer that carries a key on purpose, through the preload like any other.
    const planted = await invoke('test.plantedKey', {});
    expect(Object.keys(planted.planted as object).sort()).toEqual([...SCAN_ENCODINGS].sort());

    // Quit: the shell waits for the core, which clears the clipboard. What the clipboard holds
    // at will-quit (after before-quit is done) is written to a file, then the app exits.
    await app.evaluate(({ app: electronApp, clipboard }, file) => {
      electronApp.on('will-quit', (event) => {
        event.preventDefault();
        void clipboard.readText().then((text) => {
          (process.getBuiltinModule('node:fs') as typeof NodeFs).writeFileSync(file, text);
          electronApp.exit(0);
        });
      });
    }, quitRecord);
    const exited = new Promise<number | null>((resolve) =>
      app.process().once('exit', (code) => resolve(code)),
    );
    await app.evaluate(({ app: electronApp }) => electronApp.quit());
    expect(await exited).toBe(0);
    expect(await readFile(quitRecord, 'utf8')).toBe('');

    // The renderer secret scan over the preload path's recorded traffic.
    const scan = scanCores([
      {
        name: 'electron',
        traffic: await readFile(recordFile, 'utf8'),
        registry: await readFile(registryFile, 'utf8'),
      },
    ]);
    const plantedKey = scan.secrets.findIndex((secret) => secret.kind === 'test-planted-key');
    const found = scan.findings.filter((finding) => finding.secret === plantedKey);
    expect(new Set(found.map((finding) => finding.encoding))).toEqual(new Set(SCAN_ENCODINGS));
    const others = scan.findings.filter((finding) => !finding.kind.startsWith('test-planted-key'));
    expect(describeFindings(others)).toBe('');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
