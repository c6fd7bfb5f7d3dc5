/**
 * The store browser end to end under Node, through the real IPC dispatcher against a real
 * server: two members (alice ROOT, bob STORE_USE), what each one sees, reveal and copy, create /
 * edit / conflict / delete + undo, namespaces (isolated too), sharing and revoking with the
 * explanation, live `vault.changed` events, and the workspace switcher. Offline behaviour is in
 * vault-offline.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady } from '../../../src-shared/crypto/index.js';
import type { IpcEvent } from '../../../src-shared/ipc/contract.js';
import { startSdkTestServer, type SdkTestServer } from '../../../src-shared/sdk/test/server.js';
import {
  onboardTestCore,
  startTestCore,
  STRONG_PASSWORD,
  type TestCore,
} from '../test/core-harness.js';
import type { Clipboard } from './clipboard.js';

let server: SdkTestServer;
const cores: TestCore[] = [];
let alice: TestCore;
let bob: TestCore;
const WORKSPACE = 'vault-core-test';

/** A clipboard in memory. */
function fakeClipboard(): Clipboard & { text: string } {
  return {
    text: '',
    writeText(text) {
      this.text = text;
    },
    readText() {
      return this.text;
    },
    clear() {
      this.text = '';
    },
  };
}
const clipboard = fakeClipboard();

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function onboard(core: TestCore, name: string): Promise<void> {
  await onboardTestCore(core, { displayName: name, server: { mode: 'remote', url: server.url } });
}

function eventsOf(core: TestCore, event: IpcEvent) {
  return core.events.filter((e) => e.event === event).map((e) => e.payload);
}

beforeAll(async () => {
  await cryptoReady();
  server = await startSdkTestServer();
  alice = await startTestCore({ clipboard });
  bob = await startTestCore();
  cores.push(alice, bob);
  await onboard(alice, 'Alice');
  const created = await alice.call('onboarding.createWorkspace', {
    displayName: 'Vault test',
    workspaceId: WORKSPACE,
    username: 'alice',
  });
  await onboard(bob, 'Bob');
  const waiting = await bob.call('onboarding.startJoin', {
    username: 'bob',
    workspaceId: WORKSPACE,
    expectFingerprint: created.setup.workspace!.fingerprint,
  });
  await alice.call('members.import', {
    payload: waiting.setup.join!.invitation,
    permissions: ['STORE_USE', 'STORE_SHARE'],
    fingerprintConfirmed: true,
  });
  await waitFor(async () => {
    const state = await bob.call('session.state', {});
    return state.setup.workspace && state.setup.join === null ? state : undefined;
  });
}, 60_000);

afterAll(async () => {
  for (const core of cores) await core.stop();
  await server?.close();
});

