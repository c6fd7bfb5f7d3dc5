/**
 * Trust on first use needs the user: a workspace this client never pinned is pinned only with a
 * fingerprint the user confirmed (`expectFingerprint`, per call or as a client option). Without
 * it the log is still verified and can be read, but nothing is pinned and nothing is written —
 * neither to the store nor to the membership log (`MEMBERSHIP_FINGERPRINT_REQUIRED`, which says
 * how to confirm). A server could otherwise present a look-alike workspace (same id, a copied
 * invitation signature) and collect what the joiner writes under keys it controls.
 */
import { describe, expect, it } from 'vitest';
import { generateSignKeyPair, randomBytes } from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { BackboneClient } from './client.js';
import type { ClientPrivateKey } from './keys.js';
import { MemoryClientStore } from './store.js';
import { useSdkTestServer, useTestBackends } from './test/backends.js';

const backends = useTestBackends();

function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => new Error(`no refusal; got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
}

function expectFingerprintRequired(error: unknown): void {
  expect(isBackboneError(error) ? error.code : String(error)).toBe(
    'MEMBERSHIP_FINGERPRINT_REQUIRED',
  );
  // the message says how to confirm
  expect((error as Error).message).toMatch(/--fingerprint/);
  expect((error as Error).message).toMatch(/expectFingerprint/);
}

describe.each(backends)('first contact with a workspace ($name)', (backend) => {
  const server = useSdkTestServer(backend);

  it('without a confirmed fingerprint: reads verify, but nothing is pinned and nothing is written', async () => {
    const aliceKey = newKey();
    const alice = new BackboneClient({
      server: server.url,
      username: 'alice',
      privateKey: aliceKey,
    });
    const ws = await alice.workspace.create('Confirm me');
    await alice.namespace.create('team');
    await alice.entry.set('team/db', 'alice-secret');
    const bobKey = newKey();
    const bobStore = new MemoryClientStore();
    const bob = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      username: 'bob',
      privateKey: bobKey,
      store: bobStore,
    });
    await alice.user.import((await bob.user.generate()).invitation, ['STORE_USE']);
    await alice.namespace.grant('team', 'bob', { access: ['READ', 'WRITE'] });

    const serverId = (await bob.server()).serverId;
    // the verified log can be looked at (to show its fingerprint) …
    const seen = await bob.workspace.get();
    expect(seen.fingerprint).toBe(ws.fingerprint);
    expect(seen.you?.name).toBe('bob');
    // … but it is not pinned, and nothing is written
    expect(await bobStore.getWorkspacePin(serverId, ws.id)).toBeUndefined();
    expectFingerprintRequired(await errorOf(bob.entry.set('team/note', 'bob-secret')));
    expect(await bobStore.getWorkspacePin(serverId, ws.id)).toBeUndefined();
    // the creator on a fresh store cannot append to the membership log either
    const aliceFresh = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      privateKey: aliceKey,
    });
    const carol = new BackboneClient({ server: server.url, privateKey: newKey() });
    expectFingerprintRequired(
      await errorOf(aliceFresh.user.import((await carol.user.generate('carol')).invitation)),
    );
    expect((await alice.user.list()).map((m) => m.name)).toEqual(['alice', 'bob']);
    // nothing reached the server
    expect(await errorOf(alice.entry.get('team/note'))).toMatchObject({ code: 'STORE_NOT_FOUND' });

    // confirmed: pinned, and writing works as before
    const confirmed = await bob.workspace.get({ expectFingerprint: ws.fingerprint });
    expect(confirmed.id).toBe(ws.id);
    expect((await bobStore.getWorkspacePin(serverId, ws.id))?.genesisHash).toBe(ws.genesisHash);
    await bob.entry.set('team/note', 'bob-secret');
    expect(await alice.entry.get('team/note')).toBe('bob-secret');
    // later clients over the same store need no fingerprint any more
    const bobAgain = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      username: 'bob',
      privateKey: bobKey,
      store: bobStore,
    });
    await bobAgain.entry.set('team/other', 'x');
  });

  it('the client option expectFingerprint confirms on first contact (and a wrong one is a fork)', async () => {
    const alice = new BackboneClient({
      server: server.url,
      username: 'alice',
      privateKey: newKey(),
    });
    const ws = await alice.workspace.create('Option');
    await alice.namespace.create('team');
    await alice.entry.set('team/db', 'alice-secret');
    const bobKey = newKey();
    const invite = await new BackboneClient({
      server: server.url,
      privateKey: bobKey,
    }).user.generate('bob');
    await alice.user.import(invite.invitation, ['STORE_USE']);
    await alice.namespace.grant('team', 'bob', { access: ['READ', 'WRITE'] });
    const wrong = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      privateKey: bobKey,
      expectFingerprint: '12345 '.repeat(12).trim(),
    });
    expect(await errorOf(wrong.entry.set('team/bobx', 'y'))).toMatchObject({
      code: 'MEMBERSHIP_FORK',
    });
    const store = new MemoryClientStore();
    const right = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      privateKey: bobKey,
      expectFingerprint: ws.fingerprint,
      store,
    });
    await right.entry.set('team/bobx', 'y');
    expect(await store.getWorkspacePin((await right.server()).serverId, ws.id)).toBeDefined();
  });
});

describe.each(backends)('password sign-in on a new device ($name)', (backend) => {
  const server = useSdkTestServer(backend);

  it(
    'pins nothing and writes nothing without the confirmed fingerprint; works with it',
    { timeout: 120_000 },
    async () => {
      const testOnly = { weakKdf: true, passwordAccessRandom: randomBytes };
      const alice = new BackboneClient({
        server: server.url,
        username: 'alice',
        privateKey: newKey(),
        testOnly,
      });
      const ws = await alice.workspace.create('Password first contact');
      await alice.namespace.create('team');
      await alice.entry.set('team/db', 'alice-secret');
      await alice.passwordAccess.register('a long password');

      const store = new MemoryClientStore();
      const machine = await BackboneClient.fromCredentials({
        server: server.url,
        workspace: ws.id,
        username: 'alice',
        password: 'a long password',
        store,
        testOnly,
      });
      await machine.authenticate();
      expect((await machine.user.self()).name).toBe('alice');
      const serverId = (await machine.server()).serverId;
      expect(await store.getWorkspacePin(serverId, ws.id)).toBeUndefined();
      expectFingerprintRequired(await errorOf(machine.entry.set('team/x', 'y')));
      expect(await store.getWorkspacePin(serverId, ws.id)).toBeUndefined();

      const confirmedStore = new MemoryClientStore();
      const confirmed = await BackboneClient.fromCredentials({
        server: server.url,
        workspace: ws.id,
        username: 'alice',
        password: 'a long password',
        store: confirmedStore,
        expectFingerprint: ws.fingerprint,
        testOnly,
      });
      await confirmed.entry.set('team/x', 'y');
      expect((await confirmedStore.getWorkspacePin(serverId, ws.id))?.genesisHash).toBe(
        ws.genesisHash,
      );
    },
  );
});
