/**
 * The push event channel for workspaces, against both backends: live events, resume, who
 * hears what, bad hellos, pruning; and two `backbone serve` processes sharing one PostgreSQL
 * database (an event appended through one arrives on a socket of the other).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cryptoReady } from '../../src-shared/crypto/index.js';
import { EVENT_CLOSE_CODES, EVENTS_PATH, type ServerMessage } from '../../src-shared/api/events.js';
import { createEntry, createUserRemoval } from '../../src-shared/workspace/membership-log.js';
import type { Storage } from '../storage/storage.js';
import { testPostgresUrl, useTestBackends } from '../test/backends.js';
import { ApiClient, login, newTestDevice, revocationBody } from '../test/client.js';
import { postgresSkipped } from '../test/postgres-cluster.js';
import {
  type Server,
  startServer,
  type Person,
  person,
  createWs,
  appendOk,
  addEntry,
  EventClient,
  sleep,
  useCast,
} from '../test/workspaces.js';

const backends = useTestBackends();

describe.each(backends)('workspaces and events ($name)', (backend) => {
  const cast = useCast(backend);
  let server: Server;
  let api: ApiClient;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let dave: Person;
  beforeAll(() => ({ server, api, alice, bob, carol, dave } = cast()));

  it('push: live events, resume from a cursor exactly once and in order', async () => {
    const ws = await createWs(api, alice);
    const live = await EventClient.connect(server.url, { token: alice.token });
    const start = await live.expectReady();

    const entry = addEntry(ws, alice, bob, ['USER_MANAGE', 'STORE_USE']);
    await appendOk(api, alice.token, ws, [entry]);
    const first = await live.expectEvent();
    expect(first.event).toEqual({
      type: 'membership.appended',
      workspace: ws.id,
      seq: 1,
      hash: ws.state.head.hash,
    });
    expect(Number(first.cursor)).toBeGreaterThan(Number(start));
    live.close();

    // missed while disconnected: two appends (three entries)
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, carol, ['STORE_USE'])]);
    const removal = createUserRemoval(ws.state, 'carol', alice.author);
    await appendOk(api, alice.token, ws, removal.entries);
    ws.namingKey = removal.namingKey!;

    const resumed = await EventClient.connect(server.url, {
      token: alice.token,
      cursor: first.cursor,
      workspaces: [ws.id],
    });
    const missed = [
      await resumed.expectEvent(),
      await resumed.expectEvent(),
      await resumed.expectEvent(),
    ];
    expect(missed.map((m) => (m.event.type === 'membership.appended' ? m.event.seq : -1))).toEqual([
      2, 3, 4,
    ]);
    const cursors = missed.map((m) => Number(m.cursor));
    expect([...cursors].sort((a, b) => a - b)).toEqual(cursors);
    expect(cursors[0]).toBeGreaterThan(Number(first.cursor));
    const ready = await resumed.expectReady();
    expect(Number(ready)).toBeGreaterThanOrEqual(cursors[2]!);

    // then live again, nothing repeated
    await appendOk(api, alice.token, ws, [
      createEntry(
        ws.state,
        'user.permissions',
        { name: 'bob', permissions: ['USER_MANAGE'] },
        alice.author,
      ),
    ]);
    const next = await resumed.expectEvent();
    expect(next.event).toMatchObject({ type: 'membership.appended', seq: 5 });
    expect(Number(next.cursor)).toBeGreaterThan(cursors[2]!);
    await sleep(100);
    expect(resumed.messages).toEqual([]);
    resumed.close();

    // a cursor this server never gave out: reset
    const ahead = await EventClient.connect(server.url, {
      token: alice.token,
      cursor: '999999999',
    });
    const reset = await ahead.next();
    expect(reset.type).toBe('reset');
    await ahead.expectReady();
    ahead.close();
  });

  it('push: only members, removed members stop receiving, deletion reaches members', async () => {
    const ws = await createWs(api, alice);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, carol, ['STORE_USE'])]);

    // a non-member cannot subscribe to the workspace
    const intruder = await EventClient.connect(server.url, {
      token: dave.token,
      workspaces: [ws.id],
    });
    const refused = await intruder.next();
    expect(refused).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect((await intruder.closed).code).toBe(EVENT_CLOSE_CODES.FORBIDDEN);
    // and following "all my workspaces" does not leak this one
    const daveAll = await EventClient.connect(server.url, { token: dave.token });
    await daveAll.expectReady();

    const carolWs = await EventClient.connect(server.url, { token: carol.token });
    await carolWs.expectReady();
    const aliceWs = await EventClient.connect(server.url, {
      token: alice.token,
      workspaces: [ws.id],
    });
    await aliceWs.expectReady();

    const removal = createUserRemoval(ws.state, 'carol', alice.author);
    await appendOk(api, alice.token, ws, removal.entries);
    ws.namingKey = removal.namingKey!;
    // alice sees both entries; carol sees her removal only
    expect((await aliceWs.expectEvent()).event).toMatchObject({ seq: 2 });
    expect((await aliceWs.expectEvent()).event).toMatchObject({ seq: 3 });
    expect((await carolWs.expectEvent()).event).toMatchObject({ seq: 2 });

    await appendOk(api, alice.token, ws, [addEntry(ws, alice, bob, ['STORE_USE'])]);
    expect((await aliceWs.expectEvent()).event).toMatchObject({ seq: 4 });
    await sleep(150);
    expect(carolWs.messages).toEqual([]);
    expect(daveAll.messages).toEqual([]);

    // carol cannot resume into it either: the backlog she may see is just her removal
    const carolResume = await EventClient.connect(server.url, { token: carol.token, cursor: '0' });
    const carolEvents: ServerMessage[] = [];
    for (;;) {
      const message = await carolResume.next();
      if (message.type === 'ready') break;
      carolEvents.push(message);
    }
    const aboutWs = carolEvents.filter((m) => m.type === 'event' && m.event.workspace === ws.id);
    expect(
      aboutWs.map((m) =>
        m.type === 'event' && m.event.type === 'membership.appended' ? m.event.seq : -1,
      ),
    ).toEqual([2]);
    carolResume.close();

    // bob follows all his workspaces; deletion reaches him
    const bobWs = await EventClient.connect(server.url, { token: bob.token });
    await bobWs.expectReady();
    expect((await api.delete(`/v1/workspaces/${ws.id}`, { token: alice.token })).status).toBe(200);
    expect((await aliceWs.expectEvent()).event).toEqual({
      type: 'workspace.deleted',
      workspace: ws.id,
    });
    expect((await bobWs.expectEvent()).event).toEqual({
      type: 'workspace.deleted',
      workspace: ws.id,
    });
    await sleep(100);
    expect(carolWs.messages).toEqual([]);
    for (const client of [daveAll, carolWs, aliceWs, bobWs]) client.close();
  });

  it('push: bad hellos, and tokens revoked or expired while connected', async () => {
    const garbage = await EventClient.connect(server.url, { token: 'bbt1.nope' });
    expect(await garbage.next()).toMatchObject({ type: 'error', code: 'INVALID_REQUEST' });
    expect((await garbage.closed).code).toBe(EVENT_CLOSE_CODES.BAD_MESSAGE);

    const unknown = await EventClient.connect(server.url, {
      token: `bbt1.${'A'.repeat(43)}`,
    });
    expect(await unknown.next()).toMatchObject({ type: 'error', code: 'AUTH_TOKEN_INVALID' });
    expect((await unknown.closed).code).toBe(EVENT_CLOSE_CODES.UNAUTHORIZED);

    // a token limited to another workspace cannot follow this one
    const ws = await createWs(api, alice);
    const bound = await login(api, alice.user, { workspaceId: 'DDDDDDDDDDDDDDDDDDDDDD' });
    const wrong = await EventClient.connect(server.url, {
      token: bound.token,
      workspaces: [ws.id],
    });
    expect(await wrong.next()).toMatchObject({ type: 'error', code: 'FORBIDDEN' });

    // revoked while connected: cut off at the next heartbeat
    const phone = newTestDevice(alice.user, 'tablet');
    alice.user.devices.push(phone);
    const phoneToken = (await login(api, alice.user, { device: phone })).token;
    const connected = await EventClient.connect(server.url, { token: phoneToken });
    await connected.expectReady();
    await api.post(
      `/v1/identities/${alice.user.id}/devices/${phone.id}/revoke`,
      revocationBody(alice.user, phone),
    );
    expect(await connected.next()).toMatchObject({ type: 'error', code: 'AUTH_DEVICE_REVOKED' });
    expect((await connected.closed).code).toBe(EVENT_CLOSE_CODES.UNAUTHORIZED);

    // expired while connected
    const short = await login(api, alice.user, { ttlSeconds: 60 });
    const expiring = await EventClient.connect(server.url, { token: short.token });
    await expiring.expectReady();
    server.clock.advance(61_000);
    expect(await expiring.next()).toMatchObject({ type: 'error', code: 'AUTH_TOKEN_EXPIRED' });

    // plain GET is not the channel; unknown upgrade paths are refused
    expect((await api.get(EVENTS_PATH)).status).toBe(426);
    const stray = new WebSocket(server.url.replace(/^http/, 'ws') + '/v1/nothing');
    const failure = await new Promise<string>((resolve) => {
      stray.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      stray.on('error', (error) => resolve(error.message));
    });
    expect(failure).toContain('404');
  });

  // These two prune the events of every earlier test: keep them last.
  it('push: after pruning, a cursor from before the kept events gets reset; a kept one replays', async () => {
    const ws = await createWs(api, alice);
    const old = await server.storage.latestEventId();
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, bob, ['STORE_USE'])]); // seq 1
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, carol, ['STORE_USE'])]); // seq 2
    const kept = await server.storage.latestEventId();
    // everything so far is older than this (at least the creation and seq 1 events of this
    // workspace, and those of earlier tests), but the newest event always stays
    expect(await server.storage.pruneEvents(server.clock.now() + 1)).toBeGreaterThanOrEqual(2);
    expect(await server.storage.oldestEventId()).toBe(kept);
    await appendOk(api, alice.token, ws, [
      createEntry(ws.state, 'user.permissions', { name: 'bob', permissions: [] }, alice.author),
    ]); // seq 3
    const latest = String(await server.storage.latestEventId());

    // events after `old` are gone (seq 1): reset with the newest cursor, no replay
    const stale = await EventClient.connect(server.url, {
      token: alice.token,
      cursor: String(old),
      workspaces: [ws.id],
    });
    expect(await stale.next()).toEqual({ v: 1, type: 'reset', cursor: latest });
    expect(await stale.expectReady()).toBe(latest);
    // and live from there
    await appendOk(api, alice.token, ws, [
      createEntry(ws.state, 'user.permissions', { name: 'carol', permissions: [] }, alice.author),
    ]);
    expect((await stale.expectEvent()).event).toMatchObject({ seq: 4 });
    await sleep(100);
    expect(stale.messages).toEqual([]);
    stale.close();

    // just before the oldest kept event nothing is missing: the replay, as before
    const resumed = await EventClient.connect(server.url, {
      token: alice.token,
      cursor: String(kept - 1),
      workspaces: [ws.id],
    });
    const replayed = [
      await resumed.expectEvent(),
      await resumed.expectEvent(),
      await resumed.expectEvent(),
    ];
    expect(replayed.map((m) => m.event)).toMatchObject([{ seq: 2 }, { seq: 3 }, { seq: 4 }]);
    expect(replayed[0]!.cursor).toBe(String(kept));
    expect(await resumed.expectReady()).toBe(replayed[2]!.cursor);
    resumed.close();

    // one further back is a possible gap: reset
    const edge = await EventClient.connect(server.url, {
      token: alice.token,
      cursor: String(kept - 2),
      workspaces: [ws.id],
    });
    expect(await edge.next()).toMatchObject({ type: 'reset', cursor: replayed[2]!.cursor });
    await edge.expectReady();
    edge.close();
  });

  it('push: a prune that lands during the replay ends in reset, not a gap', async () => {
    const ws = await createWs(api, alice);
    const cursor = await server.storage.latestEventId();
    expect(cursor).toBeGreaterThanOrEqual((await server.storage.oldestEventId()) - 1);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, bob, ['STORE_USE'])]);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, carol, ['STORE_USE'])]);
    const latest = String(await server.storage.latestEventId());

    // a server whose first replay read comes just after a sweep pruned all but the newest event
    let pruneFirst = true;
    const racing = new Proxy(server.storage, {
      get(target, property) {
        if (property === 'listVisibleEvents') {
          return async (...args: Parameters<Storage['listVisibleEvents']>) => {
            if (pruneFirst) {
              pruneFirst = false;
              await target.pruneEvents(server.clock.now() + 1);
            }
            return target.listVisibleEvents(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const other = await startServer({ ...server.opened, storage: racing });
    try {
      const client = await EventClient.connect(other.url, {
        token: alice.token,
        cursor: String(cursor),
        workspaces: [ws.id],
      });
      // the read found only seq 2; seq 1 was pruned under it
      expect(await client.next()).toEqual({ v: 1, type: 'reset', cursor: latest });
      expect(await client.expectReady()).toBe(latest);
      expect(pruneFirst).toBe(false);
      client.close();
    } finally {
      await other.app.close();
    }
  });
});

// Two server processes, one PostgreSQL database: LISTEN/NOTIFY carries events across.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'src-cli', 'main.ts');

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

function serve(postgresUrl: string, dataDir: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'serve', '--postgres', postgresUrl, '--port', '0', '--data', dataDir],
    {
      cwd: root,
      env: { ...process.env, BACKBONE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${output}`));
    }, 60_000);
    child.stdout.on('data', () => {
      const match = /Backbone server listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}

describe.skipIf(postgresSkipped())('two server processes on one PostgreSQL database', () => {
  it('an event appended through process A arrives on a socket of process B', async () => {
    await cryptoReady();
    const url = await testPostgresUrl();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-two-servers-'));
    const served: Served[] = [];
    try {
      // start one first so it creates the schema and keys; the second joins
      served.push(await serve(url, path.join(dir, 'a')));
      served.push(await serve(url, path.join(dir, 'b')));
      const [a, b] = served as [Served, Served];
      const apiA = new ApiClient(a.url);
      const owner = await person(apiA, 'alice');
      const member = await person(new ApiClient(b.url), 'bob');
      const ws = await createWs(apiA, owner);

      const onB = await EventClient.connect(b.url, { token: member.token });
      await onB.expectReady();
      const ownerOnB = await EventClient.connect(b.url, {
        token: owner.token,
        workspaces: [ws.id],
      });
      await ownerOnB.expectReady();

      await appendOk(apiA, owner.token, ws, [addEntry(ws, owner, member, ['STORE_USE'])]);
      const seen = await ownerOnB.expectEvent();
      expect(seen.event).toEqual({
        type: 'membership.appended',
        workspace: ws.id,
        seq: 1,
        hash: ws.state.head.hash,
      });
      // bob became a member through A: B routes the workspace's events to him from then on
      expect((await onB.expectEvent()).event).toMatchObject({ workspace: ws.id, seq: 1 });
      const removal = createUserRemoval(ws.state, 'bob', owner.author);
      await appendOk(apiA, owner.token, ws, removal.entries);
      expect((await onB.expectEvent()).event).toMatchObject({ seq: 2 });
      expect((await ownerOnB.expectEvent()).event).toMatchObject({ seq: 2 });
      expect((await ownerOnB.expectEvent()).event).toMatchObject({ seq: 3 });
      await sleep(150);
      expect(onB.messages).toEqual([]); // removed: nothing after his removal
      onB.close();
      ownerOnB.close();
    } finally {
      for (const s of served) s.child.kill('SIGTERM');
      for (const s of served) await s.exited;
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