describe('vault', () => {
  it('an empty workspace: no store yet, and only ROOT may create it', async () => {
    const a = await alice.call('vault.snapshot', {});
    expect(a).toMatchObject({
      workspaceId: WORKSPACE,
      displayName: 'Vault test',
      you: 'alice',
      hasStore: false,
      canCreateStore: true,
      namespaces: [],
      entries: [],
      source: 'server',
      offlineReason: null,
    });
    const b = await bob.call('vault.snapshot', {});
    expect(b).toMatchObject({ you: 'bob', hasStore: false, canCreateStore: false });
    expect(await bob.failure('vault.setEntry', { path: 'x', value: 'v', expiresAt: null })).toBe(
      'STORE_NOT_FOUND',
    );
    expect(await alice.call('vault.connection', {})).toMatchObject({ online: true, reason: null });
  });

  it('creates, reads, edits (with conflicts) and lists entries with their metadata', async () => {
    const team = await alice.call('vault.createNamespace', { path: 'team', isolated: false });
    expect(team).toEqual({
      path: 'team',
      isolated: false,
      access: ['READ', 'WRITE', 'DELETE', 'EJECT'],
    });
    const created = await alice.call('vault.setEntry', {
      path: 'team/db',
      value: 'hunter2',
      expiresAt: null,
      create: true,
    });
    expect(created).toEqual({
      path: 'team/db',
      namespace: 'team',
      version: 1,
      writer: 'alice',
      expiresAt: null,
      expired: false,
      access: ['READ', 'WRITE', 'DELETE', 'EJECT'],
    });
    expect(
      await alice.failure('vault.setEntry', {
        path: 'team/db',
        value: 'other',
        expiresAt: null,
        create: true,
      }),
    ).toBe('STORE_EXISTS');
    const edited = await alice.call('vault.setEntry', {
      path: 'team/db',
      value: 'hunter3',
      expiresAt: null,
      expectVersion: 1,
    });
    expect(edited.version).toBe(2);
    // Someone (here: the same user in another window) edits from the old version: refused.
    expect(
      await alice.failure('vault.setEntry', {
        path: 'team/db',
        value: 'stale edit',
        expiresAt: null,
        expectVersion: 1,
      }),
    ).toBe('STORE_CONFLICT');
    expect(await alice.call('vault.reveal', { path: 'team/db' })).toEqual({
      path: 'team/db',
      value: 'hunter3',
      version: 2,
      writer: 'alice',
      expiresAt: null,
    });

    const soon = new Date(Date.now() + 3_600_000).toISOString();
    await alice.call('vault.setEntry', {
      path: 'team/api',
      value: 'key-1',
      expiresAt: soon,
      create: true,
    });
    await alice.call('vault.setEntry', { path: 'top', value: 'at the root', expiresAt: null });

    const snapshot = await alice.call('vault.snapshot', {});
    expect(snapshot.hasStore).toBe(true);
    expect(snapshot.canCreateStore).toBe(false);
    expect(snapshot.namespaces.map((n) => n.path)).toEqual(['', 'team']);
    expect(snapshot.entries.map((e) => [e.path, e.namespace, e.version])).toEqual([
      ['team/api', 'team', 1],
      ['team/db', 'team', 2],
      ['top', '', 1],
    ]);
    const api = snapshot.entries.find((e) => e.path === 'team/api')!;
    expect(api).toMatchObject({ expiresAt: soon, expired: false, writer: 'alice' });
    // No value in the listing.
    expect(JSON.stringify(snapshot)).not.toContain('hunter3');
    // Own writes told the renderer (origin local).
    expect(eventsOf(alice, 'vault.changed')).toContainEqual({
      workspaceId: WORKSPACE,
      origin: 'local',
    });
  });

  it('bob sees nothing of it without a grant', async () => {
    const b = await bob.call('vault.snapshot', {});
    expect(b.hasStore).toBe(true);
    expect(b.entries).toEqual([]);
    expect(b.namespaces).toEqual([]);
    expect(await bob.failure('vault.reveal', { path: 'team/db' })).toBe('STORE_NO_KEY');
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const before = await alice.call('vault.snapshot', {});
    const code = (channel: Parameters<TestCore['failure']>[0], request: unknown) =>
      alice.failure(channel, request as never);
    // Not what the contract allows: refused before the core sees it.
    expect(await code('vault.setEntry', { path: '', value: 'v', expiresAt: null })).toBe(
      'IPC_INVALID_REQUEST',
    );
    expect(
      await code('vault.setEntry', { path: 'x', value: 'v'.repeat(70_000), expiresAt: null }),
    ).toBe('IPC_INVALID_REQUEST');
    expect(await code('vault.setEntry', { path: 'x', value: 'v', expiresAt: 'tomorrow' })).toBe(
      'IPC_INVALID_REQUEST',
    );
    expect(await code('vault.reveal', { path: 'x', extra: true })).toBe('IPC_INVALID_REQUEST');
    expect(await code('vault.grant', { path: 'team', kind: 'folder', grantee: 'bob' })).toBe(
      'IPC_INVALID_REQUEST',
    );
    expect(await code('vault.undoDelete', { undoToken: 'x'.repeat(500) })).toBe(
      'IPC_INVALID_REQUEST',
    );
    // Allowed by the contract, refused by the store's rules.
    expect(
      await alice.failure('vault.setEntry', {
        path: 'team/big',
        value: 'v'.repeat(3000),
        expiresAt: null,
      }),
    ).toBe('STORE_VALUE_TOO_LARGE');
    expect(
      await alice.failure('vault.setEntry', {
        path: `team/${'s'.repeat(300)}`,
        value: 'v',
        expiresAt: null,
      }),
    ).toBe('STORE_INVALID_PATH');
    expect(await alice.failure('vault.reveal', { path: 'team/nothing-here' })).toBe(
      'STORE_NOT_FOUND',
    );
    expect(await alice.failure('vault.undoDelete', { undoToken: 'not-a-token' })).toBe(
      'STORE_NOT_FOUND',
    );
    expect(
      await alice.failure('vault.grant', {
        path: 'team',
        kind: 'namespace',
        grantee: 'nobody',
        access: ['READ'],
      }),
    ).toBe('MEMBERSHIP_UNKNOWN_MEMBER');
    // Nothing changed.
    const after = await alice.call('vault.snapshot', {});
    expect(after.entries.map((e) => [e.path, e.version])).toEqual(
      before.entries.map((e) => [e.path, e.version]),
    );
  });

  it('deletes with undo: the value comes back from core memory', async () => {
    await alice.call('vault.setEntry', { path: 'team/tmp', value: 'temporary', expiresAt: null });
    const deleted = await alice.call('vault.deleteEntry', { path: 'team/tmp' });
    expect(deleted).toMatchObject({ path: 'team/tmp', undoSeconds: 10 });
    expect(deleted).not.toHaveProperty('value');
    let snapshot = await alice.call('vault.snapshot', {});
    expect(snapshot.entries.map((e) => e.path)).not.toContain('team/tmp');
    const restored = await alice.call('vault.undoDelete', { undoToken: deleted.undoToken });
    expect(restored).toMatchObject({ path: 'team/tmp', writer: 'alice' });
    expect((await alice.call('vault.reveal', { path: 'team/tmp' })).value).toBe('temporary');
    // A token works once.
    expect(await alice.failure('vault.undoDelete', { undoToken: deleted.undoToken })).toBe(
      'STORE_NOT_FOUND',
    );
    // Locking wipes pending undos.
    const again = await alice.call('vault.deleteEntry', { path: 'team/tmp' });
    await alice.call('session.lock', {});
    await alice.call('session.unlock', { password: STRONG_PASSWORD });
    expect(await alice.failure('vault.undoDelete', { undoToken: again.undoToken })).toBe(
      'STORE_NOT_FOUND',
    );
    snapshot = await alice.call('vault.snapshot', {});
    expect(snapshot.entries.map((e) => e.path)).not.toContain('team/tmp');
  });

  it('namespaces: isolated ones, and deleting one moves its content up', async () => {
    const isolated = await alice.call('vault.createNamespace', { path: 'private', isolated: true });
    expect(isolated).toMatchObject({ path: 'private', isolated: true });
    await alice.call('vault.setEntry', { path: 'private/pin', value: '1234', expiresAt: null });
    await alice.call('vault.createNamespace', { path: 'scratch', isolated: false });
    await alice.call('vault.setEntry', { path: 'scratch/note', value: 'n', expiresAt: null });
    expect(await alice.call('vault.deleteNamespace', { path: 'scratch' })).toEqual({
      path: 'scratch',
      moved: 1,
    });
    const snapshot = await alice.call('vault.snapshot', {});
    expect(snapshot.namespaces.map((n) => [n.path, n.isolated])).toEqual([
      ['', false],
      ['private', true],
      ['team', false],
    ]);
    expect(snapshot.entries.find((e) => e.path === 'scratch/note')?.namespace).toBe('');
  });

  it('sharing: a grant lets bob see and read; the live event reaches him', async () => {
    bob.events.length = 0;
    const sharing = await alice.call('vault.grant', {
      path: 'team',
      kind: 'namespace',
      grantee: 'bob',
      access: ['READ'],
    });
    expect(sharing.grants).toEqual([
      { grantee: 'bob', granter: 'alice', access: ['READ'], valid: true, problem: null },
    ]);
    expect(sharing.members).toEqual([
      { name: 'alice', you: true, access: ['READ', 'WRITE', 'DELETE', 'EJECT'] },
      { name: 'bob', you: false, access: ['READ'] },
    ]);
    expect(sharing.yourAccess).toEqual(['READ', 'WRITE', 'DELETE', 'EJECT']);
    await waitFor(() =>
      eventsOf(bob, 'vault.changed').some((p) => (p as { origin: string }).origin === 'remote')
        ? true
        : undefined,
    );
    const b = await bob.call('vault.snapshot', {});
    expect(b.namespaces.map((n) => [n.path, n.access])).toEqual([
      ['', []],
      ['team', ['READ']],
    ]);
    expect(b.entries.map((e) => [e.path, e.access])).toEqual([
      ['team/api', ['READ']],
      ['team/db', ['READ']],
    ]);
    expect((await bob.call('vault.reveal', { path: 'team/db' })).value).toBe('hunter3');
    expect(
      await bob.failure('vault.setEntry', { path: 'team/db', value: 'x', expiresAt: null }),
    ).toBe('STORE_FORBIDDEN');
    // The sharing view as bob sees it.
    const seen = await bob.call('vault.sharing', { path: 'team', kind: 'namespace' });
    expect(seen.yourAccess).toEqual(['READ']);
    expect(await bob.failure('vault.sharing', { path: 'team', kind: 'entry' })).toBe(
      'STORE_NOT_FOUND',
    );
  });

  it('a change by alice reaches bob live as remote, and alice only as local', async () => {
    alice.events.length = 0;
    bob.events.length = 0;
    await alice.call('vault.setEntry', {
      path: 'team/db',
      value: 'hunter4',
      expiresAt: null,
      expectVersion: 2,
    });
    await waitFor(() => (eventsOf(bob, 'vault.changed').length > 0 ? true : undefined));
    expect(eventsOf(bob, 'vault.changed')).toEqual([{ workspaceId: WORKSPACE, origin: 'remote' }]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(eventsOf(alice, 'vault.changed')).toEqual([{ workspaceId: WORKSPACE, origin: 'local' }]);
    expect((await bob.call('vault.reveal', { path: 'team/db' })).value).toBe('hunter4');
  });

  it('revoke: bob cannot read what is written next, and is told what he still reaches', async () => {
    // Bob also holds a direct share of one entry inside team/ and a share outside it.
    await alice.call('vault.grant', {
      path: 'team/api',
      kind: 'entry',
      grantee: 'bob',
      access: ['READ'],
    });
    await alice.call('vault.grant', {
      path: 'private',
      kind: 'namespace',
      grantee: 'bob',
      access: ['READ'],
    });
    const revoked = await alice.call('vault.revoke', {
      path: 'team',
      kind: 'namespace',
      grantee: 'bob',
    });
    expect(revoked.sharing.grants).toEqual([]);
    expect(revoked.sharing.members.find((m) => m.name === 'bob')?.access).toEqual([]);
    const cannot = revoked.cannot.join('\n');
    const canStill = revoked.canStill.join('\n');
    expect(cannot).toContain('Read anything written to team/ from now on');
    expect(cannot).toContain('2 current values in team/');
    expect(canStill).toContain('Values they already read or copied before');
    expect(canStill).toContain('The current values of the 2 entries in team/');
    expect(canStill).toContain('through other grants here: team/api.');
    expect(canStill).toContain('outside team/: private/');

    await alice.call('vault.setEntry', { path: 'team/db', value: 'hunter5', expiresAt: null });
    expect(await bob.failure('vault.reveal', { path: 'team/db' })).toBe('STORE_NO_KEY');
    const b = await bob.call('vault.snapshot', {});
    expect(b.entries.map((e) => e.path)).toEqual(['private/pin', 'team/api']);
    expect((await bob.call('vault.reveal', { path: 'team/api' })).value).toBe('key-1');

    // Revoking the direct share of one entry re-encrypts it.
    const entry = await alice.call('vault.revoke', {
      path: 'team/api',
      kind: 'entry',
      grantee: 'bob',
    });
    expect(entry.cannot[0]).toMatch(/^Read team\/api from now on.*now version 2/);
    expect(entry.canStill[0]).toContain('re-encrypting changes its key, not the value');
    expect(await bob.failure('vault.reveal', { path: 'team/api' })).toBe('STORE_NO_KEY');
  });

  it('copy: by the core with a clipboard port (cleared on lock if unchanged), else by the renderer', async () => {
    const copied = await alice.call('vault.copy', { path: 'team/db' });
    expect(copied).toEqual({ by: 'core', clearAfterSeconds: 30 });
    expect(clipboard.text).toBe('hunter5');
    await alice.call('session.lock', {});
    expect(clipboard.text).toBe('');
    await alice.call('session.unlock', { password: STRONG_PASSWORD });
    await alice.call('vault.copy', { path: 'team/db' });
    clipboard.text = 'something the user copied later';
    await alice.call('session.lock', {});
    expect(clipboard.text).toBe('something the user copied later');
    await alice.call('session.unlock', { password: STRONG_PASSWORD });

    expect(await bob.call('vault.copy', { path: 'private/pin' })).toEqual({
      by: 'renderer',
      value: '1234',
      clearAfterSeconds: 30,
    });
  });

  it('lists the workspaces of this identity and switches between them', async () => {
    const client = alice.core.services.session.client();
    await client.workspace.create('Second', { workspaceId: 'vault-second', username: 'alice' });
    const listed = await alice.call('vault.workspaces', {});
    expect(listed.workspaces).toEqual([
      {
        id: 'vault-second',
        displayName: 'Second',
        current: false,
        fingerprint: expect.stringMatching(/^\d{5}( \d{5}){11}$/),
        verifiedHere: true,
      },
      {
        id: WORKSPACE,
        displayName: 'Vault test',
        current: true,
        fingerprint: expect.stringMatching(/^\d{5}( \d{5}){11}$/),
        verifiedHere: true,
      },
    ]);
    expect((await bob.call('vault.workspaces', {})).workspaces).toMatchObject([
      { id: WORKSPACE, displayName: 'Vault test', current: true, verifiedHere: true },
    ]);
    expect(await bob.failure('vault.switchWorkspace', { workspaceId: 'vault-second' })).toBe(
      'MEMBERSHIP_UNKNOWN_MEMBER',
    );
    const switched = await alice.call('vault.switchWorkspace', { workspaceId: 'vault-second' });
    expect(switched.workspaces.find((w) => w.current)?.id).toBe('vault-second');
    const second = await alice.call('vault.snapshot', {});
    expect(second).toMatchObject({ workspaceId: 'vault-second', hasStore: false, entries: [] });
    expect((await alice.call('session.state', {})).setup.workspace?.id).toBe('vault-second');
    await alice.call('vault.switchWorkspace', { workspaceId: WORKSPACE });
    const back = await alice.call('vault.snapshot', {});
    expect(back.workspaceId).toBe(WORKSPACE);
    expect(back.entries.length).toBeGreaterThan(0);
  });

  it('opens a workspace this device never verified only with its compared fingerprint', async () => {
    // Bob makes a workspace of his own and adds Alice: her device has never seen it.
    const bobClient = bob.core.services.session.client();
    await bobClient.workspace.create('Bob’s', { workspaceId: 'vault-bobs', username: 'bob' });
    await bob.call('vault.switchWorkspace', { workspaceId: 'vault-bobs' });
    const invitation = await alice.core.services.session.client().user.generate('alice');
    await bob.core.services.session.client().user.import(invitation.invitation, ['STORE_USE']);

    const listed = (await alice.call('vault.workspaces', {})).workspaces;
    const target = listed.find((w) => w.id === 'vault-bobs')!;
    expect(target).toMatchObject({ displayName: 'Bob’s', current: false, verifiedHere: false });
    expect(await alice.failure('vault.switchWorkspace', { workspaceId: 'vault-bobs' })).toBe(
      'MEMBERSHIP_FINGERPRINT_REQUIRED',
    );
    const other = listed.find((w) => w.id === WORKSPACE)!.fingerprint!;
    expect(
      await alice.failure('vault.switchWorkspace', {
        workspaceId: 'vault-bobs',
        expectFingerprint: other,
      }),
    ).toBe('MEMBERSHIP_FORK');
    expect((await alice.call('session.state', {})).setup.workspace?.id).toBe(WORKSPACE);
    const switched = await alice.call('vault.switchWorkspace', {
      workspaceId: 'vault-bobs',
      expectFingerprint: target.fingerprint!,
    });
    expect(switched.workspaces.find((w) => w.current)).toMatchObject({
      id: 'vault-bobs',
      verifiedHere: true,
    });
    await alice.call('vault.switchWorkspace', { workspaceId: WORKSPACE });
    await bob.call('vault.switchWorkspace', { workspaceId: WORKSPACE });
  });
});
