/**
 * The app core end to end under Node, through the real IPC dispatcher: first run (identity,
 * Emergency Kit, server, workspace), a second user joining by invitation, lock/unlock,
 * auto-lock, restore from the Emergency Kit, and a refused fork. Argon2id runs with the
 * test-only weak parameters (BACKBONE_TEST_WEAK_KDF semantics); password access (which the SDK
 * runs at the 256 MiB floor) is covered by one test only.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady, parseKeyfile, unlockKeyfile } from '../../src-shared/crypto/index.js';
import { startSdkTestServer, type SdkTestServer } from '../../src-shared/sdk/test/server.js';
import { startTestCore, STRONG_PASSWORD, type TestCore } from './test/core-harness.js';

let server: SdkTestServer;
const cores: TestCore[] = [];

beforeAll(async () => {
  await cryptoReady();
  server = await startSdkTestServer();
});
afterAll(async () => {
  for (const core of cores) await core.stop();
  await server?.close();
});

async function newCore(): Promise<TestCore> {
  const core = await startTestCore();
  cores.push(core);
  return core;
}

async function firstRun(core: TestCore, name: string): Promise<string[]> {
  expect((await core.call('session.state', {})).state).toBe('none');
  const created = await core.call('onboarding.createIdentity', {
    displayName: name,
    password: STRONG_PASSWORD,
    acceptWeak: false,
  });
  expect(created.state).toBe('unlocked');
  expect(created.setup.kitConfirmed).toBe(false);
  const kit = await core.call('onboarding.emergencyKit', {});
  expect(kit.words).toHaveLength(24);
  await core.call('onboarding.confirmEmergencyKit', {
    answers: kit.confirm.map((position) => ({ position, word: kit.words[position - 1]! })),
  });
  const chosen = await core.call('onboarding.chooseServer', { mode: 'remote', url: server.url });
  expect(chosen.setup.server).toMatchObject({ mode: 'remote', url: server.url });
  return kit.words;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('app core', () => {
  let alice: TestCore;
  let aliceWords: string[];
  let workspaceFingerprint: string;

  it('refuses a weak password unless the user insists, and a too-short one always', async () => {
    const core = await newCore();
    expect(
      await core.failure('onboarding.createIdentity', {
        displayName: 'Eve',
        password: 'password1',
        acceptWeak: false,
      }),
    ).toBe('PASSWORD_TOO_WEAK');
    expect(
      await core.failure('onboarding.createIdentity', {
        displayName: 'Eve',
        password: 'short',
        acceptWeak: true,
      }),
    ).toBe('PASSWORD_TOO_WEAK');
    expect((await core.call('session.state', {})).state).toBe('none');
    const insisted = await core.call('onboarding.createIdentity', {
      displayName: 'Eve',
      password: 'password1',
      acceptWeak: true,
    });
    expect(insisted.state).toBe('unlocked');
  });

  it('first run: identity, Emergency Kit confirmation, server, workspace', async () => {
    alice = await newCore();
    expect(
      await alice.failure('onboarding.chooseServer', { mode: 'remote', url: server.url }),
    ).toBe('SESSION_LOCKED');
    aliceWords = await firstRun(alice, 'Alice');
    // The kit cannot be shown again without the password once confirmed.
    expect(await alice.failure('onboarding.emergencyKit', {})).toBe('SESSION_WRONG_STATE');
    const state = await alice.call('onboarding.createWorkspace', {
      displayName: 'Acme',
      workspaceId: 'acme-core-test',
      username: 'alice',
    });
    expect(state.setup.workspace).toMatchObject({ id: 'acme-core-test', username: 'alice' });
    workspaceFingerprint = state.setup.workspace!.fingerprint;
    const ws = await alice.call('members.workspace', {});
    expect(ws.canManage).toBe(true);
    expect(ws.members.map((m) => [m.name, m.permissions, m.you])).toEqual([
      ['alice', ['ROOT'], true],
    ]);
  });

  it('a wrong kit word is refused with the position', async () => {
    const core = await newCore();
    await core.call('onboarding.createIdentity', {
      displayName: 'Kim',
      password: STRONG_PASSWORD,
      acceptWeak: false,
    });
    const kit = await core.call('onboarding.emergencyKit', {});
    const answers = kit.confirm.map((position) => ({ position, word: kit.words[position - 1]! }));
    answers[1] = {
      position: answers[1]!.position,
      word: 'zoo' === answers[1]!.word ? 'abandon' : 'zoo',
    };
    expect(await core.failure('onboarding.confirmEmergencyKit', { answers })).toBe('KIT_INVALID');
    expect((await core.call('session.state', {})).setup.kitConfirmed).toBe(false);
  });

  it('a second user joins: invitation, fingerprint comparison, import, automatic move on', async () => {
    const bob = await newCore();
    await firstRun(bob, 'Bob');
    const waiting = await bob.call('onboarding.startJoin', {
      username: 'bob',
      workspaceId: 'acme-core-test',
      expectFingerprint: workspaceFingerprint,
    });
    const join = waiting.setup.join!;
    expect(join.invitation).toMatch(/^bbinvite1\./);
    expect(join.qrDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(join.fingerprint).toBe(waiting.identity!.safetyNumber);

    const summary = await alice.call('members.inspectInvitation', { payload: join.invitation });
    expect(summary).toMatchObject({ name: 'bob', fingerprint: join.fingerprint, nameTaken: false });
    const added = await alice.call('members.import', {
      payload: join.invitation,
      permissions: ['STORE_USE'],
      fingerprintConfirmed: true,
    });
    expect(added).toMatchObject({ name: 'bob', permissions: ['STORE_USE'], you: false });

    const joined = await waitFor(async () => {
      const state = await bob.call('session.state', {});
      // done when the workspace is set and the join view cleared (CurrentWorkspace.use sets them one
      // after the other, then announces session.changed; a poll may land in between)
      return state.setup.workspace && state.setup.join === null ? state : undefined;
    });
    expect(joined.setup.workspace).toMatchObject({
      id: 'acme-core-test',
      username: 'bob',
      fingerprint: workspaceFingerprint,
    });
    expect(joined.setup.join).toBeNull();
    const bobView = await bob.call('members.workspace', {});
    expect(bobView.canManage).toBe(false);
    expect(bobView.members.map((m) => m.name)).toEqual(['alice', 'bob']);

    await alice.call('members.setPermissions', {
      name: 'bob',
      permissions: ['USER_MANAGE', 'STORE_USE'],
    });
    const log = await alice.call('members.log', {});
    expect(log.verified).toBe(true);
    expect(log.fingerprint).toBe(workspaceFingerprint);
    expect(log.entries.map((e) => e.type)).toEqual(['genesis', 'user.add', 'user.permissions']);
    expect(log.entries[1]!.summary).toBe('Added bob (STORE_USE)');
    expect(log.head.seq).toBe(2);

    const removed = await alice.call('members.remove', { name: 'bob' });
    expect(removed).toEqual({ removed: 'bob', namingKeyGeneration: 2 });
    expect((await alice.call('members.workspace', {})).members.map((m) => m.name)).toEqual([
      'alice',
    ]);
    // The watcher told the renderer about the change.
    expect(alice.events.some((e) => e.event === 'members.changed')).toBe(true);
  });

  it('locks (keys gone), refuses a wrong password, unlocks with progress events', async () => {
    const locked = await alice.call('session.lock', {});
    expect(locked.state).toBe('locked');
    expect(await alice.failure('members.workspace', {})).toBe('SESSION_LOCKED');
    expect(await alice.failure('session.unlock', { password: 'not the password' })).toBe(
      'KEYFILE_WRONG_PASSWORD',
    );
    alice.events.length = 0;
    const unlocked = await alice.call('session.unlock', { password: STRONG_PASSWORD });
    expect(unlocked.state).toBe('unlocked');
    const progress = alice.events.filter((e) => e.event === 'session.progress');
    expect(progress.at(0)?.payload).toMatchObject({ operation: 'unlock', done: false });
    expect(progress.at(-1)?.payload).toMatchObject({ operation: 'unlock', done: true });
    expect((await alice.call('members.workspace', {})).id).toBe('acme-core-test');
  });

  it('auto-locks after the idle time; activity restarts the countdown', async () => {
    const settings = await alice.call('settings.update', { autoLockMinutes: 1 });
    expect(settings.autoLockMinutes).toBe(1);
    const autoLock = alice.core.session.autoLock;
    const before = autoLock.lastActivity;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await alice.call('session.activity', {});
    expect(autoLock.lastActivity).toBeGreaterThan(before);
    // Fire the countdown now instead of waiting a minute.
    (autoLock as unknown as { onIdle: () => void }).onIdle();
    await waitFor(async () =>
      (await alice.call('session.state', {})).state === 'locked' ? true : undefined,
    );
    await alice.call('session.unlock', { password: STRONG_PASSWORD });
    await alice.call('settings.update', { autoLockMinutes: 10 });
  });

  it('shows the Emergency Kit again only with the password', async () => {
    expect(await alice.failure('settings.revealEmergencyKit', { password: 'wrong one' })).toBe(
      'KEYFILE_WRONG_PASSWORD',
    );
    const kit = await alice.call('settings.revealEmergencyKit', { password: STRONG_PASSWORD });
    expect(kit.words).toEqual(aliceWords);
  });

  it('changes the password (re-wraps the keyfile; the old password stops working)', async () => {
    const next = 'quartz meadow tuba falcon';
    await alice.call('settings.changePassword', {
      currentPassword: STRONG_PASSWORD,
      newPassword: next,
      acceptWeak: false,
    });
    await alice.call('session.lock', {});
    expect(await alice.failure('session.unlock', { password: STRONG_PASSWORD })).toBe(
      'KEYFILE_WRONG_PASSWORD',
    );
    await alice.call('session.unlock', { password: next });
    await alice.call('settings.changePassword', {
      currentPassword: next,
      newPassword: STRONG_PASSWORD,
      acceptWeak: false,
    });
  });

  it('restores from the Emergency Kit on a fresh device and opens the workspace', async () => {
    const fresh = await newCore();
    expect(
      await fresh.failure('onboarding.restoreFromKit', {
        words: aliceWords.slice(0, 23).join(' '),
        password: STRONG_PASSWORD,
        acceptWeak: false,
      }),
    ).toBe('KIT_INVALID');
    const restored = await fresh.call('onboarding.restoreFromKit', {
      words: aliceWords.join('  ').toUpperCase(),
      password: 'a brand new device password',
      acceptWeak: false,
    });
    expect(restored.state).toBe('unlocked');
    expect(restored.setup.kitConfirmed).toBe(true);
    const aliceState = await alice.call('session.state', {});
    expect(restored.identity!.address).toBe(aliceState.identity!.address);
    await fresh.call('onboarding.chooseServer', { mode: 'remote', url: server.url });
    const existing = await fresh.call('onboarding.existingWorkspaces', {});
    expect(existing.workspaces.map((w) => w.id)).toEqual(['acme-core-test']);
    expect(
      await fresh.failure('onboarding.openWorkspace', {
        workspaceId: 'acme-core-test',
        expectFingerprint: '00000 '.repeat(12).trim(),
      }),
    ).toBe('MEMBERSHIP_FORK');
    const opened = await fresh.call('onboarding.openWorkspace', {
      workspaceId: 'acme-core-test',
      expectFingerprint: workspaceFingerprint,
    });
    expect(opened.setup.workspace?.username).toBe('alice');
    // The new keyfile opens with the new password and holds the same root secret.
    const keyfile = parseKeyfile(
      await readFile(path.join(fresh.dataDir, 'profile', 'keyfile.json'), 'utf8'),
    );
    expect(() =>
      unlockKeyfile(keyfile, STRONG_PASSWORD, { testOnlyAllowWeakParams: true }),
    ).toThrow(expect.objectContaining({ code: 'KEYFILE_WRONG_PASSWORD' }));
  });

  it('a workspace with a wrong password for password access is refused before anything is created', async () => {
    const dave = await newCore();
    await firstRun(dave, 'Dave');
    const before = await dave.call('session.state', {});
    expect(
      await dave.failure('onboarding.createWorkspace', {
        displayName: 'Dave’s',
        workspaceId: 'dave-space',
        username: 'dave',
        password: 'not the device password',
      }),
    ).toBe('KEYFILE_WRONG_PASSWORD');
    // Nothing half set up: no workspace on the server, none in the session.
    expect((await dave.call('onboarding.existingWorkspaces', {})).workspaces).toEqual([]);
    const after = await dave.call('session.state', {});
    expect(after.setup.workspace).toEqual(before.setup.workspace);
    expect(after.passwordAccess).toBe(false);
    const created = await dave.call('onboarding.createWorkspace', {
      displayName: 'Dave’s',
      workspaceId: 'dave-space',
      username: 'dave',
    });
    expect(created.setup.workspace?.id).toBe('dave-space');
  });

  // SPAKE2+EE's Argon2id runs at the real floor in each registration and sign-in below: about
  // 25 s on this 2-core machine when it has nothing else to do, so the default 30 s is too tight.
  it('password access: set up with the workspace, then a new device signs in with the password only', async () => {
    const carol = await newCore();
    await firstRun(carol, 'Carol');
    const state = await carol.call('onboarding.createWorkspace', {
      displayName: 'Carol’s',
      workspaceId: 'carol-space',
      username: 'carol',
      password: STRONG_PASSWORD,
    });
    expect(state.passwordAccess).toBe(true);
    const laptop = await newCore();
    expect(
      await laptop.failure('onboarding.signInWithPassword', {
        serverUrl: server.url,
        workspaceId: 'carol-space',
        username: 'carol',
        password: 'not her password',
      }),
    ).toBe('PAKE_ABORTED');
    const signedIn = await laptop.call('onboarding.signInWithPassword', {
      serverUrl: server.url,
      workspaceId: 'carol-space',
      username: 'Carol',
      password: STRONG_PASSWORD,
      expectFingerprint: state.setup.workspace!.fingerprint,
    });
    expect(signedIn.state).toBe('unlocked');
    expect(signedIn.identity!.address).toBe(state.identity!.address);
    expect(signedIn.setup.workspace).toMatchObject({ id: 'carol-space', username: 'carol' });
    expect(signedIn.passwordAccess).toBe(true);
    await laptop.call('session.lock', {});
    expect((await laptop.call('session.unlock', { password: STRONG_PASSWORD })).state).toBe(
      'unlocked',
    );

    // A new password re-registers password access: the old one stops working for new devices.
    const next = 'walnut glacier trumpet comet';
    await carol.call('settings.changePassword', {
      currentPassword: STRONG_PASSWORD,
      newPassword: next,
      acceptWeak: false,
    });
    const phone = await newCore();
    const signIn = (password: string) =>
      phone.failure('onboarding.signInWithPassword', {
        serverUrl: server.url,
        workspaceId: 'carol-space',
        username: 'carol',
        password,
      });
    expect(await signIn(STRONG_PASSWORD)).toBe('PAKE_ABORTED');
    expect(await signIn(next)).toBe('no error');
  }, 120_000);
});
