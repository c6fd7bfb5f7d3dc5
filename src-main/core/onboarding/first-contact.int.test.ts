/**
 * The app's first contact with a workspace (join by invitation, sign-in with the password on a
 * new device): without a fingerprint the user confirmed, the core pins nothing and does not make
 * the workspace this device's one — the join ends on the workspace step, where the user compares
 * the fingerprint and opens it (`onboarding.openWorkspace` with the compared fingerprint).
 */
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

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('first contact in the app', () => {
  it(
    'a join without a fingerprint ends at the workspace step; opening it needs the compared fingerprint',
    { timeout: 120_000 },
    async () => {
      const alice = await newCore();
      await onboardTestCore(alice, {
        displayName: 'Alice',
        server: { mode: 'remote', url: server.url },
        workspace: {
          displayName: 'First contact',
          workspaceId: 'first-contact',
          username: 'alice',
        },
      });
      const fingerprint = (await alice.call('session.state', {})).setup.workspace!.fingerprint;
      const bob = await newCore();
      await onboardTestCore(bob, {
        displayName: 'Bob',
        server: { mode: 'remote', url: server.url },
      });
      const waiting = await bob.call('onboarding.startJoin', { username: 'bob' });
      await alice.call('members.import', {
        payload: waiting.setup.join!.invitation,
        permissions: ['STORE_USE'],
        fingerprintConfirmed: true,
      });
      // the join ends by itself, but the workspace is not this device's yet
      const ended = await waitFor(async () => {
        const state = await bob.call('session.state', {});
        return state.setup.join === null ? state : undefined;
      });
      expect(ended.setup.workspace).toBeNull();
      const existing = await bob.call('onboarding.existingWorkspaces', {});
      expect(existing.workspaces).toMatchObject([{ id: 'first-contact', fingerprint }]);
      // opening it without the compared fingerprint is refused
      expect(await bob.failure('onboarding.openWorkspace', { workspaceId: 'first-contact' })).toBe(
        'MEMBERSHIP_FINGERPRINT_REQUIRED',
      );
      expect((await bob.call('session.state', {})).setup.workspace).toBeNull();
      // with it: as before
      const opened = await bob.call('onboarding.openWorkspace', {
        workspaceId: 'first-contact',
        expectFingerprint: fingerprint,
      });
      expect(opened.setup.workspace).toMatchObject({ id: 'first-contact', username: 'bob' });
    },
  );

  it(
    'password sign-in without a fingerprint saves the identity but opens no workspace until confirmed',
    { timeout: 120_000 },
    async () => {
      const carol = await newCore();
      await onboardTestCore(carol, {
        displayName: 'Carol',
        server: { mode: 'remote', url: server.url },
      });
      const created = await carol.call('onboarding.createWorkspace', {
        displayName: 'Carol first contact',
        workspaceId: 'carol-first',
        username: 'carol',
        password: STRONG_PASSWORD,
      });
      const fingerprint = created.setup.workspace!.fingerprint;
      const laptop = await newCore();
      const signedIn = await laptop.call('onboarding.signInWithPassword', {
        serverUrl: server.url,
        workspaceId: 'carol-first',
        username: 'carol',
        password: STRONG_PASSWORD,
      });
      expect(signedIn.state).toBe('unlocked');
      expect(signedIn.setup.workspace).toBeNull();
      expect(await laptop.failure('onboarding.openWorkspace', { workspaceId: 'carol-first' })).toBe(
        'MEMBERSHIP_FINGERPRINT_REQUIRED',
      );
      const opened = await laptop.call('onboarding.openWorkspace', {
        workspaceId: 'carol-first',
        expectFingerprint: fingerprint,
      });
      expect(opened.setup.workspace).toMatchObject({ id: 'carol-first', username: 'carol' });
    },
  );
});
