/**
 * SDK integration tests against a real in-process server (SQLite): identity registration, login,
 * tokens, workspaces, invitations and members, password access, error mapping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeyfile,
  cryptoReady,
  generateSignKeyPair,
  randomBytes,
  serializeKeyfile,
} from '../crypto/index.js';
import { isBackboneError } from '../errors.js';
import { workspaceFingerprint } from '../workspace/membership-log.js';
import { BackboneClient } from './client.js';
import { ServerError } from './http.js';
import type { ClientPrivateKey } from './keys.js';
import { MemoryClientStore } from './store.js';
import { startSdkTestServer, type SdkTestServer } from './test/server.js';
import { VerificationError } from './workspaces.js';

let server: SdkTestServer;

beforeAll(async () => {
  await cryptoReady();
  server = await startSdkTestServer();
});
afterAll(async () => {
  await server?.close();
});

function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isBackboneError(error) ? error.code : `other: ${String(error)}`;
  }
  return 'no error';
}

describe('identity, login and tokens', () => {
  it('registers the identity on first login and manages tokens', async () => {
    const store = new MemoryClientStore();
    const client = new BackboneClient({
      server: server.url,
      username: 'alice',
      privateKey: newKey(),
      store,
    });
    const me = await client.identity();
    const info = await client.authenticate({ label: 'test' });
    expect(info.identityId).toBe(me.address);
    expect(info.label).toBe('test');
    expect(info.deviceId).toBe(me.deviceId);
    // the server pin and token are in the store
    const pin = await client.server();
    expect(pin.serverId).toMatch(/^bbs1/);
    expect((await store.getToken(pin.serverId, me.address))?.tokenId).toBe(info.id);

    expect((await client.token.current()).id).toBe(info.id);
    const derived = await client.token.derive({ scopes: ['TOKEN_READ'], ttlSeconds: 600 });
    expect(derived.info.parentId).toBe(info.id);
    const listed = await client.token.list();
    expect(listed.map((t) => t.id).sort()).toEqual([info.id, derived.info.id].sort());
    expect((await client.token.revoke(derived.info.id)).revoked).toBe(1);
    expect((await client.token.list()).map((t) => t.id)).toEqual([info.id]);

    // a second login of the same identity from another client sharing the store
    const again = new BackboneClient({
      server: server.url,
      identity: me.address,
      store,
      autoAuthenticate: false,
    });
    expect((await again.token.current()).id).toBe(info.id); // stored token, no keys needed

    await client.logout();
    expect(await store.getToken(pin.serverId, me.address)).toBeUndefined();
    // with no keys and no token it cannot log in by itself
    const noKeys = new BackboneClient({ server: server.url, identity: me.address, store });
    expect(await codeOf(noKeys.token.current())).toBe('AUTH_REQUIRED');
    // a revoked token is a typed server error
    const stale = new BackboneClient({
      server: server.url,
      token: (await store.getToken(pin.serverId, me.address))?.token ?? derived.token,
      autoAuthenticate: false,
    });
    const error = await stale.token.current().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).code).toBe('AUTH_TOKEN_REVOKED');
    expect((error as ServerError).status).toBe(401);
  });

  it('logs in again by itself when the token was revoked and keys are at hand', async () => {
    const client = new BackboneClient({ server: server.url, privateKey: newKey() });
    const first = await client.authenticate();
    await client.token.revoke(first.id);
    const current = await client.token.current();
    expect(current.id).not.toBe(first.id);
  });

  it('opens a keyfile with a passphrase callback only when keys are needed', async () => {
    const { keyfile } = createKeyfile('correct horse', {
      params: { opslimit: 1, memlimit: 8 * 1024 * 1024 },
      testOnlyAllowWeakParams: true,
    });
    let asked = 0;
    const client = new BackboneClient({
      server: server.url,
      keyfile: serializeKeyfile(keyfile),
      passphrase: () => {
        asked++;
        return 'correct horse';
      },
      testOnly: { weakKdf: true },
    });
    expect(asked).toBe(0);
    await client.authenticate();
    await client.token.current();
    expect(asked).toBe(1);

    const wrong = new BackboneClient({
      server: server.url,
      keyfile,
      passphrase: 'wrong',
      testOnly: { weakKdf: true },
    });
    expect(await codeOf(wrong.authenticate())).toBe('KEYFILE_WRONG_PASSWORD');
    // without the test switch the weak keyfile is refused as a downgrade
    const strict = new BackboneClient({ server: server.url, keyfile, passphrase: 'correct horse' });
    expect(await codeOf(strict.authenticate())).toBe('CRYPTO_PARAMS_BELOW_FLOOR');
  });

  it('refuses a server whose identity changed since it was pinned', async () => {
    const store = new MemoryClientStore();
    const client = new BackboneClient({ server: server.url, privateKey: newKey(), store });
    const pin = await client.server();
    const other = new MemoryClientStore();
    await other.setServerPin({ ...pin, serverId: `bbs1${'a'.repeat(32)}` });
    const pinned = new BackboneClient({ server: server.url, privateKey: newKey(), store: other });
    expect(await codeOf(pinned.authenticate())).toBe('SERVER_KEY_CHANGED');
  });

  it('maps network failures and server errors to typed codes', async () => {
    const unreachable = new BackboneClient({
      server: 'http://127.0.0.1:9',
      privateKey: newKey(),
    });
    expect(await codeOf(unreachable.authenticate())).toBe('SERVER_UNREACHABLE');
    expect(() => new BackboneClient({ server: 'ftp://example.org' })).toThrow(/https/);
    const client = new BackboneClient({
      server: server.url,
      privateKey: newKey(),
      workspace: 'AAAAAAAAAAAAAAAAAAAAAA',
    });
    expect(await codeOf(client.workspace.get())).toBe('NOT_FOUND');
    expect(await codeOf(client.token.revoke('not-an-id'))).toBe('INVALID_ARGUMENT');
  });
});

describe('workspaces and members', () => {
  it('create → invite → import → list → modify → delete, all verified', async () => {
    const alice = new BackboneClient({
      server: server.url,
      username: 'alice',
      privateKey: newKey(),
    });
    const ws = await alice.workspace.create('Acme team');
    expect(ws.displayName).toBe('Acme team');
    expect(ws.members.map((m) => m.name)).toEqual(['alice']);
    expect(ws.you?.permissions).toEqual(['ROOT']);
    expect(ws.fingerprint).toBe(workspaceFingerprint(ws.genesisHash));
    expect(alice.workspaceId).toBe(ws.id);

    // bob, on another machine, makes an invitation; alice checks its fingerprint and imports it
    const bobStore = new MemoryClientStore();
    const bob = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      username: 'bob',
      privateKey: newKey(),
      store: bobStore,
    });
    const invitation = await bob.user.generate();
    expect(invitation.invitation).toMatch(/^bbinvite1\./);
    expect(alice.user.inspect(invitation.invitation)).toEqual({
      name: 'bob',
      fingerprint: invitation.fingerprint,
      address: invitation.address,
    });
    const added = await alice.user.import(invitation.invitation, ['STORE_USE']);
    expect(added).toMatchObject({ name: 'bob', permissions: ['STORE_USE'], addedAt: 1 });
    expect(added.address).toBe(invitation.address);

    // bob logs in, verifies the log (pinning it on first contact with the fingerprint check)
    await bob.authenticate();
    const seen = await bob.workspace.get({ expectFingerprint: ws.fingerprint });
    expect(seen.head.seq).toBe(1);
    expect((await bob.user.self()).name).toBe('bob');
    expect((await bob.user.list()).map((m) => m.name)).toEqual(['alice', 'bob']);
    const pin = await bobStore.getWorkspacePin((await bob.server()).serverId, ws.id);
    expect(pin?.head.seq).toBe(1);

    // bob cannot manage members: the model refuses before anything is sent
    const carol = new BackboneClient({ server: server.url, privateKey: newKey() });
    const carolInvite = await carol.user.generate('carol');
    expect(await codeOf(bob.user.import(carolInvite.invitation))).toBe('MEMBERSHIP_FORBIDDEN');

    // alice makes bob an administrator; bob adds carol
    const modified = await alice.user.modify('bob', ['USER_MANAGE', 'STORE_USE']);
    expect(modified.permissions).toEqual(['USER_MANAGE', 'STORE_USE']);
    expect(await codeOf(alice.user.modify('bob', ['STORE_USE', 'USER_MANAGE']))).toBe(
      'MEMBERSHIP_INVALID',
    ); // no-op
    const carolMember = await bob.user.import(carolInvite.invitation, ['STORE_USE']);
    expect(carolMember.name).toBe('carol');
    // nobody grants what they do not hold
    expect(await codeOf(bob.user.modify('carol', ['ROOT']))).toBe('MEMBERSHIP_FORBIDDEN');
    // adding an existing member again is a conflict of the model
    expect(await codeOf(alice.user.import(carolInvite.invitation))).toBe('MEMBERSHIP_INVALID');

    // alice's cached state catches up with bob's entry incrementally
    expect((await alice.user.list()).map((m) => m.name)).toEqual(['alice', 'bob', 'carol']);
    expect(await codeOf(alice.user.get('dave'))).toBe('MEMBERSHIP_UNKNOWN_MEMBER');

    // removal rotates the naming key; the removed member loses access
    const removed = await alice.user.delete('carol');
    expect(removed).toMatchObject({ removed: 'carol', namingKeyGeneration: 2 });
    const after = await bob.workspace.get();
    expect(after.members.map((m) => m.name)).toEqual(['alice', 'bob']);
    expect(after.namingKey).toEqual({ generation: 2, rotationPending: false });
    await carol.authenticate();
    const carolView = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      privateKey: newKey(),
    });
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(await codeOf(carolView.workspace.get()));

    // list and delete
    const listed = await alice.workspace.list();
    expect(listed.find((w) => w.id === ws.id)).toMatchObject({
      pin: 'match',
      displayName: 'Acme team',
    });
    expect(await codeOf(bob.workspace.delete())).toBe('FORBIDDEN');
    const deleted = await alice.workspace.delete();
    expect(deleted.id).toBe(ws.id);
    expect(['NOT_FOUND', 'FORBIDDEN']).toContain(await codeOf(bob.workspace.get()));
  });

  it('refuses a first-contact workspace whose fingerprint differs from the one given', async () => {
    const alice = new BackboneClient({
      server: server.url,
      username: 'alice',
      privateKey: newKey(),
      testOnly: { weakKdf: true },
    });
    const ws = await alice.workspace.create('Fingerprinted');
    const again = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      privateKey: newKey(),
    });
    // a non-member cannot even read it; the creator with a fresh store checks the fingerprint
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(await codeOf(again.workspace.get()));
    const wrong = workspaceFingerprint('B'.repeat(42) + 'A');
    const creatorKey = await alice.exportKeyfile('pw', { opslimit: 1, memlimit: 8 * 1024 * 1024 });
    const fresh = new BackboneClient({
      server: server.url,
      workspace: ws.id,
      keyfile: creatorKey,
      passphrase: 'pw',
      testOnly: { weakKdf: true },
    });
    const error = await fresh.workspace.get({ expectFingerprint: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect((error as VerificationError).code).toBe('MEMBERSHIP_FORK');
    expect((await fresh.workspace.get({ expectFingerprint: ws.fingerprint })).id).toBe(ws.id);
  });
});

describe('password access', () => {
  it('a brand-new machine signs in with server, workspace, username and password', async () => {
    const testOnly = { weakKdf: true, passwordAccessRandom: randomBytes };
    const alice = new BackboneClient({
      server: server.url,
      username: 'alice',
      privateKey: newKey(),
      testOnly,
    });
    const ws = await alice.workspace.create('Password team');
    await alice.passwordAccess.register('a long password');
    const aliceId = await alice.identity();

    const store = new MemoryClientStore();
    const machine = await BackboneClient.fromCredentials({
      server: server.url,
      workspace: ws.id,
      username: 'alice',
      password: 'a long password',
      store,
      testOnly,
    });
    const mine = await machine.identity();
    expect(mine.address).toBe(aliceId.address);
    expect(mine.deviceId).not.toBe(aliceId.deviceId); // a fresh device key for this machine
    await machine.authenticate();
    expect((await machine.user.self()).name).toBe('alice');
    // and it can keep its keys in a local keyfile
    const keyfile = await machine.exportKeyfile('local passphrase', {
      opslimit: 1,
      memlimit: 8 * 1024 * 1024,
    });
    expect(keyfile.v).toBe(1);

    expect(
      await codeOf(
        BackboneClient.fromCredentials({
          server: server.url,
          workspace: ws.id,
          username: 'alice',
          password: 'wrong password',
          testOnly,
        }),
      ),
    ).toBe('PAKE_ABORTED');

    // change: the old password stops working
    await alice.passwordAccess.change('another long password');
    expect(
      await codeOf(
        BackboneClient.fromCredentials({
          server: server.url,
          workspace: ws.id,
          username: 'alice',
          password: 'a long password',
          testOnly,
        }),
      ),
    ).toBe('PAKE_ABORTED');
  });
});
