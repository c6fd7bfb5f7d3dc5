/**
 * Settings that touch the keys or the server: Argon2id strength (the keyfile is re-wrapped, the
 * password stays), and the address of a remote server (only the same server, by its key).
 */
import { readFile } from 'node:fs/promises';
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

let server: SdkTestServer;
let other: SdkTestServer;
let core: TestCore;

async function keyfileParams(): Promise<{ opslimit: number; memlimit: number }> {
  const raw = JSON.parse(
    await readFile(path.join(core.dataDir, 'profile', 'keyfile.json'), 'utf8'),
  ) as { kdf: { ops: number; mem: number } };
  return { opslimit: raw.kdf.ops, memlimit: raw.kdf.mem };
}

beforeAll(async () => {
  await cryptoReady();
  [server, other] = await Promise.all([startSdkTestServer(), startSdkTestServer()]);
  core = await startTestCore();
  await onboardTestCore(core, {
    displayName: 'Ada',
    server: { mode: 'remote', url: server.url },
    workspace: { displayName: 'Home', workspaceId: 'home-settings', username: 'ada' },
  });
}, 60_000);

afterAll(async () => {
  await core?.stop();
  await server?.close();
  await other?.close();
});

describe('Argon2id strength', () => {
  it('refuses a wrong password and leaves the keyfile as it was', async () => {
    const before = await readFile(path.join(core.dataDir, 'profile', 'keyfile.json'), 'utf8');
    expect(
      await core.failure('settings.changeKdf', {
        password: 'not the password',
        params: { opslimit: 3, memlimit: 16 * 1024 },
      }),
    ).toBe('KEYFILE_WRONG_PASSWORD');
    expect(await readFile(path.join(core.dataDir, 'profile', 'keyfile.json'), 'utf8')).toBe(before);
  });

  it('re-wraps the keyfile with the new parameters; the same password unlocks it', async () => {
    const before = await keyfileParams();
    const target = { opslimit: before.opslimit + 1, memlimit: before.memlimit * 2 };
    const settings = await core.call('settings.changeKdf', {
      password: STRONG_PASSWORD,
      params: target,
    });
    expect(settings.kdf.current).toEqual(target);
    expect(await keyfileParams()).toEqual(target);
    expect(core.events.some((e) => e.event === 'settings.changed')).toBe(true);

    await core.call('session.lock', {});
    expect(await core.failure('session.unlock', { password: 'not the password' })).toBe(
      'KEYFILE_WRONG_PASSWORD',
    );
    expect((await core.call('session.unlock', { password: STRONG_PASSWORD })).state).toBe(
      'unlocked',
    );
    // Still the same identity and workspace.
    expect((await core.call('members.workspace', {})).you?.name).toBe('ada');
  });

  it('refuses parameters beyond the allowed range before asking anything', async () => {
    expect(
      await core.failure('settings.changeKdf', {
        password: STRONG_PASSWORD,
        params: { opslimit: 1000, memlimit: 16 * 1024 },
      }),
    ).toBe('IPC_INVALID_REQUEST');
  });
});

describe('remote server address', () => {
  it('accepts another address of the same server and keeps working', async () => {
    const sameServer = server.url.replace('127.0.0.1', 'localhost');
    const settings = await core.call('settings.changeServerUrl', { url: sameServer });
    expect(settings.server).toMatchObject({ mode: 'remote', url: sameServer });
    expect((await core.call('members.workspace', {})).id).toBe('home-settings');
    await core.call('settings.changeServerUrl', { url: server.url });
  });

  it('refuses an address that answers with another server, and keeps the old one', async () => {
    expect(await core.failure('settings.changeServerUrl', { url: other.url })).toBe(
      'SERVER_KEY_CHANGED',
    );
    expect((await core.call('settings.get', {})).server).toMatchObject({ url: server.url });
    expect((await core.call('members.workspace', {})).id).toBe('home-settings');
  });

  it('refuses an address where nothing answers, and keeps the old one', async () => {
    const code = await core.failure('settings.changeServerUrl', { url: 'http://127.0.0.1:9' });
    expect(code).toMatch(/^SERVER_/);
    expect((await core.call('settings.get', {})).server).toMatchObject({ url: server.url });
  });
});
