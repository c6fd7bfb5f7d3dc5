/**
 * Workspaces, the membership log, the workspace guard and the push event channel, against both
 * backends; and two `backbone serve` processes sharing one PostgreSQL database (an event
 * appended through one arrives on a socket of the other).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cryptoReady, signStatement } from '../../src-shared/crypto/index.js';
import {
  EVENT_CLOSE_CODES,
  EVENTS_PATH,
  serverMessageSchema,
  type HelloMessage,
  type ServerMessage,
} from '../../src-shared/api/events.js';
import {
  appendResponseSchema,
  logResponseSchema,
  workspaceListResponseSchema,
  workspaceResponseSchema,
} from '../../src-shared/api/workspaces.js';
import { isBackboneError } from '../../src-shared/errors.js';
import { createInvitation, parseInvitation } from '../../src-shared/workspace/invitation.js';
import {
  MEMBERSHIP_ENTRY_KIND,
  MEMBERSHIP_ENTRY_VERSION,
  applyEntries,
  createEntry,
  createGenesis,
  createNamingRotation,
  createUserAdd,
  createUserRemoval,
  verifyLog,
  type AuthorKeys,
  type MembershipEntry,
  type MembershipState,
} from '../../src-shared/workspace/membership-log.js';
import type { NamingKey } from '../../src-shared/workspace/naming-key.js';
import type { Permission } from '../../src-shared/workspace/permissions.js';
import { buildServer } from '../app.js';
import type { App } from '../context.js';
import { createLogger } from '../logger.js';
import type { Storage } from '../storage/storage.js';
import { testPostgresUrl, useTestBackends, type OpenedStorage } from '../test/backends.js';
import {
  ApiClient,
  errorCode,
  login,
  newTestDevice,
  newTestIdentity,
  register,
  registeredUser,
  revocationBody,
  type TestIdentity,
} from '../test/client.js';
import { TestClock, testConfig } from '../test/harness.js';
import { postgresSkipped } from '../test/postgres-cluster.js';

const backends = useTestBackends();

// --- helpers -----------------------------------------------------------------------------------

interface Server {
  app: App;
  url: string;
  api: ApiClient;
  storage: Storage;
  clock: TestClock;
  opened: OpenedStorage;
}

async function startServer(opened: OpenedStorage): Promise<Server> {
  const clock = new TestClock();
  const app = buildServer({
    config: testConfig(opened.dataDir),
    storage: opened.storage,
    clock,
    logger: createLogger('silent'),
    events: { heartbeatMs: 150, pollMs: 1000 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return { app, url, api: new ApiClient(url), storage: opened.storage, clock, opened };
}

interface Person {
  user: TestIdentity;
  token: string;
  author: AuthorKeys;
}

async function person(api: ApiClient, name: string): Promise<Person> {
  const { user, token } = await registeredUser(api, name);
  return { user, token, author: { name, signKeyPair: user.identity.signKeyPair } };
}

function invitationOf(user: TestIdentity, name: string) {
  return parseInvitation(createInvitation(user.identity, name));
}

/** A workspace as a client tracks it: verified state and naming key. */
interface Ws {
  id: string;
  state: MembershipState;
  namingKey: NamingKey;
}

function genesisFor(owner: Person, displayName = 'Team') {
  return createGenesis({
    displayName,
    creator: { ...owner.author, boxPublicKey: owner.user.identity.boxKeyPair.publicKey },
  });
}

async function createWs(api: ApiClient, owner: Person): Promise<Ws> {
  const genesis = genesisFor(owner);
  const response = await api.post(
    '/v1/workspaces',
    { v: 1, genesis: genesis.entry },
    {
      token: owner.token,
    },
  );
  expect(response.status, response.text).toBe(201);
  return { id: genesis.state.workspaceId, state: genesis.state, namingKey: genesis.namingKey };
}

function append(api: ApiClient, token: string, id: string, entries: unknown[]) {
  return api.post(`/v1/workspaces/${id}/log`, { v: 1, entries }, { token });
}

/** Appends entries made by `make` (from the current state) and tracks the new state. */
async function appendOk(api: ApiClient, token: string, ws: Ws, entries: MembershipEntry[]) {
  const response = await append(api, token, ws.id, entries);
  expect(response.status, response.text).toBe(201);
  ws.state = applyEntries(ws.state, entries);
  return appendResponseSchema.parse(response.body);
}

