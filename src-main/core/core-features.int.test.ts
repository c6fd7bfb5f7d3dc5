/**
 * App-core features beyond the main flow (app-core.test.ts): the embedded server across a
 * restart, quick unlock with a (fake) OS keychain, and the loud verification failure when the
 * server serves a membership log that does not verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady } from '../../src-shared/crypto/index.js';
import { MaliciousProxy, type ProxiedRequest } from '../../src-shared/sdk/test/malicious-proxy.js';
import { startSdkTestServer, type SdkTestServer } from '../../src-shared/sdk/test/server.js';
import { useTestBackends } from '../../src-shared/sdk/test/backends.js';
import { entryHash, type MembershipEntry } from '../../src-shared/workspace/membership-log.js';
import type { Keychain } from './session/keychain.js';
import {
  onboardTestCore,
  startTestCore,
  STRONG_PASSWORD,
  type TestCore,
} from './test/core-harness.js';

// before the cleanup below: after-hooks run last-registered first, so the servers close before
// the PostgreSQL cluster stops
const backends = useTestBackends();
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});
beforeAll(async () => {
  await cryptoReady();
});

async function onboard(
  core: TestCore,
  server: { mode: 'embedded' } | { mode: 'remote'; url: string },
) {
  await onboardTestCore(core, {
    displayName: 'Ada',
    server,
    workspace: { displayName: 'Home', workspaceId: 'home-space', username: 'ada' },
  });
  return core.call('session.state', {});
}

/** A keychain that "encrypts" by reversing and tagging (enough to test the plumbing). */
function fakeKeychain(): Keychain & { sealed: number } {
  return {
    sealed: 0,
    available: () => true,
    encrypt(plain) {
      this.sealed++;
      return new TextEncoder().encode(`sealed:${[...plain].reverse().join('')}`);
    },
    decrypt(sealed) {
      const text = new TextDecoder().decode(sealed);
      if (!text.startsWith('sealed:')) throw new Error('not ours');
      return [...text.slice(7)].reverse().join('');
    },
  };
}

describe('embedded server', () => {
  it('runs in the core, keeps its data and address across a restart', async () => {
    const first = await startTestCore();
    cleanup.push(() => first.stop());
    const state = await onboard(first, { mode: 'embedded' });
    expect(state.setup.server).toMatchObject({ mode: 'embedded' });
    const url = state.setup.server!.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const settings = await first.call('settings.get', {});
    expect(settings.embeddedServerDir).toBe(`${first.dataDir}/server`);
    // Browser mode has no keychain: the setting is absent.
    expect(settings.quickUnlock).toBeUndefined();
    const dataDir = first.dataDir;
    await first.core.stop();

    const second = await startTestCore({ dataDir });
    cleanup.push(() => second.stop());
    const locked = await second.call('session.state', {});
    expect(locked.state).toBe('locked');
    expect(locked.setup.server?.url).toBe(url);
    await second.call('session.unlock', { password: STRONG_PASSWORD });
    const ws = await second.call('members.workspace', {});
    expect(ws.members.map((m) => m.name)).toEqual(['ada']);
  });
});

describe('quick unlock', () => {
  let server: SdkTestServer;
  beforeAll(async () => {
    server = await startSdkTestServer();
    cleanup.push(() => server.close());
  });

  it('is offered only with a keychain, off by default, and unlocks without the password', async () => {
    const keychain = fakeKeychain();
    const core = await startTestCore({ keychain });
    cleanup.push(() => core.stop());
    await onboard(core, { mode: 'remote', url: server.url });
    expect((await core.call('settings.get', {})).quickUnlock).toEqual({ enabled: false });
    await core.call('session.lock', {});
    expect(await core.failure('session.quickUnlock', {})).toBe('KEYCHAIN_UNAVAILABLE');
    await core.call('session.unlock', { password: STRONG_PASSWORD });
    expect(
      await core.failure('settings.setQuickUnlock', { enabled: true, password: 'wrong' }),
    ).toBe('KEYFILE_WRONG_PASSWORD');
    const on = await core.call('settings.setQuickUnlock', {
      enabled: true,
      password: STRONG_PASSWORD,
    });
    expect(on.quickUnlock).toEqual({ enabled: true });
    await core.call('session.lock', {});
    const lockedState = await core.call('session.state', {});
    expect(lockedState.quickUnlock).toBe(true);
    expect((await core.call('session.quickUnlock', {})).state).toBe('unlocked');
    // A new password re-enrolls the keychain key for the new keyfile.
    await core.call('settings.changePassword', {
      currentPassword: STRONG_PASSWORD,
      newPassword: 'saffron kettle nebula drum',
      acceptWeak: false,
    });
    await core.call('session.lock', {});
    expect((await core.call('session.quickUnlock', {})).state).toBe('unlocked');
    await core.call('settings.setQuickUnlock', { enabled: false });
    await core.call('session.lock', {});
    expect(await core.failure('session.quickUnlock', {})).toBe('KEYCHAIN_UNAVAILABLE');
  });
});

