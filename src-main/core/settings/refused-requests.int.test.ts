/**
 * A refused request changes no state: every file of the data directory (but the offline copy,
 * re-encrypted on every refresh from the server) is the same before and after. Found by the
 * IPC fuzz suite (fuzz/core/ipc.ts) on `settings.enablePasswordAccess`; the same holds for a
 * refused `onboarding.signInWithPassword` on a fresh device (the server it names is pinned and
 * chosen only once the password opened the keyfile).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady } from '../../../src-shared/crypto/index.js';
import { startSdkTestServer, type SdkTestServer } from '../../../src-shared/sdk/test/server.js';
import {
  onboardTestCore,
  startTestCore,
  STRONG_PASSWORD,
  type TestCore,
} from '../test/core-harness.js';

let server: SdkTestServer | undefined;
let core: TestCore;

async function dataDirFiles(of: TestCore = core): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(of.dataDir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const name = path.relative(of.dataDir, full);
    if (entry.isFile() && !name.startsWith(`cache${path.sep}`)) {
      files[name] = await readFile(full, 'utf8');
    }
  }
  return files;
}

beforeAll(async () => {
  await cryptoReady();
  server = await startSdkTestServer();
  core = await startTestCore();
  await onboardTestCore(core, {
    displayName: 'Ada',
    server: { mode: 'remote', url: server.url },
    workspace: { displayName: 'Home', workspaceId: 'home-refused', username: 'ada' },
  });
}, 60_000);

afterAll(async () => {
  await core?.stop();
  await server?.close();
});

describe('onboarding.signInWithPassword, refused', () => {
  it('for a name the server does not know changes no file', async () => {
    const fresh = await startTestCore();
    try {
      const before = await dataDirFiles(fresh);
      expect(
        await fresh.failure('onboarding.signInWithPassword', {
          serverUrl: server!.url,
          workspaceId: 'home-refused',
          username: 'nobody',
          password: STRONG_PASSWORD,
        }),
      ).toBe('PAKE_ABORTED');
      expect(await dataDirFiles(fresh)).toEqual(before);
      expect((await fresh.call('session.state', {})).setup.server).toBeNull();
    } finally {
      await fresh.stop();
    }
  });
});

describe('settings.enablePasswordAccess, refused', () => {
  it('with a wrong password changes no file', async () => {
    const before = await dataDirFiles();
    // Timings of requests that succeeded (onboarding) are saved.
    const app = JSON.parse(before['app-state.json']!) as { kdfTimings: Record<string, number> };
    expect(Object.keys(app.kdfTimings).length).toBeGreaterThan(0);
    expect(
      await core.failure('settings.enablePasswordAccess', { password: 'not the password' }),
    ).toBe('KEYFILE_WRONG_PASSWORD');
    expect(await dataDirFiles()).toEqual(before);
  });

  it('by the server after the password was checked changes no file', async () => {
    await server!.close();
    server = undefined;
    const before = await dataDirFiles();
    const code = await core.failure('settings.enablePasswordAccess', {
      password: STRONG_PASSWORD,
    });
    expect(code).not.toBe('no error');
    // Give a write in the background time to land.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await dataDirFiles()).toEqual(before);
  });
});
