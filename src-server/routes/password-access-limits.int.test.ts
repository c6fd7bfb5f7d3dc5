/**
 * Password access over the real server, against both backends: failed-login limits kept in
 * the database (shared by two servers, kept over a restart), concurrent attempts and first
 * registrations, and sockets that send malformed or oversized frames.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src-shared/crypto/index.js';
import { decodeFrame, encodeFrame, FrameType } from '../../src-shared/pake/frames.js';
import { encodeJsonPayload, type PasswordAccessError } from '../../src-shared/pake/protocol.js';
import { StorageFailedLoginLimiter } from '../password-access/storage-limiter.js';
import { useTestBackends, type OpenedStorage } from '../test/backends.js';
import type { TestClock } from '../test/harness.js';
import { PASSWORD_ACCESS_MAX_MESSAGE_BYTES } from './password-access.js';
import {
  WS,
  PASSWORD,
  type Running,
  startServer,
  failure,
  rawSocket,
  helloFrame,
  errorPayload,
  probe,
  type PasswordAccessSuite,
  usePasswordAccessServer,
} from '../test/password-access.js';

const backends = useTestBackends();

describe.each(backends)('password access over WebSocket ($name)', (backend) => {
  const suite = usePasswordAccessServer(backend);
  const { passwordLoginAt } = suite;
  let opened: OpenedStorage;
  let clock: TestClock;
  let server: Running;
  let alice: PasswordAccessSuite['alice'];
  let bob: PasswordAccessSuite['bob'];
  beforeAll(() => ({ opened, clock, server, alice, bob } = suite.state()));

  it('keeps failed-login limits in the database: shared by two servers, kept over a restart', async () => {
    const target = 'target';
    const second = await backend.reopen(opened);
    let other: Running | undefined = await startServer(second, opened.dataDir, clock);
    try {
      const servers = [server, other];
      // Three free attempts, alternating servers.
      for (let i = 0; i < 3; i++) {
        expect(await probe(servers[i % 2]!.wsUrl, target)).toHaveProperty('publicData');
      }
      // The fourth must wait 1 s after the third, whichever server is asked.
      const early = await probe(other.wsUrl, target);
      expect(early).toEqual({ code: 'PAKE_RATE_LIMITED', retryAfterMs: 1000 });
      // Up to the lock, alternating servers, waiting out each delay.
      for (let counted = 3; counted < 10;) {
        clock.advance(60_000);
        const result = await probe(servers[counted % 2]!.wsUrl, target);
        expect(result).toHaveProperty('publicData');
        counted++;
      }
      // Locked on both, with the right password too (refused before any Argon2id).
      for (const running of servers) {
        const refused = await probe(running.wsUrl, target);
        expect(refused).toEqual({ code: 'PAKE_LOCKED_OUT', retryAfterMs: 15 * 60_000 });
      }
      const locked = await passwordLoginAt(server.wsUrl, target, PASSWORD);
      expect(failure(locked).code).toBe('PAKE_LOCKED_OUT');
      expect(locked.ok ? undefined : (locked.error as PasswordAccessError).retryAfterMs).toBe(
        15 * 60_000,
      );

      // Restart: the other server stops and a new one starts on the same database.
      await other.close();
      other = undefined;
      await second.close();
      const third = await backend.reopen(opened);
      const restarted = await startServer(third, opened.dataDir, clock);
      try {
        clock.advance(60_000);
        expect(await probe(restarted.wsUrl, target)).toEqual({
          code: 'PAKE_LOCKED_OUT',
          retryAfterMs: 14 * 60_000,
        });
        // The lock ends for everyone at once.
        clock.advance(14 * 60_000);
        expect(await probe(restarted.wsUrl, target)).toHaveProperty('publicData');
      } finally {
        await restarted.close();
        await third.close();
      }
    } finally {
      await other?.close();
      if (other) await second.close();
    }
  }, 60_000);

  it('counts concurrent attempts without losing any (one transaction each)', async () => {
    const key = `${WS}/concurrent`;
    const storages = [opened.storage];
    const extra = backend.name === 'postgres' ? await backend.reopen(opened) : undefined;
    if (extra) storages.push(extra);
    try {
      const limiters = storages.map(
        (storage) => new StorageFailedLoginLimiter(storage, { now: () => clock.now() }),
      );
      // One attempt makes the row; then 24 at once (over two connection pools on PostgreSQL): two more are free, the rest must wait
      // (none may slip through on a stale read).
      expect((await limiters[0]!.begin(key)).allowed).toBe(true);
      const decisions = await Promise.all(
        Array.from({ length: 24 }, (_, i) => limiters[i % limiters.length]!.begin(key)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(2);
      expect((await limiters[0]!.peek(key))?.failures).toBe(3);
    } finally {
      await extra?.close();
    }
  });

  it('binds a username atomically: of two concurrent first registrations, one wins', async () => {
    const rows = [alice.user.id, bob.user.id].map((identityId) => ({
      workspaceId: WS,
      username: 'race',
      identityId,
      storedData: 'AA',
      keyfileBlob: 'AA',
      createdAt: clock.now(),
      updatedAt: clock.now(),
    }));
    const results = await Promise.all(
      rows.map((row) => opened.storage.putPasswordAccess(row, 'register')),
    );
    expect([...results].sort()).toEqual(['conflict', 'stored']);
    const winner = rows[results.indexOf('stored')]!;
    const loser = rows[results.indexOf('conflict')]!;
    expect((await opened.storage.getPasswordAccess(WS, 'race'))?.identityId).toBe(
      winner.identityId,
    );
    // The loser can neither register over nor change it; the winner can.
    expect(await opened.storage.putPasswordAccess(loser, 'register')).toBe('conflict');
    expect(await opened.storage.putPasswordAccess(loser, 'change')).toBe('conflict');
    expect(await opened.storage.putPasswordAccess({ ...winner, storedData: 'BB' }, 'change')).toBe(
      'stored',
    );
    expect(
      await opened.storage.putPasswordAccess({ ...winner, username: 'race-2' }, 'change'),
    ).toBe('conflict');
  });

  it('closes sockets that send malformed or oversized frames and keeps serving', async () => {
    // Text instead of binary frames.
    const text = await rawSocket(server.wsUrl);
    text.ws.send('hello');
    expect((await text.closed).code).toBe(1003);
    // A frame of an unknown type.
    const garbage = await rawSocket(server.wsUrl);
    garbage.ws.send(Buffer.from([0x42, 1, 0, 0, 0, 7]));
    expect(errorPayload(await garbage.next()).code).toBe('PROTOCOL_INVALID_FRAME');
    expect((await garbage.closed).code).toBe(1008);
    // A hello that is not JSON, one of a future version.
    const notJson = await rawSocket(server.wsUrl);
    notJson.ws.send(encodeFrame(FrameType.hello, utf8('{')));
    expect(errorPayload(await notJson.next()).code).toBe('PROTOCOL_INVALID_FRAME');
    const future = await rawSocket(server.wsUrl);
    future.ws.send(
      encodeFrame(FrameType.hello, encodeJsonPayload({ v: 2, op: 'login', workspace: WS })),
    );
    expect(errorPayload(await future.next()).code).toBe('UNSUPPORTED_VERSION');
    // A wrong-sized response 1 after the public data.
    const short = await rawSocket(server.wsUrl);
    short.ws.send(helloFrame({ op: 'login', username: 'alice' }));
    expect(decodeFrame(await short.next()).type).toBe(FrameType.publicData);
    short.ws.send(encodeFrame(FrameType.response1, new Uint8Array(31)));
    expect(errorPayload(await short.next()).code).toBe('PROTOCOL_INVALID_FRAME');
    // A message over the size bound is refused by the WebSocket layer (1009).
    const big = await rawSocket(server.wsUrl);
    big.ws.send(new Uint8Array(PASSWORD_ACCESS_MAX_MESSAGE_BYTES + 1));
    expect((await big.closed).code).toBe(1009);

    expect((await server.api.get('/healthz')).status).toBe(200);
    expect(await probe(server.wsUrl, 'after-abuse')).toHaveProperty('publicData');
  });
});
