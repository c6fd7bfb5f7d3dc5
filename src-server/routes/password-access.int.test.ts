/**
 * Password access over the real server: `GET /v1/password-access` (WebSocket) on a listening
 * Backbone server, with the records and the failed-login limiter in the database, against both
 * backends: configuration floors, registration, login, password change and who may register a
 * username (limits and concurrency: password-access-limits.int.test.ts; the upgrade itself:
 * password-access-upgrade.int.test.ts; setup: test/password-access.ts).
 *
 * Handshakes use the test-only random injection (`testOnlyPasswordAccess`), which lowers the
 * SPAKE2+EE floors so that Argon2id runs at 2 passes / 64 MiB.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  toBase64Url,
  utf8,
  parseKeyfile,
  unlockKeyfile,
  randomBytes,
  cryptoReady,
  PUBLICDATABYTES,
  validatePublicData,
} from '../../src-shared/crypto/index.js';
import { passwordRegister } from '../../src-shared/pake/client.js';
import { connectNodeWebSocket } from '../../src-shared/pake/connection.js';
import { buildServer } from '../app.js';
import { resolveServerConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { Storage } from '../storage/storage.js';
import { useTestBackends, type OpenedStorage } from '../test/backends.js';
import { login, newTestDevice, registeredUser, revocationBody } from '../test/client.js';
import { testConfig, type TestClock } from '../test/harness.js';
import {
  MiB,
  TEST_PARAMS,
  WS,
  PASSWORD,
  type Running,
  settle,
  failure,
  sameBytes,
  keyfileBlob,
  rawSocket,
  helloFrame,
  errorPayload,
  probe,
  type PasswordAccessSuite,
  usePasswordAccessServer,
} from '../test/password-access.js';

const backends = useTestBackends();

describe('password access configuration', () => {
  it('defaults to the floors (3 / 256 MiB) and can only be raised', () => {
    expect(resolveServerConfig({}, {}).passwordAccess).toEqual({
      opslimit: 3,
      memlimit: 256 * MiB,
    });
    expect(
      resolveServerConfig({ passwordOpslimit: '4' }, { BACKBONE_PASSWORD_MEMLIMIT_MIB: '512' })
        .passwordAccess,
    ).toEqual({ opslimit: 4, memlimit: 512 * MiB });
    for (const [flags, env] of [
      [{ passwordOpslimit: '2' }, {}],
      [{ passwordOpslimit: '33' }, {}],
      [{ passwordOpslimit: '9' }, {}],
      [{ passwordOpslimit: '8' }, { BACKBONE_PASSWORD_MEMLIMIT_MIB: '512' }],
      [{}, { BACKBONE_PASSWORD_MEMLIMIT_MIB: '64' }],
      [{ passwordMemlimitMib: '2048' }, {}],
    ] as const) {
      expect(() => resolveServerConfig(flags, env)).toThrow(/--password-/);
    }
  });

  it('refuses to build a server with weaker parameters unless the test-only injection is set', async () => {
    await cryptoReady();
    const config = testConfig('/nonexistent', {
      passwordAccess: { opslimit: 2, memlimit: 64 * MiB },
    });
    const storage = {} as Storage;
    expect(() => buildServer({ config, storage, logger: createLogger('silent') })).toThrow(
      /Argon2id parameters/,
    );
  });
});

describe.each(backends)('password access over WebSocket ($name)', (backend) => {
  const suite = usePasswordAccessServer(backend);
  const { register, passwordLoginAt } = suite;
  let opened: OpenedStorage;
  let clock: TestClock;
  let server: Running;
  let serverId: string;
  let serverBoxPublicKey: Uint8Array;
  let alice: PasswordAccessSuite['alice'];
  let bob: PasswordAccessSuite['bob'];
  let aliceBlob: Uint8Array;
  beforeAll(
    () =>
      ({ opened, clock, server, serverId, serverBoxPublicKey, alice, bob, aliceBlob } =
        suite.state()),
  );

  it('registers with a token (bound to its identity); a brand-new machine logs in and gets the exact blob', async () => {
    const row = await opened.storage.getPasswordAccess(WS, 'alice');
    expect(row?.identityId).toBe(alice.user.id);
    expect(row?.keyfileBlob).toBe(toBase64Url(aliceBlob));
    // Nothing stored is the password.
    expect(JSON.stringify(row)).not.toContain(PASSWORD);

    const result = await passwordLoginAt(server.wsUrl, 'alice', PASSWORD);
    if (!result.ok) throw result.error;
    expect(sameBytes(result.value, aliceBlob)).toBe(true);
    // The blob is the keyfile: it opens with the same password.
    const unlocked = unlockKeyfile(parseKeyfile(new TextDecoder().decode(result.value)), PASSWORD, {
      testOnlyAllowWeakParams: true,
    });
    expect(unlocked).toBeTruthy();
    // A success leaves no failed-login state behind.
    expect(await opened.storage.getPasswordAttempts(WS, 'alice')).toBeUndefined();
  });

  it('refuses a wrong password and an unknown username alike (PAKE_ABORTED)', async () => {
    const wrong = failure(await passwordLoginAt(server.wsUrl, 'alice', 'wrong password'));
    const unknown = failure(await passwordLoginAt(server.wsUrl, 'nobody', PASSWORD));
    expect(wrong.code).toBe('PAKE_ABORTED');
    expect(unknown).toEqual(wrong);
    // Same public data size and parameters (the server default) for both.
    const real = await probe(server.wsUrl, 'alice');
    const dummy = await probe(server.wsUrl, 'nobody');
    if (!('publicData' in real) || !('publicData' in dummy)) throw new Error('refused');
    expect(real.publicData).toHaveLength(PUBLICDATABYTES);
    expect(dummy.publicData).toHaveLength(PUBLICDATABYTES);
    const params = (bytes: Uint8Array) => {
      const { opslimit, memlimit } = validatePublicData(bytes, 2, 2, 64 * MiB);
      return { opslimit: Number(opslimit), memlimit: Number(memlimit) };
    };
    expect(params(real.publicData)).toEqual(TEST_PARAMS);
    expect(params(dummy.publicData)).toEqual(TEST_PARAMS);
    // The dummy salt is stable across probes, like a real user's.
    const again = await probe(server.wsUrl, 'nobody');
    if (!('publicData' in again)) throw new Error('refused');
    expect(sameBytes(again.publicData, dummy.publicData)).toBe(true);
    // Failures are counted in the database, for both.
    expect((await opened.storage.getPasswordAttempts(WS, 'alice'))?.failures).toBe(2);
    expect((await opened.storage.getPasswordAttempts(WS, 'nobody'))?.failures).toBe(3);
  });

  it('hellos alone lock nothing; wrong guesses lock password access, never the owner', async () => {
    const owner = 'owner';
    const ownerBlob = keyfileBlob(PASSWORD);
    const registered = await register({ username: owner, token: alice.token, blob: ownerBlob });
    if (!registered.ok) throw registered.error;
    // Twelve hellos without response 1, a minute apart: nothing is counted.
    for (let i = 0; i < 12; i++) {
      expect(await probe(server.wsUrl, owner, { helloOnly: true })).toHaveProperty('publicData');
      clock.advance(61_000);
    }
    expect(await opened.storage.getPasswordAttempts(WS, owner)).toBeUndefined();
    const fine = await passwordLoginAt(server.wsUrl, owner, PASSWORD);
    if (!fine.ok) throw fine.error;
    expect(sameBytes(fine.value, ownerBlob)).toBe(true);

    // Ten wrong guesses (response 1 sent) lock password access, even for the right password.
    for (let i = 0; i < 10; i++) {
      expect(await probe(server.wsUrl, owner)).toHaveProperty('publicData');
      clock.advance(60_000);
    }
    expect(failure(await passwordLoginAt(server.wsUrl, owner, PASSWORD)).code).toBe(
      'PAKE_LOCKED_OUT',
    );
    // The owner's devices sign in with their device keys as always (no password involved)...
    const session = await login(server.api, alice.user);
    expect((await server.api.get('/v1/auth/tokens/current', { token: session.token })).status).toBe(
      200,
    );
    // ...and setting the password again from one of them lifts the lock at once.
    const reset = await register(
      { username: owner, token: session.token, blob: ownerBlob },
      'change',
    );
    if (!reset.ok) throw reset.error;
    expect(await opened.storage.getPasswordAttempts(WS, owner)).toBeUndefined();
    const back = await passwordLoginAt(server.wsUrl, owner, PASSWORD);
    if (!back.ok) throw back.error;
  }, 60_000);

  it('changes the password: the new one works, the old one no longer does', async () => {
    const newBlob = keyfileBlob('a new password');
    const changed = await register(
      { username: 'alice', token: alice.token, password: 'a new password', blob: newBlob },
      'change',
    );
    if (!changed.ok) throw changed.error;
    const fresh = await passwordLoginAt(server.wsUrl, 'alice', 'a new password');
    if (!fresh.ok) throw fresh.error;
    expect(sameBytes(fresh.value, newBlob)).toBe(true);
    expect(failure(await passwordLoginAt(server.wsUrl, 'alice', PASSWORD)).code).toBe(
      'PAKE_ABORTED',
    );
    // Back to the first password (re-registration by the owner replaces the record).
    const back = await register({ username: 'alice', token: alice.token, blob: aliceBlob });
    if (!back.ok) throw back.error;
    const row = await opened.storage.getPasswordAccess(WS, 'alice');
    expect(row?.keyfileBlob).toBe(toBase64Url(aliceBlob));
    expect(row!.createdAt).toBeLessThan(row!.updatedAt);
  });

  it('refuses registrations without a valid token of the identity that owns the username', async () => {
    const before = await opened.storage.getPasswordAccess(WS, 'alice');
    const code = async (
      options: { username: string; token: string },
      op: 'register' | 'change' = 'register',
    ) => failure(await register(options, op)).code;

    // No token at all: the hello is malformed.
    const socket = await rawSocket(server.wsUrl);
    socket.ws.send(helloFrame({ op: 'register', username: 'alice' }));
    expect(errorPayload(await socket.next()).code).toBe('PROTOCOL_INVALID_FRAME');
    expect((await socket.closed).code).toBe(1008);

    // Unknown and malformed tokens.
    const unknownToken = `bbt1.${toBase64Url(randomBytes(32))}`;
    expect(await code({ username: 'alice', token: unknownToken })).toBe('AUTH_TOKEN_INVALID');
    expect(await code({ username: 'alice', token: 'not-a-token' })).toBe('AUTH_TOKEN_INVALID');
    // Another identity's token: neither register over, nor change, Alice's username.
    expect(await code({ username: 'alice', token: bob.token })).toBe('FORBIDDEN');
    expect(await code({ username: 'alice', token: bob.token }, 'change')).toBe('FORBIDDEN');
    // Change of a username without password access.
    expect(await code({ username: 'bob', token: bob.token }, 'change')).toBe('NOT_FOUND');
    // Tokens without the scope, or limited to another workspace.
    const narrow = await login(server.api, bob.user, { scopes: ['STORE_USE'] });
    expect(await code({ username: 'bob', token: narrow.token })).toBe('FORBIDDEN');
    const elsewhere = await login(server.api, bob.user, { workspaceId: 'other' });
    expect(await code({ username: 'bob', token: elsewhere.token })).toBe('FORBIDDEN');

    // Revoked token, revoked device, expired token.
    const revoked = await login(server.api, bob.user);
    expect(
      (await server.api.delete('/v1/auth/tokens/current', { token: revoked.token })).status,
    ).toBe(200);
    expect(await code({ username: 'bob', token: revoked.token })).toBe('AUTH_TOKEN_REVOKED');
    const phone = newTestDevice(bob.user, 'phone');
    const added = await server.api.post(`/v1/identities/${bob.user.id}/devices`, {
      v: 1,
      certificate: phone.certificate,
    });
    expect(added.status).toBe(201);
    const phoneToken = await login(server.api, bob.user, { device: phone });
    const revoke = await server.api.post(
      `/v1/identities/${bob.user.id}/devices/${phone.id}/revoke`,
      revocationBody(bob.user, phone),
    );
    expect(revoke.status).toBe(200);
    expect(await code({ username: 'bob', token: phoneToken.token })).toBe('AUTH_TOKEN_REVOKED');
    const shortLived = await login(server.api, bob.user, { ttlSeconds: 60 });
    clock.advance(61_000);
    expect(await code({ username: 'bob', token: shortLived.token })).toBe('AUTH_TOKEN_EXPIRED');

    // Nothing changed, and Bob has no record.
    expect(await opened.storage.getPasswordAccess(WS, 'alice')).toEqual(before);
    expect(await opened.storage.getPasswordAccess(WS, 'bob')).toBeUndefined();
  });

  it('in a workspace the server knows, only the member with that name may register it', async () => {
    const team = 'team_pa';
    await opened.storage.createWorkspace(
      {
        id: team,
        displayName: 'Team',
        genesisHash: 'g',
        headSeq: 0,
        headHash: 'g',
        createdAt: clock.now(),
        deletedAt: null,
      },
      { seq: 0, entry: '{}', hash: 'g' },
      [
        { identityId: alice.user.id, name: 'alice', permissions: ['ROOT'] },
        { identityId: bob.user.id, name: 'bob', permissions: ['STORE_USE'] },
      ],
      [],
    );
    const carol = await registeredUser(server.api, 'Carol');
    const inTeam = (username: string, token: string) =>
      settle(
        connectNodeWebSocket(server.wsUrl).then((conn) =>
          passwordRegister(conn, {
            workspace: team,
            username,
            password: PASSWORD,
            serverId,
            serverBoxPublicKey,
            token,
            keyfileBlob: utf8('team blob'),
            testOnlyRandom: randomBytes,
          }),
        ),
      );
    // Bob may not take Alice's member name, although it has no password access yet.
    expect(failure(await inTeam('alice', bob.token)).code).toBe('FORBIDDEN');
    // Carol is no member.
    expect(failure(await inTeam('carol', carol.token)).code).toBe('FORBIDDEN');
    // Bob under his own member name.
    const own = await inTeam('bob', bob.token);
    if (!own.ok) throw own.error;
    expect((await opened.storage.getPasswordAccess(team, 'bob'))?.identityId).toBe(bob.user.id);
    expect(await opened.storage.getPasswordAccess(team, 'alice')).toBeUndefined();

    // Alice registers too; then Bob is removed: his record goes with him, hers stays.
    const hers = await inTeam('alice', alice.token);
    if (!hers.ok) throw hers.error;
    await opened.storage.appendMembershipEntries(
      team,
      { seq: 0, hash: 'g' },
      [{ seq: 1, entry: '{}', hash: 'h1' }],
      [{ identityId: alice.user.id, name: 'alice', permissions: ['ROOT'] }],
      [],
      clock.now(),
    );
    expect(await opened.storage.getPasswordAccess(team, 'bob')).toBeUndefined();
    expect((await opened.storage.getPasswordAccess(team, 'alice'))?.identityId).toBe(alice.user.id);
    // Someone added later under the name "bob" (Carol's identity) may register it.
    await opened.storage.appendMembershipEntries(
      team,
      { seq: 1, hash: 'h1' },
      [{ seq: 2, entry: '{}', hash: 'h2' }],
      [
        { identityId: alice.user.id, name: 'alice', permissions: ['ROOT'] },
        { identityId: carol.user.id, name: 'bob', permissions: ['STORE_USE'] },
      ],
      [],
      clock.now(),
    );
    const reused = await inTeam('bob', carol.token);
    if (!reused.ok) throw reused.error;
    expect((await opened.storage.getPasswordAccess(team, 'bob'))?.identityId).toBe(carol.user.id);

    // Deleting the workspace deletes every password record of it.
    await opened.storage.deleteWorkspace(team, clock.now(), () => []);
    expect(await opened.storage.getPasswordAccess(team, 'alice')).toBeUndefined();
    expect(await opened.storage.getPasswordAccess(team, 'bob')).toBeUndefined();
  });
});