function addEntry(ws: Ws, author: Person, invitee: Person, permissions: Permission[]) {
  return createUserAdd(ws.state, {
    invitation: invitationOf(invitee.user, invitee.author.name),
    permissions,
    namingKey: ws.namingKey,
    author: author.author,
  });
}

/** Signs an entry without the model's checks (to see the server refuse it). */
function forge(
  state: MembershipState,
  type: MembershipEntry['type'],
  body: unknown,
  author: AuthorKeys,
  overrides: { workspace?: string } = {},
): MembershipEntry {
  const unsigned = {
    workspace: overrides.workspace ?? state.workspaceId,
    seq: state.head.seq + 1,
    prev: state.head.hash,
    type,
    author: author.name,
    body: body as never,
  };
  const statement = signStatement(
    MEMBERSHIP_ENTRY_KIND,
    MEMBERSHIP_ENTRY_VERSION,
    unsigned,
    author.signKeyPair,
  );
  return { v: 1, ...unsigned, sig: statement.sig } as MembershipEntry;
}

/** A WebSocket client of the event channel that queues what it receives. */
class EventClient {
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(serverMessageSchema.parse(JSON.parse(String(data))));
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  static async connect(baseUrl: string, hello: Omit<HelloMessage, 'v' | 'type'>) {
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + EVENTS_PATH);
    const client = new EventClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ v: 1, type: 'hello', ...hello }));
    return client;
  }

  /** Waits for the next message (in order). */
  async next(timeoutMs = 5000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      if (this.ws.readyState === WebSocket.CLOSED) {
        const { code, reason } = await this.closed;
        throw new Error(`socket closed (${code} ${reason})`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.shift()!;
  }

  async expectReady(): Promise<string> {
    const message = await this.next();
    expect(message.type).toBe('ready');
    return message.type === 'ready' ? message.cursor : '';
  }

  async expectEvent() {
    const message = await this.next();
    if (message.type !== 'event') throw new Error(`expected an event, got ${message.type}`);
    return message;
  }

  close(): void {
    this.ws.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- suites ------------------------------------------------------------------------------------

describe.each(backends)('workspaces and events ($name)', (backend) => {
  let server: Server;
  let api: ApiClient;
  let alice: Person; // creator, ROOT
  let bob: Person; // USER_MANAGE + STORE_USE
  let carol: Person; // STORE_USE
  let dave: Person; // never a member

  beforeAll(async () => {
    await cryptoReady();
    server = await startServer(await backend.open());
    api = server.api;
    [alice, bob, carol, dave] = (await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((name) => person(api, name)),
    )) as [Person, Person, Person, Person];
  });

  afterAll(async () => {
    await server.app.close();
    await server.opened.dispose();
  });

  it('creates a workspace from a genesis signed by the caller, and serves it', async () => {
    const genesis = genesisFor(alice, 'Research');
    const id = genesis.state.workspaceId;
    // someone else's genesis: refused
    const stolen = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: bob.token,
      },
    );
    expect(stolen.status).toBe(403);
    expect(errorCode(stolen)).toBe('FORBIDDEN');

    const created = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: alice.token,
      },
    );
    expect(created.status, created.text).toBe(201);
    const view = workspaceResponseSchema.parse(created.body).workspace;
    expect(view).toMatchObject({
      id,
      displayName: 'Research',
      genesisHash: genesis.state.genesisHash,
      head: { seq: 0, hash: genesis.state.genesisHash },
      you: { name: 'alice', permissions: ['ROOT'] },
    });

    const again = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: alice.token,
      },
    );
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('WORKSPACE_EXISTS');

    const got = await api.get(`/v1/workspaces/${id}`, { token: alice.token });
    expect(got.status).toBe(200);
    expect(workspaceResponseSchema.parse(got.body).workspace).toEqual(view);

    const list = await api.get('/v1/workspaces', { token: alice.token });
    expect(workspaceListResponseSchema.parse(list.body).workspaces.map((w) => w.id)).toContain(id);
    const none = await api.get('/v1/workspaces', { token: dave.token });
    expect(workspaceListResponseSchema.parse(none.body).workspaces.map((w) => w.id)).not.toContain(
      id,
    );

    const log = logResponseSchema.parse(
      (await api.get(`/v1/workspaces/${id}/log`, { token: alice.token })).body,
    );
    expect(log).toMatchObject({ workspaceId: id, next: null, head: { seq: 0 } });
    expect(verifyLog(log.entries, { pinnedGenesisHash: genesis.state.genesisHash }).head).toEqual(
      genesis.state.head,
    );
  });

  it('refuses bad genesis entries and tokens that may not create', async () => {
    const genesis = genesisFor(alice);
    const tampered = { ...genesis.entry, body: { ...genesis.entry.body, name: 'Other' } };
    const bad = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: tampered },
      {
        token: alice.token,
      },
    );
    expect(bad.status).toBe(403);
    expect(errorCode(bad)).toBe('MEMBERSHIP_BAD_SIGNATURE');

    const malformed = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: { ...genesis.entry, extra: 1 } },
      { token: alice.token },
    );
    expect(malformed.status).toBe(400);
    expect(errorCode(malformed)).toBe('MEMBERSHIP_INVALID');

    const future = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: { ...genesis.entry, v: 2 } },
      {
        token: alice.token,
      },
    );
    expect(errorCode(future)).toBe('UNSUPPORTED_VERSION');

    const notGenesis = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: [] },
      {
        token: alice.token,
      },
    );
    expect(notGenesis.status).toBe(400);

    const storeOnly = await login(api, alice.user, { scopes: ['STORE_USE'] });
    const noScope = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: storeOnly.token,
      },
    );
    expect(noScope.status).toBe(403);
    expect(errorCode(noScope)).toBe('FORBIDDEN');

    const otherWs = await login(api, alice.user, { workspaceId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    const bound = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: otherWs.token,
      },
    );
    expect(bound.status).toBe(403);

    const anonymous = await api.post('/v1/workspaces', { v: 1, genesis: genesis.entry });
    expect(anonymous.status).toBe(401);
  });

  it('appends entries with the model rules and enforces endpoint permissions', async () => {
    const ws = await createWs(api, alice);
    const path = `/v1/workspaces/${ws.id}`;

    // alice adds bob (USER_MANAGE, STORE_USE) and carol (STORE_USE) in one append
    const addBob = addEntry(ws, alice, bob, ['USER_MANAGE', 'STORE_USE']);
    const addCarol = createUserAdd(applyEntries(ws.state, [addBob]), {
      invitation: invitationOf(carol.user, 'carol'),
      permissions: ['STORE_USE'],
      namingKey: ws.namingKey,
      author: alice.author,
    });
    const appended = await appendOk(api, alice.token, ws, [addBob, addCarol]);
    expect(appended.appended.map((a) => a.seq)).toEqual([1, 2]);
    expect(appended.head).toEqual(ws.state.head);

    // membership is enough to read
    for (const reader of [bob, carol]) {
      const got = await api.get(path, { token: reader.token });
      expect(got.status, got.text).toBe(200);
      const log = await api.get(`${path}/log`, { token: reader.token });
      expect(log.status).toBe(200);
    }
    expect(
      workspaceResponseSchema.parse((await api.get(path, { token: carol.token })).body).workspace
        .you,
    ).toEqual({ name: 'carol', permissions: ['STORE_USE'] });

    // paging
    const page = logResponseSchema.parse(
      (await api.get(`${path}/log?from=1&limit=1`, { token: bob.token })).body,
    );
    expect(page.entries.map((e) => e.seq)).toEqual([1]);
    expect(page.next).toBe(2);
    const last = logResponseSchema.parse(
      (await api.get(`${path}/log?from=2`, { token: bob.token })).body,
    );
    expect(last.entries.map((e) => e.seq)).toEqual([2]);
    expect(last.next).toBeNull();
    const beyond = logResponseSchema.parse(
      (await api.get(`${path}/log?from=9`, { token: bob.token })).body,
    );
    expect(beyond).toMatchObject({ entries: [], next: null });
    expect((await api.get(`${path}/log?limit=0`, { token: bob.token })).status).toBe(400);
    expect((await api.get(`${path}/log?limit=1001`, { token: bob.token })).status).toBe(400);
    expect((await api.get(`${path}/log?foo=1`, { token: bob.token })).status).toBe(400);

    // not a member
    for (const request of [
      api.get(path, { token: dave.token }),
      api.get(`${path}/log`, { token: dave.token }),
      append(api, dave.token, ws.id, [
        forge(ws.state, 'user.remove', { name: 'carol' }, alice.author),
      ]),
      api.delete(path, { token: dave.token }),
    ]) {
      const response = await request;
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('FORBIDDEN');
    }
    // missing permission: carol cannot append, bob (no ROOT) cannot delete
    const carolAppend = await append(api, carol.token, ws.id, [
      createEntry(ws.state, 'user.permissions', { name: 'carol', permissions: [] }, alice.author),
    ]);
    expect(carolAppend.status).toBe(403);
    expect(errorCode(carolAppend)).toBe('FORBIDDEN');
    const bobDelete = await api.delete(path, { token: bob.token });
    expect(bobDelete.status).toBe(403);

    // token missing the scope (alice is ROOT, but this token only has STORE_USE)
    const storeOnly = await login(api, alice.user, { scopes: ['STORE_USE'] });
    expect((await api.get(path, { token: storeOnly.token })).status).toBe(200);
    const scoped = await append(api, storeOnly.token, ws.id, [
      createEntry(ws.state, 'user.permissions', { name: 'carol', permissions: [] }, alice.author),
    ]);
    expect(scoped.status).toBe(403);
    expect(errorCode(scoped)).toBe('FORBIDDEN');
    expect((await api.delete(path, { token: storeOnly.token })).status).toBe(403);

    // token limited to another workspace; and to this one
    const elsewhere = await login(api, alice.user, { workspaceId: 'BBBBBBBBBBBBBBBBBBBBBB' });
    expect((await api.get(path, { token: elsewhere.token })).status).toBe(403);
    expect((await api.get(`${path}/log`, { token: elsewhere.token })).status).toBe(403);
    const here = await login(api, alice.user, { workspaceId: ws.id });
    expect((await api.get(path, { token: here.token })).status).toBe(200);
    const listed = workspaceListResponseSchema.parse(
      (await api.get('/v1/workspaces', { token: here.token })).body,
    );
    expect(listed.workspaces.map((w) => w.id)).toEqual([ws.id]);

    // a non-ROOT administrator's entries go through the model: bob (USER_MANAGE) adds dave
    await appendOk(api, bob.token, ws, [addEntry(ws, bob, dave, ['STORE_USE'])]);
    expect((await api.get(path, { token: dave.token })).status).toBe(200);

    // revoked device's token
    const second = newTestDevice(bob.user, 'phone');
    bob.user.devices.push(second);
    const phone = await login(api, bob.user, { device: second });
    expect((await api.get(path, { token: phone.token })).status).toBe(200);
    const revoked = await api.post(
      `/v1/identities/${bob.user.id}/devices/${second.id}/revoke`,
      revocationBody(bob.user, second),
    );
    expect(revoked.status).toBe(200);
    const afterRevoke = await api.get(path, { token: phone.token });
    expect(afterRevoke.status).toBe(401);
    expect(errorCode(afterRevoke)).toBe('AUTH_DEVICE_REVOKED');

    // expired token
    const short = await login(api, carol.user, { ttlSeconds: 60 });
    expect((await api.get(path, { token: short.token })).status).toBe(200);
    server.clock.advance(61_000);
    const expired = await api.get(path, { token: short.token });
    expect(expired.status).toBe(401);
    expect(errorCode(expired)).toBe('AUTH_TOKEN_EXPIRED');

    // removed member: alice removes carol (removal + rotation in one append)
    const removal = createUserRemoval(ws.state, 'carol', alice.author);
    await appendOk(api, alice.token, ws, removal.entries);
    ws.namingKey = removal.namingKey!;
    for (const request of [
      api.get(path, { token: carol.token }),
      api.get(`${path}/log`, { token: carol.token }),
    ]) {
      const response = await request;
      expect(response.status).toBe(403);
      expect(errorCode(response)).toBe('FORBIDDEN');
    }
    const carolList = workspaceListResponseSchema.parse(
      (await api.get('/v1/workspaces', { token: carol.token })).body,
    );
    expect(carolList.workspaces.map((w) => w.id)).not.toContain(ws.id);

    // the whole log verifies for a client
    const log = logResponseSchema.parse(
      (await api.get(`${path}/log`, { token: alice.token })).body,
    );
    expect(verifyLog(log.entries).head).toEqual(ws.state.head);

    // unknown workspace
    const unknown = await api.get('/v1/workspaces/CCCCCCCCCCCCCCCCCCCCCC', { token: alice.token });
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
  });

  it('refuses what the model refuses, leaving the log as it was', async () => {
    const ws = await createWs(api, alice);
    const other = await createWs(api, alice);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, bob, ['USER_MANAGE', 'STORE_USE'])]);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, carol, ['STORE_USE'])]);
    const head = ws.state.head;

    const cases: [string, MembershipEntry, number, string][] = [
      // carol has no USER_MANAGE: she cannot author entries (the caller, alice, may post them)
      [
        'non-admin author',
        forge(ws.state, 'user.remove', { name: 'bob' }, carol.author),
        403,
        'MEMBERSHIP_FORBIDDEN',
      ],
      // the only ROOT cannot remove itself
      [
        'last ROOT removal',
        forge(ws.state, 'user.remove', { name: 'alice' }, alice.author),
        403,
        'MEMBERSHIP_FORBIDDEN',
      ],
      // bob (USER_MANAGE) cannot grant ROOT
      [
        'escalation',
        forge(ws.state, 'user.permissions', { name: 'carol', permissions: ['ROOT'] }, bob.author),
        403,
        'MEMBERSHIP_FORBIDDEN',
      ],
      [
        'bad signature',
        {
          ...createEntry(
            ws.state,
            'user.permissions',
            { name: 'carol', permissions: [] },
            alice.author,
          ),
          body: { name: 'carol', permissions: ['STORE_SHARE'] },
        } as MembershipEntry,
        403,
        'MEMBERSHIP_BAD_SIGNATURE',
      ],
      [
        'wrong workspace',
        forge(ws.state, 'user.remove', { name: 'carol' }, alice.author, { workspace: other.id }),
        400,
        'MEMBERSHIP_WRONG_WORKSPACE',
      ],
      [
        'malformed',
        {
          ...forge(ws.state, 'user.remove', { name: 'carol' }, alice.author),
          extra: true,
        } as never,
        400,
        'MEMBERSHIP_INVALID',
      ],
      [
        'a second genesis',
        { ...genesisFor(alice).entry, workspace: ws.id },
        409,
        'MEMBERSHIP_CONFLICT',
      ],
    ];
    for (const [what, entry, status, code] of cases) {
      const response = await append(api, alice.token, ws.id, [entry]);
      expect([what, response.status, errorCode(response)]).toEqual([what, status, code]);
    }
    // a batch is all or nothing: a good entry followed by a bad one stores neither
    const good = createEntry(
      ws.state,
      'user.permissions',
      { name: 'carol', permissions: [] },
      alice.author,
    );
    const afterGood = applyEntries(ws.state, [good]);
    const bad = forge(afterGood, 'user.remove', { name: 'alice' }, alice.author);
    const batch = await append(api, alice.token, ws.id, [good, bad]);
    expect(batch.status).toBe(403);

    // hostile bodies: always a 4xx JSON error, never a 5xx, never stored
    const valid = forge(ws.state, 'user.remove', { name: 'carol' }, alice.author);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({ v: fc.constant(1), entries: fc.array(fc.jsonValue(), { maxLength: 3 }) }),
          fc
            .tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue())
            .map(([key, value]) => ({ v: 1, entries: [{ ...valid, [key]: value }] })),
          fc
            .tuple(fc.constantFrom(...Object.keys(valid.body)), fc.jsonValue())
            .map(([key, value]) => ({
              v: 1,
              entries: [{ ...valid, body: { ...valid.body, [key]: value } }],
            })),
        ),
        fc.boolean(),
        async (body, genesis) => {
          const response = genesis
            ? await api.post('/v1/workspaces', { v: 1, genesis: body }, { token: alice.token })
            : await api.post(`/v1/workspaces/${ws.id}/log`, body, { token: alice.token });
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          errorCode(response);
        },
      ),
      { numRuns: 150 },
    );

    const got = workspaceResponseSchema.parse(
      (await api.get(`/v1/workspaces/${ws.id}`, { token: alice.token })).body,
    );
    expect(got.workspace.head).toEqual(head);
  });

  it('compare-and-swap: of two appends on the same head exactly one wins', async () => {
    const ws = await createWs(api, alice);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, bob, ['USER_MANAGE', 'STORE_USE'])]);
    for (let round = 0; round < 3; round++) {
      const byAlice = createEntry(
        ws.state,
        'user.permissions',
        {
          name: 'bob',
          // toggle STORE_USE relative to bob's permissions now (whoever won the last round)
          permissions: ws.state.members.get('bob')!.permissions.includes('STORE_USE')
            ? ['USER_MANAGE']
            : ['USER_MANAGE', 'STORE_USE'],
        },
        alice.author,
      );
      const rotation = createNamingRotation(ws.state, bob.author);
      const byBob = rotation.entry;
      const results = await Promise.all([
        append(api, alice.token, ws.id, [byAlice]),
        append(api, bob.token, ws.id, [byBob]),
      ]);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409]);
      const loser = results.find((r) => r.status === 409)!;
      expect(errorCode(loser)).toBe('MEMBERSHIP_CONFLICT');
      const winner = results[0]!.status === 201 ? byAlice : byBob;
      ws.state = applyEntries(ws.state, [winner]);
      if (winner === byBob) ws.namingKey = rotation.namingKey;
    }
    // a stale entry (already superseded) is a conflict too
    const log = logResponseSchema.parse(
      (await api.get(`/v1/workspaces/${ws.id}/log`, { token: alice.token })).body,
    );
    expect(verifyLog(log.entries).head).toEqual(ws.state.head);
    const stale = await append(api, alice.token, ws.id, [log.entries[1]]);
    expect(stale.status).toBe(409);

    // the storage itself: two concurrent compare-and-swaps from two connections
    // (SQLite: one connection per process, whose transactions run one at a time)
    const second =
      backend.name === 'postgres' ? await backend.reopen(server.opened) : server.storage;
    try {
      const expected = { seq: ws.state.head.seq, hash: ws.state.head.hash };
      const record = (n: number) => ({
        seq: expected.seq + 1,
        entry: JSON.stringify({ n }),
        hash: `${'A'.repeat(42)}${n}`,
      });
      const outcomes = await Promise.allSettled([
        server.storage.appendMembershipEntries(ws.id, expected, [record(1)], [], [], 1),
        second.appendMembershipEntries(ws.id, expected, [record(2)], [], [], 1),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const failed = outcomes.find((o) => o.status === 'rejected');
      expect(isBackboneError(failed?.reason, 'MEMBERSHIP_CONFLICT')).toBe(true);
    } finally {
      if (second !== server.storage) await second.close();
    }
  });

  it('lets an administrator add an identity that registers later', async () => {
    const ws = await createWs(api, alice);
    const erin = newTestIdentity('erin');
    const erinPerson: Person = {
      user: erin,
      token: '',
      author: { name: 'erin', signKeyPair: erin.identity.signKeyPair },
    };
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, erinPerson, ['STORE_USE'])]);
    await register(api, erin);
    const token = (await login(api, erin)).token;
    const got = await api.get(`/v1/workspaces/${ws.id}`, { token });
    expect(got.status).toBe(200);
    const list = workspaceListResponseSchema.parse(
      (await api.get('/v1/workspaces', { token })).body,
    );
    expect(list.workspaces.map((w) => w.id)).toEqual([ws.id]);
  });

  it('deletes a workspace (ROOT only); later requests are 404 and its id stays taken', async () => {
    const genesis = genesisFor(alice);
    const ws: Ws = {
      id: genesis.state.workspaceId,
      state: genesis.state,
      namingKey: genesis.namingKey,
    };
    expect(
      (await api.post('/v1/workspaces', { v: 1, genesis: genesis.entry }, { token: alice.token }))
        .status,
    ).toBe(201);
    await appendOk(api, alice.token, ws, [addEntry(ws, alice, bob, ['ROOT'])]);
    const path = `/v1/workspaces/${ws.id}`;
    const deleted = await api.delete(path, { token: bob.token });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toMatchObject({ v: 1, id: ws.id });
    for (const request of [
      api.get(path, { token: alice.token }),
      api.get(`${path}/log`, { token: alice.token }),
      append(api, alice.token, ws.id, [addEntry(ws, alice, carol, [])]),
      api.delete(path, { token: alice.token }),
    ]) {
      const response = await request;
      expect(response.status).toBe(404);
      expect(errorCode(response)).toBe('NOT_FOUND');
    }
    const list = workspaceListResponseSchema.parse(
      (await api.get('/v1/workspaces', { token: alice.token })).body,
    );
    expect(list.workspaces.map((w) => w.id)).not.toContain(ws.id);
    const recreate = await api.post(
      '/v1/workspaces',
      { v: 1, genesis: genesis.entry },
      {
        token: alice.token,
      },
    );
    expect(recreate.status).toBe(409);
    expect(errorCode(recreate)).toBe('WORKSPACE_EXISTS');
    expect(await server.storage.getMembershipLog(ws.id, 0, 10)).toEqual([]);
  });

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