describe.each(backends)('verification failure ($name)', (backend) => {
  it('a rolled-back membership log is refused and raises the loud warning until dismissed', async () => {
    const server = await startSdkTestServer({ backend });
    cleanup.push(() => server.close());
    const proxy = await MaliciousProxy.start(server.url);
    server.trustPublicUrl(proxy.url); // the proxy plays the server itself, not a relay
    cleanup.push(() => proxy.close());
    const isLogPage = (request: ProxiedRequest, status: number) =>
      request.method === 'GET' && request.pathname.endsWith('/log') && status === 200;
    // the genesis as the server serves it (to replay the log of before the friend joined)
    let genesis: MembershipEntry | undefined;
    proxy.rewrite = (request, status, body) => {
      if (isLogPage(request, status)) {
        genesis ??= (body as { entries: MembershipEntry[] }).entries.find((e) => e.seq === 0);
      }
      return undefined;
    };
    const admin = await startTestCore();
    cleanup.push(() => admin.stop());
    await onboard(admin, { mode: 'remote', url: proxy.url });
    const friend = await startTestCore();
    cleanup.push(() => friend.stop());
    await friend.call('onboarding.createIdentity', {
      displayName: 'Friend',
      password: STRONG_PASSWORD,
      acceptWeak: false,
    });
    const friendKit = await friend.call('onboarding.emergencyKit', {});
    await friend.call('onboarding.confirmEmergencyKit', {
      answers: friendKit.confirm.map((position) => ({
        position,
        word: friendKit.words[position - 1]!,
      })),
    });
    await friend.call('onboarding.chooseServer', { mode: 'remote', url: server.url });
    const waiting = await friend.call('onboarding.startJoin', { username: 'friend' });
    await admin.call('members.import', {
      payload: waiting.setup.join!.invitation,
      permissions: [],
      fingerprintConfirmed: true,
    });
    expect((await admin.call('session.state', {})).verification.ok).toBe(true);

    // The server now hides the last entry (a rollback to before the friend was added): a
    // consistent log of the genesis alone, as the server served it before the friend joined.
    const first = genesis;
    expect(first?.seq).toBe(0);
    proxy.rewrite = (request, status, body) => {
      if (!isLogPage(request, status) || !first) return undefined;
      const from = Number(request.query.get('from') ?? '0');
      return {
        ...(body as object),
        entries: from === 0 ? [first] : [],
        head: { seq: 0, hash: entryHash(first) },
        next: null,
      };
    };
    const code = await admin.failure('members.log', {});
    expect(code).toBe('MEMBERSHIP_ROLLBACK');
    const warned = await admin.call('session.state', {});
    expect(warned.verification).toMatchObject({ ok: false, code });
    expect(
      admin.events.some(
        (e) =>
          e.event === 'session.changed' &&
          (e.payload as { verification: { ok: boolean } }).verification.ok === false,
      ),
    ).toBe(true);
    proxy.rewrite = undefined;
    // Still shown after a good answer: it stays until the user has read it.
    await admin.call('members.workspace', {});
    expect((await admin.call('session.state', {})).verification.ok).toBe(false);
    const dismissed = await admin.call('members.dismissVerificationWarning', {});
    expect(dismissed.verification.ok).toBe(true);
  });
});
